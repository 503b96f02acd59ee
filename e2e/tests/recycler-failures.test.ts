// The failure modes of rotation, each on the real API with the recycler run as its CronJob runs it: the exact
// result, reason and exit code, and what the API server itself answered.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deploymentAvailable, e2e, kubectl, listPods, type PodLite } from "../harness/context";
import { eventually } from "../harness/kube";
import { AvailabilityObserver } from "../harness/observer";
import { runInCluster, type RecyclerRun } from "../harness/recycler";
import { deployCatalog, type KubeObject } from "../harness/rotor";

const HOUR = 3_600_000;
const SELECTOR = (app: string) => `app.kubernetes.io/name=${app},app.kubernetes.io/instance=${app}`;

interface App {
  ns: string;
  name: string;
  objects: KubeObject[];
  pods: PodLite[];
}

/** One app in its own namespace, rendered by rotor and applied, all pods Available. */
async function app(ns: string, extra = "", replicas = 3): Promise<App> {
  const name = "web";
  const { objects } = await deployCatalog(
    ns,
    `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: ${ns}
apps:
  ${name}:
    image: ghcr.io/acme/web:1.0.0
    replicas: ${replicas}
    minReadySeconds: 2
    ports:
      - { name: http, containerPort: 8080, servicePort: 80 }
    rotation:
      maxAge: 30m
      schedule: "*/5 * * * *"
      maxRotationsPerRun: 3
      readyTimeout: 30s
${extra}`,
  );
  return { ns, name, objects, pods: await listPods(ns, SELECTOR(name)) };
}

function recycle(a: App, args: string[] = [], podName?: string): Promise<RecyclerRun> {
  return runInCluster({
    objects: a.objects,
    cronJob: `${a.name}-recycler`,
    args,
    clockAheadMs: HOUR,
    ...(podName ? { podName } : {}),
  });
}

function expectRun(run: RecyclerRun, result: string, reason: string | RegExp, exitCode: number): void {
  assert.ok(run.report, `no report; output:\n${run.stdout}${run.stderr}`);
  assert.equal(run.report.result, result, run.report.reason);
  if (typeof reason === "string") assert.equal(run.report.reason, reason);
  else assert.match(run.report.reason ?? "", reason);
  assert.equal(run.code, exitCode);
  assert.equal(run.report.exitCode, exitCode);
}

async function events(ns: string): Promise<{ reason: string; message: string }[]> {
  const list = await e2e().admin.get<{
    items: { reason: string; message: string; source?: { component?: string } }[];
  }>(`/api/v1/namespaces/${ns}/events`);
  return list.items.filter((e) => e.source?.component === "rotor-recycler");
}

describe("recycler failure modes on the real API", () => {
  it("a budget that allows nothing: blocked, and the Eviction API's own 429 says why", async () => {
    const a = await app("e2e-fail-pdb");
    const { admin } = e2e();
    await admin.mergePatch(`/apis/policy/v1/namespaces/${a.ns}/poddisruptionbudgets/${a.name}`, {
      spec: { maxUnavailable: null, minAvailable: 3 },
    });
    await eventually("PDB allows 0", async () => {
      const p = await admin.get<{
        metadata: { generation: number };
        status?: { observedGeneration?: number; disruptionsAllowed?: number };
      }>(`/apis/policy/v1/namespaces/${a.ns}/poddisruptionbudgets/${a.name}`);
      return p.status?.observedGeneration === p.metadata.generation && p.status.disruptionsAllowed === 0
        ? true
        : undefined;
    });
    // The real refusal, as the recycler would get it if it sent the eviction.
    const pod = a.pods[0].metadata.name;
    const refused = await admin.send<{
      reason: string;
      code: number;
      details: { causes: { reason: string; message: string }[] };
    }>("POST", `/api/v1/namespaces/${a.ns}/pods/${pod}/eviction`, {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: pod, namespace: a.ns },
    });
    assert.equal(refused.status, 429);
    assert.equal(refused.body.reason, "TooManyRequests");
    assert.deepEqual(refused.body.details.causes, [
      {
        reason: "DisruptionBudget",
        message: "The disruption budget web needs 3 healthy pods and has 3 currently",
      },
    ]);
    const run = await recycle(a);
    expectRun(run, "blocked", "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)", 0);
    assert.deepEqual(
      (await events(a.ns)).map((e) => [e.reason, e.message]),
      [["RotationBlocked", "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)"]],
    );
  });

  it("a paused Deployment: skipped, nothing evicted", async () => {
    const a = await app("e2e-fail-paused");
    await e2e().admin.mergePatch(`/apis/apps/v1/namespaces/${a.ns}/deployments/${a.name}`, {
      spec: { paused: true },
    });
    await eventually("paused observed", async () => {
      const d = await e2e().admin.get<{
        metadata: { generation: number };
        status?: { observedGeneration?: number };
      }>(`/apis/apps/v1/namespaces/${a.ns}/deployments/${a.name}`);
      return d.status?.observedGeneration === d.metadata.generation ? true : undefined;
    });
    const run = await recycle(a);
    expectRun(run, "skipped", "Deployment web is paused (spec.paused)", 0);
    assert.deepEqual(
      (await listPods(a.ns, SELECTOR(a.name))).map((p) => p.metadata.uid).sort(),
      a.pods.map((p) => p.metadata.uid).sort(),
    );
  });

  it("a rollout started mid-run: the run stops after the rotation it was in, and says it rotated", async () => {
    const a = await app("e2e-fail-rollout");
    const { admin } = e2e();
    const running = recycle(a);
    // As soon as the first pod is being evicted, someone rolls the Deployment out.
    const first = await eventually(
      "a pod evicted",
      async () => {
        const pods = await listPods(a.ns, SELECTOR(a.name));
        return pods.find((p) => p.metadata.deletionTimestamp)?.metadata.name;
      },
      60_000,
      100,
    );
    await admin.mergePatch(`/apis/apps/v1/namespaces/${a.ns}/deployments/${a.name}`, {
      spec: { template: { metadata: { annotations: { "e2e.rotor.dev/rollout": "1" } } } },
    });
    const run = await running;
    expectRun(
      run,
      "rotated",
      `rotated ${first}; then stopped: a rollout of Deployment web started during the run; stopping`,
      0,
    );
    assert.deepEqual(run.report?.rotated, [first]);
  });

  it("a replacement that never becomes Ready: failed after --ready-timeout, exit 1", async () => {
    const a = await app("e2e-fail-notready");
    const { admin, state } = e2e();
    // No node takes new pods: the replacement stays Pending.
    for (const n of state.nodes)
      await admin.mergePatch(`/api/v1/nodes/${n.name}`, { spec: { unschedulable: true } });
    let run: RecyclerRun;
    try {
      run = await recycle(a, ["--max-rotations", "1"]);
    } finally {
      for (const n of state.nodes)
        await admin.mergePatch(`/api/v1/nodes/${n.name}`, { spec: { unschedulable: false } });
    }
    const evicted = run.report?.rotated[0] ?? "";
    const pending = (await listPods(a.ns, SELECTOR(a.name))).find(
      (p) => !a.pods.some((o) => o.metadata.uid === p.metadata.uid),
    );
    expectRun(
      run,
      "failed",
      `evicted ${evicted} but its replacement did not become available within 30s: replacement ${pending?.metadata.name} is not Ready`,
      1,
    );
    await deploymentAvailable(a.ns, a.name);
  });

  it("a pod stuck terminating: skipped before any eviction", async () => {
    const a = await app("e2e-fail-stuck");
    const { admin } = e2e();
    const stuck = a.pods[0].metadata.name;
    await admin.mergePatch(`/api/v1/namespaces/${a.ns}/pods/${stuck}`, {
      metadata: { finalizers: ["e2e.rotor.dev/hold"] },
    });
    await kubectl(["-n", a.ns, "delete", "pod", stuck, "--wait=false"]);
    // Its replacement up and available (Ready for minReadySeconds), so only the terminating pod stands out.
    const replacement = await eventually("the stuck pod's replacement Ready", async () => {
      const pods = await listPods(a.ns, SELECTOR(a.name));
      const fresh = pods.find((p) => !a.pods.some((o) => o.metadata.uid === p.metadata.uid));
      const ready = fresh?.status?.conditions?.find((c) => c.type === "Ready" && c.status === "True");
      return ready?.lastTransitionTime;
    });
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(replacement) + 3000 - Date.now())));
    await deploymentAvailable(a.ns, a.name);
    try {
      const run = await recycle(a);
      expectRun(run, "skipped", `pod ${stuck} of Deployment web is terminating`, 0);
      assert.deepEqual(run.report?.rotated, []);
    } finally {
      await admin.mergePatch(`/api/v1/namespaces/${a.ns}/pods/${stuck}`, { metadata: { finalizers: null } });
    }
  });

  it("a single-replica app: restarted with a surge, never below one available pod", async () => {
    const a = await app("e2e-fail-single", "      strategy: restart\n", 1);
    const observer = await AvailabilityObserver.start(a.ns, a.name, SELECTOR(a.name));
    const run = await recycle(a);
    const seen = observer.stop();
    const old = a.pods[0].metadata.name;
    expectRun(run, "rotated", `restarted Deployment web: replaced ${old}`, 0);
    assert.equal(seen.minAvailable, 1, JSON.stringify(seen));
    assert.deepEqual(seen.belowReplicasMs, []);
    const now = await listPods(a.ns, SELECTOR(a.name));
    assert.equal(now.filter((p) => !p.metadata.deletionTimestamp).length, 1);
    assert.notEqual(now.find((p) => !p.metadata.deletionTimestamp)?.metadata.name, old);
  });

  it("two runs at once: the second finds the Lease held and leaves nothing behind", async () => {
    const a = await app("e2e-fail-lease");
    const { admin } = e2e();
    const first = recycle(a, [], "web-recycler-first");
    const holder = await eventually(
      "the first run holds the Lease",
      async () => {
        const l = await admin.get<{ spec: { holderIdentity?: string } }>(
          `/apis/coordination.k8s.io/v1/namespaces/${a.ns}/leases/web-recycler`,
        );
        return l.spec.holderIdentity;
      },
      60_000,
      50,
    );
    assert.match(holder, /^web-recycler-first-[0-9a-f]{8}$/);
    const second = await recycle(a, [], "web-recycler-second");
    expectRun(
      second,
      "skipped",
      new RegExp(`^Lease web-recycler is held by ${holder} until \\S+: another run is in progress$`),
      0,
    );
    const done = await first;
    expectRun(done, "rotated", /^rotated 3 pod\(s\): /, 0);
    // Only the first run wrote anything: its three PodRotated Events and its report.
    assert.deepEqual(
      (await events(a.ns)).map((e) => e.reason),
      ["PodRotated", "PodRotated", "PodRotated"],
    );
    const lease = await admin.get<{ metadata: { annotations?: Record<string, string> } }>(
      `/apis/coordination.k8s.io/v1/namespaces/${a.ns}/leases/web-recycler`,
    );
    assert.equal(
      (JSON.parse(lease.metadata.annotations?.["rotor.dev/last-run"] ?? "{}") as { result?: string }).result,
      "rotated",
    );
  });

  it("replicas changed mid-run (as an HPA would): the run keeps the new count's capacity", async () => {
    const a = await app("e2e-fail-scale");
    const observer = await AvailabilityObserver.start(a.ns, a.name, SELECTOR(a.name));
    const running = recycle(a);
    await eventually(
      "a pod evicted",
      async () => {
        const pods = await listPods(a.ns, SELECTOR(a.name));
        return pods.some((p) => p.metadata.deletionTimestamp) ? true : undefined;
      },
      60_000,
      100,
    );
    const scaled = await kubectl(["-n", a.ns, "scale", "deployment", a.name, "--replicas=4"]);
    assert.equal(scaled.code, 0, scaled.stderr);
    const run = await running;
    const seen = observer.stop();
    expectRun(run, "rotated", /^rotated 3 pod\(s\): /, 0);
    assert.deepEqual([...(run.report?.rotated ?? [])].sort(), a.pods.map((p) => p.metadata.name).sort());
    assert.equal(seen.maxTerminating, 1);
    assert.ok(seen.minAvailable >= 2, JSON.stringify(seen));
    await deploymentAvailable(a.ns, a.name);
  });
});
