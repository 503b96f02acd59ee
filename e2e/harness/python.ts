/**
 * rotor's Python program (e2e/python/) under the real Pulumi engine: e2e/python/driver.py runs it through the Python
 * Automation API as an inline program, with the venv e2e/build-python.sh made (its directory comes in as
 * ROTOR_E2E_PYTHON from `npm run test:e2e`) and the test file's Pulumi environment (harness/pulumi.ts).
 */
import { join } from "node:path";
import { e2e, PYTHON_ENV, run } from "./context";
import { engineRoot, pulumi, type PulumiEnv } from "./pulumi";
import { ROOT } from "./rotor";

/** The Python program's directory. */
export const PYTHON_DIR = join(ROOT, "e2e", "python");

/** The venv's directory from e2e/build-python.sh, or an error that says how to get it. */
export function pythonVenv(): string {
  const venv = process.env[PYTHON_ENV];
  if (!venv) {
    throw new Error(
      `${PYTHON_ENV} is not set: the Python e2e tests need the venv made by e2e/build-python.sh. Run them with \`npm run test:e2e -- pulumi-python\`, which makes it (or finds it in the cache) and sets ${PYTHON_ENV}.`,
    );
  }
  return venv;
}

export interface PythonRun {
  /** The driver's report (its last line of stdout). */
  readonly ok: boolean;
  readonly changes?: Record<string, number>;
  /** The stack's outputs after `up`. */
  readonly outputs?: Record<string, unknown>;
  readonly error?: string;
  /** The engine's warnings and errors, without the ephemeral status lines. */
  readonly problems: { severity: string; urn: string; message: string }[];
  /** Wall time of the driver process, Python's start-up included. */
  readonly ms: number;
}

export interface PythonOptions {
  readonly namespace?: string;
  readonly replicas?: number;
  readonly expectNoChanges?: boolean;
  /** More environment for the driver (and so for the CLI and its plugins), e.g. a PATH with rotor's plugin. */
  readonly env?: Record<string, string>;
}

/** The workspace of a Python stack: its Pulumi.yaml and stack settings, as the Python Automation API writes them. */
export function pythonWorkDir(p: PulumiEnv, stack: string): string {
  return join(p.dir, "work", `python-${stack}`);
}

/** Runs one operation of the Python program's stack with the driver and returns its report. */
export async function runPython(
  p: PulumiEnv,
  operation: "preview" | "up" | "destroy",
  stack: string,
  options: PythonOptions = {},
): Promise<PythonRun> {
  const args = [
    join(PYTHON_DIR, "driver.py"),
    operation,
    "--engine",
    engineRoot(),
    "--stack",
    stack,
    "--work-dir",
    pythonWorkDir(p, stack),
    "--kubeconfig",
    e2e().state.kubeconfig,
  ];
  if (options.namespace !== undefined) args.push("--namespace", options.namespace);
  if (options.replicas !== undefined) args.push("--replicas", String(options.replicas));
  if (options.expectNoChanges) args.push("--expect-no-changes");
  const started = Date.now();
  const result = await run(join(pythonVenv(), "bin", "python"), args, {
    cwd: PYTHON_DIR,
    // PYTHONDONTWRITEBYTECODE: no __pycache__ left in the repository.
    env: { ...process.env, ...p.env, ...options.env, PYTHONDONTWRITEBYTECODE: "1" },
  });
  const ms = Date.now() - started;
  const last = result.stdout.trim().split("\n").pop() ?? "";
  let report: Omit<PythonRun, "ms">;
  try {
    report = JSON.parse(last) as Omit<PythonRun, "ms">;
  } catch {
    throw new Error(
      `the Python driver (${operation}) exited ${result.code} without a report; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`,
    );
  }
  if (report.ok !== (result.code === 0)) {
    throw new Error(`the Python driver exited ${result.code} but reported ok: ${String(report.ok)}`);
  }
  return { ...report, ms };
}

/** The Python stack's resources counted by type, read back with the CLI (`pulumi stack export`), not the driver. */
export async function pythonResourceCounts(p: PulumiEnv, stack: string): Promise<Record<string, number>> {
  const exported = await pulumi(p, ["stack", "export", "--stack", stack], pythonWorkDir(p, stack));
  if (exported.code !== 0) throw new Error(`pulumi stack export exited ${exported.code}: ${exported.stderr}`);
  const state = JSON.parse(exported.stdout) as { deployment: { resources?: { type: string }[] } };
  const counts: Record<string, number> = {};
  for (const r of state.deployment.resources ?? []) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
