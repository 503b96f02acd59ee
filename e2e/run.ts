/**
 * `npm run test:e2e`: builds the pinned control plane once (e2e/build.sh, cached outside the repository) and,
 * when a Pulumi test file (e2e/tests/pulumi-*.test.ts) is selected, the pinned Pulumi engine
 * (e2e/build-pulumi.sh, the same cache); starts the control plane on loopback, runs every e2e/tests/*.test.ts
 * file against it with Node's test runner, and stops every process it started, whether the tests pass, fail
 * or are interrupted.
 *
 *   npm run test:e2e [-- <path fragment>...]   only the test files whose path contains a fragment
 *   npm run test:e2e:pulumi                    only the Pulumi engine's test files (e2e/tests/pulumi-*.test.ts)
 *   ROTOR_E2E_KEEP=1                           leave the control plane's directory (logs, audit log) behind
 */
import { spawn } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { build, type BuildScript } from "./harness/build";
import { ControlPlane } from "./harness/control-plane";
import { ENGINE_ENV, STATE_ENV } from "./harness/context";

const root = join(__dirname, "..");
/** The test files that run the real Pulumi engine: the engine is built (or found in the cache) only for them. */
const PULUMI_TEST = /(^|\/)pulumi-[^/]*\.test\.ts$/;

/** Runs a build script from e2e/ and returns the directory it prints on its last line. */
async function built(script: BuildScript, what: string, args: readonly string[] = []): Promise<string> {
  const { dir, seconds } = await build(script, what, args);
  console.log(`e2e: ${what} in ${dir} (${seconds.toFixed(1)} s)`);
  return dir;
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
  const binDir = await built("build.sh", "control plane binaries");
  // The Pulumi engine (CLI and Kubernetes provider) only when a Pulumi test runs: cold, it takes the longest.
  const engine = files.some((f) => PULUMI_TEST.test(f))
    ? { [ENGINE_ENV]: await built("build-pulumi.sh", "Pulumi engine", ["cli", "kubernetes"]) }
    : {};
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
        env: { ...process.env, ...engine, [STATE_ENV]: join(plane.state.dir, "state.json") },
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
