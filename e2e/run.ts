/**
 * `npm run test:e2e`: builds the pinned control plane once (e2e/build.sh, cached outside the repository) and,
 * when a Pulumi test file (e2e/tests/pulumi-*.test.ts) is selected, the pinned Pulumi engine
 * (e2e/build-pulumi.sh, the same cache) and, when a Python one (e2e/tests/pulumi-python*.test.ts) is, the pinned
 * Python environment (e2e/build-python.sh, the same cache); starts the control plane on loopback, runs every e2e/tests/*.test.ts
 * file against it with Node's test runner, and stops every process it started, whether the tests pass, fail
 * or are interrupted.
 *
 *   npm run test:e2e [-- <path fragment>...]   only the test files whose path contains a fragment
 *   npm run test:e2e:pulumi                    only the Pulumi engine's test files (e2e/tests/pulumi-*.test.ts)
 *   ROTOR_E2E_KEEP=1                           leave the control plane's directory (logs, audit log) behind
 *
 * The test files run in child processes; the control plane's processes stay this process's. A test that takes the
 * kube-apiserver away and back (e2e/tests/pulumi-faults.test.ts) asks this process to, over a loopback HTTP
 * endpoint whose address it gets in ROTOR_E2E_CONTROL (see {@link serveControl}).
 */
import { spawn } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join, relative } from "node:path";
import { build, type BuildScript } from "./harness/build";
import { ControlPlane } from "./harness/control-plane";
import { CONTROL_ENV, ENGINE_ENV, PYTHON_ENV, STATE_ENV } from "./harness/context";

const root = join(__dirname, "..");
/** The test files that run the real Pulumi engine: the engine is built (or found in the cache) only for them. */
const PULUMI_TEST = /(^|\/)pulumi-[^/]*\.test\.ts$/;
/** The Pulumi test files that run a Python program: the Python environment is made only for them. */
const PYTHON_TEST = /(^|\/)pulumi-python[^/]*\.test\.ts$/;

/** Runs a build script from e2e/ and returns the directory it prints on its last line. */
async function built(script: BuildScript, what: string, args: readonly string[] = []): Promise<string> {
  const { dir, seconds } = await build(script, what, args);
  console.log(`e2e: ${what} in ${dir} (${seconds.toFixed(1)} s)`);
  return dir;
}

/**
 * `POST /kube-apiserver/stop` and `POST /kube-apiserver/start` on 127.0.0.1: kill the control plane's
 * kube-apiserver, and start it again as it was (answered once it and the nodes are ready); `pause` and `resume`
 * freeze and thaw it. 200 when done, 500 with the reason otherwise.
 */
async function serveControl(plane: ControlPlane): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const actions: Record<string, () => Promise<void>> = {
      "/kube-apiserver/stop": () => plane.stopApiserver(),
      "/kube-apiserver/start": () => plane.startApiserver(),
      "/kube-apiserver/pause": () => Promise.resolve(plane.pauseApiserver()),
      "/kube-apiserver/resume": () => Promise.resolve(plane.resumeApiserver()),
    };
    const action = req.method === "POST" ? actions[req.url ?? ""] : undefined;
    if (!action) {
      res.writeHead(404).end(`no such control action: ${req.method} ${req.url}\n`);
      return;
    }
    console.log(`e2e: ${req.url?.slice(1).replace("/", ": ")}`);
    action().then(
      () => res.writeHead(200).end(),
      (error: unknown) => res.writeHead(500).end(error instanceof Error ? error.message : String(error)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
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
  // The Pulumi engine (CLI, Kubernetes provider, YAML language host) only when a Pulumi test runs: cold, it takes
  // the longest.
  const engine = files.some((f) => PULUMI_TEST.test(f))
    ? { [ENGINE_ENV]: await built("build-pulumi.sh", "Pulumi engine", ["cli", "kubernetes", "yaml"]) }
    : {};
  const python = files.some((f) => PYTHON_TEST.test(f))
    ? { [PYTHON_ENV]: await built("build-python.sh", "Python environment") }
    : {};
  const plane = await ControlPlane.start({ binDir, log: (line) => console.log(`e2e: ${line}`) });
  const control = await serveControl(plane);
  const stop = async () => {
    control.server.close();
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
        env: {
          ...process.env,
          ...engine,
          ...python,
          [STATE_ENV]: join(plane.state.dir, "state.json"),
          [CONTROL_ENV]: control.url,
        },
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
