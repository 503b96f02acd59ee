/**
 * Start-up of the `rotor` command as a user runs it (`node bin/rotor.js`, the compiled CLI in dist/), against
 * the targets of single-binary checkers like kube-linter and kube-score: `rotor --help`, `rotor check` of one
 * small file, and `rotor recycle --dry-run` against a real-time simulator. Each is the median of several runs,
 * printed beside `node -e 0` measured the same way, so a busy machine shows as a high baseline rather than as
 * a slow rotor. `npx tsx bench/startup.ts`, or through `npm run bench`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { dryRunSimulator, measureProcess, NS, verdict } from "./recycler";
import { runStandalone } from "./standalone";

const root = join(__dirname, "..");
const bin = join(root, "bin", "rotor.js");
const exec = promisify(execFile);
const RUNS = 9;

/** Targets on an idle machine, in ms: kube-linter answers --help in well under 100 ms and checks 10 objects in 80. */
export const TARGETS = { help: 150, check: 200, recycleDryRun: 250 } as const;

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-startup-"));
  try {
    // The figures are for the source as it is now, so compile it first (what `npm ci` does through `prepare`).
    await exec(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
      cwd: root,
    });
    const empty = join(dir, "empty.js");
    writeFileSync(empty, "");
    const node = await measureProcess(empty, [], dir, RUNS);
    figures.nodeBaselineMs = Number(node.ms.toFixed(1));
    log(
      `start-up, median of ${RUNS} runs of node bin/rotor.js; node itself (an empty script): ${node.ms.toFixed(0)} ms`,
    );

    const report = (key: string, label: string, ms: number, target: number) => {
      figures[`${key}Ms`] = Number(ms.toFixed(1));
      figures[`${key}OverNode`] = Number((ms / node.ms).toFixed(2));
      log(
        `  ${label}: ${ms.toFixed(0)} ms, ${(ms / node.ms).toFixed(1)}x node's own start-up (target < ${target} ms on an idle machine: ${verdict(ms < target)})`,
      );
    };

    const help = await measureProcess(bin, ["--help"], dir, RUNS);
    if (!help.stdout.includes("Usage: rotor")) throw new Error(`rotor --help failed: ${help.stdout}`);
    report("help", "rotor --help", help.ms, TARGETS.help);

    const small = join(root, "test", "fixtures", "policies", "reference.yaml");
    const check = await measureProcess(bin, ["check", small], dir, RUNS);
    if (!check.stdout.includes("8 objects in 1 file: no findings."))
      throw new Error(`rotor check failed: ${check.stdout}`);
    report("check", "rotor check <8 objects>", check.ms, TARGETS.check);

    const sim = await dryRunSimulator();
    try {
      const kubeconfig = sim.writeKubeconfig(join(dir, "kubeconfig.yaml"), { namespace: NS });
      const args = [
        "recycle",
        "--kubeconfig",
        kubeconfig,
        "--deployment",
        "web",
        "--max-age",
        "1d",
        "--dry-run",
      ];
      const dry = await measureProcess(bin, args, dir, RUNS);
      if (!dry.stdout.includes(`${NS}/web: dry-run`)) throw new Error(`rotor recycle failed: ${dry.stdout}`);
      report("recycleDryRun", "rotor recycle --dry-run (simulator)", dry.ms, TARGETS.recycleDryRun);
      figures.peakRssMb = Number(Math.max(help.rssMb, check.rssMb, dry.rssMb).toFixed(1));
    } finally {
      await sim.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (require.main === module) runStandalone(run);
