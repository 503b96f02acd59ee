/**
 * `npm run test:e2e`: builds the pinned control plane once (e2e/build.sh, cached outside the repository),
 * starts it on loopback, runs every e2e/tests/*.test.ts file against it with Node's test runner, and stops
 * every process it started, whether the tests pass, fail or are interrupted.
 *
 *   npm run test:e2e [-- <path fragment>...]   only the test files whose path contains a fragment
 *   ROTOR_E2E_KEEP=1                           leave the control plane's directory (logs, audit log) behind
 */
import { execFileSync, spawn } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { ControlPlane } from "./harness/control-plane";

const root = join(__dirname, "..");
import { STATE_ENV } from "./harness/context";

function build(): string {
  const started = Date.now();
  let out: string;
  try {
    out = execFileSync("bash", [join(__dirname, "build.sh")], {
      stdio: ["ignore", "pipe", "inherit"],
    }).toString();
  } catch (error) {
    const code = (error as { status?: number }).status;
    throw new Error(`the control plane build failed (exit code ${code ?? "?"}); its output is above`, {
      cause: error,
    });
  }
  const binDir = out.trim().split("\n").pop() ?? "";
  console.log(`e2e: binaries in ${binDir} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  return binDir;
}

async function main(): Promise<number> {
  const filters = process.argv.slice(2);
  const files = readdirSync(join(__dirname, "tests"))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => relative(root, join(__dirname, "tests", f)))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) {
    console.error(`e2e: no test file matches ${filters.join(", ")}`);
    return 2;
  }
  const binDir = build();
  const plane = await ControlPlane.start({ binDir, log: (line) => console.log(`e2e: ${line}`) });
  const stop = async () => {
    await plane.stop();
    if (!process.env.ROTOR_E2E_KEEP) rmSync(plane.state.dir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      console.error(`e2e: ${signal}: stopping the control plane`);
      void stop().then(() => process.exit(130));
    });
  }
  console.log(
    `e2e: control plane at ${plane.state.server}, healthy after ${(plane.state.startupMs / 1000).toFixed(1)} s; state in ${plane.state.dir}`,
  );
  try {
    const code = await new Promise<number>((resolve) => {
      // One file at a time: the files share one control plane and two cores, and rotations take real time.
      const child = spawn(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
        cwd: root,
        stdio: "inherit",
        env: { ...process.env, [STATE_ENV]: join(plane.state.dir, "state.json") },
      });
      child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0)));
    });
    return code;
  } finally {
    await stop();
    console.log(process.env.ROTOR_E2E_KEEP ? `e2e: kept ${plane.state.dir}` : "e2e: control plane stopped");
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`e2e: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
