/**
 * `npm run bench:e2e`: the recycler against the real control plane (e2e/), for 3, 10 and 50 old pods with a set
 * start-to-Ready delay, beside `kubectl rollout restart` of the same Deployment in the same run.
 *
 * Per size: rotation wall time ÷ the physical lower bound (each replacement's start-to-Ready delay plus
 * minReadySeconds, one pod at a time), API requests per rotated pod, the fewest available pods seen (the
 * Deployment's own count, from an independent watch) and the time spent below replicas per rotation.
 * Targets (issue "Prove rotor against a real Kubernetes control plane"): ratio ≤ 1.10, requests per pod ≤ 6,
 * minimum available ≥ the budget's floor (replicas − 1), below replicas per rotation ≤ start-to-Ready +
 * minReadySeconds + 2 s. Real time: figures vary with the machine's load; the ratios are what to compare.
 */
import { join } from "node:path";
import { build } from "../e2e/harness/build";
import { ControlPlane } from "../e2e/harness/control-plane";
import { deploymentAvailable, kubectl, listPods, STATE_ENV } from "../e2e/harness/context";
import { AvailabilityObserver } from "../e2e/harness/observer";
import { runInCluster } from "../e2e/harness/recycler";
import { deployCatalog } from "../e2e/harness/rotor";

const READY_DELAY_MS = 1000;
const MIN_READY_SECONDS = 2;
const SIZES = [3, 10, 50];

function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}

async function main(): Promise<void> {
  const { dir: binDir } = await build("build.sh", "control plane binaries");
  const plane = await ControlPlane.start({ binDir, readyDelayMs: READY_DELAY_MS, deleteDelayMs: 500 });
  process.env[STATE_ENV] = join(plane.state.dir, "state.json");
  const rows: string[] = [];
  const perPodBound = READY_DELAY_MS + MIN_READY_SECONDS * 1000;
  try {
    console.log(
      `control plane healthy after ${fmt(plane.state.startupMs / 1000, 1)} s; start-to-Ready ${READY_DELAY_MS} ms, minReadySeconds ${MIN_READY_SECONDS}`,
    );
    for (const n of SIZES) {
      const ns = `bench-${n}`;
      const { objects } = await deployCatalog(
        ns,
        `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: ${ns}
apps:
  web:
    image: ghcr.io/acme/web:1.0.0
    replicas: ${n}
    minReadySeconds: ${MIN_READY_SECONDS}
    ports:
      - { name: http, containerPort: 8080, servicePort: 80 }
    rotation:
      maxAge: 2h
      jitter: 0s
      schedule: "*/5 * * * *"
      maxRotationsPerRun: ${Math.min(n, 100)}
      readyTimeout: 2m
`,
      );
      const selector = "app.kubernetes.io/name=web,app.kubernetes.io/instance=web";
      const observer = await AvailabilityObserver.start(ns, "web", selector);
      const started = Date.now();
      const run = await runInCluster({ objects, cronJob: "web-recycler", clockAheadMs: 3 * 3_600_000 });
      const wall = Date.now() - started;
      const seen = observer.stop();
      const rotated = run.report?.rotated.length ?? 0;
      if (run.report?.result !== "rotated" || rotated !== n) {
        throw new Error(`${n} pods: ${run.report?.result} (${run.report?.reason}); ${run.stderr}`);
      }
      const bound = n * perPodBound;
      const maxBelow = Math.max(...seen.belowReplicasMs);

      // The same Deployment, restarted the way most do-it-yourself CronJobs do it.
      await deploymentAvailable(ns, "web");
      const kObserver = await AvailabilityObserver.start(ns, "web", selector);
      const kStarted = Date.now();
      const res = await kubectl(["-n", ns, "rollout", "restart", "deployment/web"]);
      if (res.code !== 0) throw new Error(res.stderr);
      const status = await kubectl(["-n", ns, "rollout", "status", "deployment/web", "--timeout=10m"]);
      if (status.code !== 0) throw new Error(status.stderr);
      await deploymentAvailable(ns, "web");
      const kWall = Date.now() - kStarted;
      const kSeen = kObserver.stop();
      const restarted = (await listPods(ns, selector)).length;

      rows.push(
        [
          `${n}`.padStart(4),
          `${fmt(wall / 1000, 1)} s`.padStart(8),
          fmt(wall / bound).padStart(6),
          fmt((run.report?.requests ?? 0) / rotated).padStart(9),
          `${seen.minAvailable}/${n}`.padStart(8),
          `${fmt(maxBelow / 1000, 1)} s`.padStart(9),
          `${fmt(kWall / 1000, 1)} s`.padStart(9),
          `${kSeen.minAvailable}/${n}`.padStart(8),
          `${fmt(kSeen.belowReplicasMs.reduce((a, b) => a + b, 0) / 1000, 1)} s`.padStart(9),
          `${restarted}`.padStart(6),
        ].join("  "),
      );
      const ok =
        wall / bound <= 1.1 &&
        (run.report?.requests ?? 0) / rotated <= 6 &&
        seen.minAvailable >= n - 1 &&
        maxBelow <= perPodBound + 2000;
      console.log(
        `${n} pods: rotated in ${fmt(wall / 1000, 1)} s (bound ${fmt(bound / 1000, 1)} s); targets ${ok ? "met" : "MISSED"}`,
      );
    }
  } finally {
    await plane.stop();
  }
  console.log(
    "\nrotor recycler vs kubectl rollout restart, real control plane (kube-apiserver 1.35.4 + KWOK)",
  );
  console.log(
    [
      " old",
      "    time",
      " ratio",
      " req/pod",
      "min avail",
      "max below",
      " kubectl",
      "min avail",
      "   below",
      "pods",
    ].join("  "),
  );
  for (const r of rows) console.log(r);
  console.log(
    `targets: ratio ≤ 1.10, requests per pod ≤ 6, min available ≥ replicas − 1, below replicas per rotation ≤ ${fmt((perPodBound + 2000) / 1000, 1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
