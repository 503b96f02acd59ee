/**
 * The recycler's figures: rotation time against the physical lower bound (in simulated time), API requests per
 * rotated pod, bundle size, and the bundle's cold start and peak memory as its own node process.
 * `npx tsx bench/recycler.ts`, or through `npm run bench`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { loadKubeconfigYaml } from "../recycler/index";
import { recyclerBundle } from "../recycler/bundle";
import { runRecycler } from "../recycler/run";
import { resolveSettings } from "../recycler/settings";
import { KubeSimulator, SystemSimClock, VirtualClock } from "../simulator";
import { runStandalone } from "./standalone";

/** The namespace of every bench object (`dryRunSimulator` seeds `web` there). */
export const NS = "bench";
const DAY = 86_400_000;
const START = Date.parse("2026-01-05T10:00:00Z");
const exec = promisify(execFile);

export function verdict(ok: boolean): string {
  return ok ? "target met" : "TARGET MISSED";
}

interface Rotation {
  readonly seconds: number;
  readonly lowerBound: number;
  readonly requests: number;
  readonly rotated: number;
}

/** Rotates `n` old pods one at a time on a virtual clock; pods take 10 s to start and 20 s more to be Ready. */
async function rotate(n: number, dir: string): Promise<Rotation> {
  const clock = new VirtualClock(START);
  const sim = await KubeSimulator.start({ clock, token: "bench" });
  try {
    sim.seedDeployment({
      namespace: NS,
      name: "web",
      replicas: n,
      podAgesMs: Array.from({ length: n }, (_, i) => 2 * DAY + i * 60_000),
      strategy: { maxSurge: 1, maxUnavailable: 0 },
      startupMs: 10_000,
      readyDelayMs: 20_000,
      terminationMs: 5_000,
    });
    sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 1 });
    sim.seedLease({ namespace: NS, name: "web-recycler" });
    const kubeconfig = sim.writeKubeconfig(join(dir, `kubeconfig-${n}.yaml`), { namespace: NS });
    const resolved = resolveSettings({
      namespace: NS,
      deployment: "web",
      maxAge: "1d",
      jitter: "0s",
      maxRotations: String(n),
    });
    if (!resolved.ok) throw new Error(resolved.problems.map((p) => p.message).join("; "));
    const connection = loadKubeconfigYaml({ kubeconfig, clock, env: {} });
    const [report] = await clock.runActors([
      () => runRecycler(resolved.settings, { connection, clock, identity: "bench" }),
    ]);
    if (!report || report.result !== "rotated" || report.rotated.length !== n) {
      throw new Error(`bench run did not rotate ${n} pods: ${report?.result} ${report?.reason ?? ""}`);
    }
    // The physical lower bound of one-at-a-time zero-downtime rotation: each replacement's start-up to Ready.
    let lowerBound = 0;
    for (const pod of sim.pods(NS)) {
      const created = Date.parse(pod.metadata.creationTimestamp ?? "");
      if (created < START) continue;
      const ready = (pod.status?.conditions ?? []).find((c) => c.type === "Ready" && c.status === "True");
      if (ready?.lastTransitionTime) lowerBound += Date.parse(ready.lastTransitionTime) - created;
    }
    if (sim.monitor.violations.length > 0)
      throw new Error(`availability violated: ${JSON.stringify(sim.monitor.violations)}`);
    return {
      seconds: report.durationMs / 1000,
      lowerBound: lowerBound / 1000,
      requests: report.requests,
      rotated: report.rotated.length,
    };
  } finally {
    await sim.close();
  }
}

/** Runs a script as its own node process `times` times; returns the median wall time and the highest maxRSS. */
export async function measureProcess(
  file: string,
  args: string[],
  dir: string,
  times: number,
): Promise<{ ms: number; rssMb: number; stdout: string }> {
  const probe = join(dir, "probe.js");
  writeFileSync(
    probe,
    'process.on("exit", () => require("fs").writeSync(2, `\\nROTOR_MAXRSS ${process.resourceUsage().maxRSS}\\n`));\n',
  );
  const walls: number[] = [];
  let rss = 0;
  let stdout = "";
  for (let i = 0; i < times; i++) {
    const started = process.hrtime.bigint();
    const child = await exec(process.execPath, ["--require", probe, file, ...args], {
      env: { PATH: process.env.PATH ?? "" },
    }).catch((error: { stdout?: string; stderr?: string }) => ({
      stdout: error.stdout ?? "",
      stderr: error.stderr ?? "",
    }));
    walls.push(Number(process.hrtime.bigint() - started) / 1e6);
    const kb = Number(/ROTOR_MAXRSS (\d+)/.exec(child.stderr)?.[1] ?? 0);
    rss = Math.max(rss, kb / 1024);
    stdout = child.stdout;
  }
  walls.sort((a, b) => a - b);
  return { ms: walls[Math.floor(walls.length / 2)] ?? 0, rssMb: rss, stdout };
}

/**
 * A real-time simulator holding what a dry run of `web` in namespace `bench` reads: three pods aged 3d, 2d and 12h,
 * a budget that allows one disruption, the recycler's Lease. The recycler bench and the start-up bench both use it.
 */
export async function dryRunSimulator(): Promise<KubeSimulator> {
  const sim = await KubeSimulator.start({ clock: new SystemSimClock(), token: "bench" });
  sim.seedDeployment({
    namespace: NS,
    name: "web",
    replicas: 3,
    podAgesMs: [3 * DAY, 2 * DAY, DAY / 2],
    strategy: { maxSurge: 1, maxUnavailable: 0 },
  });
  sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 1 });
  sim.seedLease({ namespace: NS, name: "web-recycler" });
  return sim;
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-recycler-"));
  try {
    log(
      "recycler: rotation time in simulated time against the physical lower bound (sum of replacement start-up to Ready)",
    );
    for (const n of [3, 10, 50]) {
      const r = await rotate(n, dir);
      const ratio = r.seconds / r.lowerBound;
      const perPod = r.requests / r.rotated;
      figures[`rotate${n}.seconds`] = r.seconds;
      figures[`rotate${n}.lowerBoundSeconds`] = r.lowerBound;
      figures[`rotate${n}.ratio`] = Number(ratio.toFixed(4));
      figures[`rotate${n}.requestsPerPod`] = Number(perPod.toFixed(2));
      log(
        `  ${n} pods: ${r.seconds.toFixed(1)} s vs lower bound ${r.lowerBound.toFixed(1)} s, ratio ${ratio.toFixed(3)} (target <= 1.10: ${verdict(ratio <= 1.1)}); ` +
          `${r.requests} API requests, ${perPod.toFixed(2)} per rotated pod (target <= 6: ${verdict(n !== 3 || perPod <= 6)})`,
      );
    }

    const bundle = recyclerBundle();
    figures.bundleBytes = bundle.bytes;
    log(
      `recycler bundle: ${bundle.bytes} bytes (${(bundle.bytes / 1024).toFixed(1)} KiB; target < 64 KiB: ${verdict(bundle.bytes < 64 * 1024)})`,
    );

    const file = join(dir, "recycler.js");
    writeFileSync(file, bundle.code);
    const help = await measureProcess(file, ["--help"], dir, 7);
    figures.coldStartHelpMs = Number(help.ms.toFixed(1));

    // A dry run against a real-time simulator: connect, list, plan, print.
    const sim = await dryRunSimulator();
    try {
      const jsonPath = sim.writeKubeconfig(join(dir, "kubeconfig.json"), { namespace: NS, format: "json" });
      const dry = await measureProcess(
        file,
        [
          "--kubeconfig",
          jsonPath,
          "--namespace",
          NS,
          "--deployment",
          "web",
          "--max-age",
          "1d",
          "--max-rotations",
          "3",
          "--dry-run",
        ],
        dir,
        7,
      );
      if (!dry.stdout.includes('"result":"dry-run"'))
        throw new Error(`the bundle's dry run failed: ${dry.stdout.slice(-500)}`);
      figures.coldStartDryRunMs = Number(dry.ms.toFixed(1));
      figures.peakRssMb = Number(Math.max(help.rssMb, dry.rssMb).toFixed(1));
      log(
        `recycler cold start as its own process: --help ${help.ms.toFixed(0)} ms, --dry-run against the simulator ${dry.ms.toFixed(0)} ms ` +
          `(target < 150 ms: ${verdict(dry.ms < 150)}); peak memory ${figures.peakRssMb} MB (target < 64 MB: ${verdict(figures.peakRssMb < 64)})`,
      );
    } finally {
      await sim.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (require.main === module) runStandalone(run);
