/**
 * The build scripts in e2e/ as `npm run test:e2e` and the benches run them: e2e/build.sh (the control plane's
 * binaries), e2e/build-pulumi.sh (the Pulumi engine) and e2e/build-python.sh (the Python environment). Each builds what its cache lacks and prints the cache
 * directory on its last line; its progress goes to stderr, passed through here.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";

export type BuildScript = "build.sh" | "build-pulumi.sh" | "build-python.sh";

/** The line a build script prints, before it builds anything, when its cache does not hold the build. */
const CACHE_MISS = /: cache miss \(/;

/** What {@link build} and {@link cached} run: one build script, its stderr passed through, its last line kept. */
function runScript(
  script: BuildScript,
  what: string,
  args: readonly string[],
  stopOnMiss: boolean,
): Promise<{ dir: string; seconds: number; missed: boolean }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so that a build stopped on a cache miss takes its compilers with it.
    const child = spawn("bash", [join(__dirname, "..", script), ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let out = "";
    let missed = false;
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      process.stderr.write(d);
      if (stopOnMiss && !missed && CACHE_MISS.test(d.toString())) {
        missed = true;
        // An interrupted build leaves nothing that looks finished (the scripts build into a staging directory).
        if (child.pid !== undefined) process.kill(-child.pid, "SIGTERM");
      }
    });
    child.on("error", (error) => reject(new Error(`the ${what} build could not start: ${error.message}`)));
    child.on("close", (code, signal) => {
      if (missed) return resolve({ dir: "", seconds: (Date.now() - started) / 1000, missed });
      if (code !== 0) {
        return reject(
          new Error(`the ${what} build failed (exit code ${code ?? signal ?? "?"}); its output is above`),
        );
      }
      resolve({ dir: out.trim().split("\n").pop() ?? "", seconds: (Date.now() - started) / 1000, missed });
    });
  });
}

/** Builds what the cache lacks (a cold engine build takes the better part of an hour) and returns the directory. */
export async function build(
  script: BuildScript,
  what: string,
  args: readonly string[] = [],
): Promise<{ dir: string; seconds: number }> {
  const { dir, seconds } = await runScript(script, what, args, false);
  return { dir, seconds };
}

/**
 * The directory if the cache already holds the build; `undefined`, having built nothing, if it does not (the
 * script is stopped as soon as it says so). For benches, which must not start an hour-long build unasked.
 */
export async function cached(
  script: BuildScript,
  what: string,
  args: readonly string[] = [],
): Promise<string | undefined> {
  const { dir, missed } = await runScript(script, what, args, true);
  return missed ? undefined : dir;
}
