// The recycler run exactly as its CronJob runs it (the rendered script and arguments, the in-cluster
// environment, its own ServiceAccount's token) against pods that are old enough: one pod at a time, oldest
// deadline first, each replacement available before the next eviction, and an independent watch that
// asserts the app never had fewer available pods than its budget allows.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { e2e, listPods } from "../harness/context";
import { AvailabilityObserver } from "../harness/observer";
import { runInCluster } from "../harness/recycler";
import { deployCatalog } from "../harness/rotor";

const HOUR = 3_600_000;
const NS = "e2e-rotate";

const catalog = `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: ${NS}
apps:
  web:
    image: ghcr.io/acme/web:1.0.0
    replicas: 3
    minReadySeconds: 5
    ports:
      - { name: http, containerPort: 8080, servicePort: 80 }
    rotation:
      maxAge: 30m
      schedule: "*/5 * * * *"
      maxRotationsPerRun: 3
`;

describe("the recycler in the cluster's shoes", () => {
  it("rotates every old pod one at a time, oldest deadline first, never below replicas − 1 available", async () => {
    const { admin } = e2e();
    const { objects } = await deployCatalog("rotate", catalog);
    const selector = "app.kubernetes.io/name=web,app.kubernetes.io/instance=web";
    const before = await listPods(NS, selector);
    assert.equal(before.length, 3);

    // The dry run prints the plan; the real run must then follow it.
    const dry = await runInCluster({
      objects,
      cronJob: "web-recycler",
      args: ["--dry-run"],
      clockAheadMs: HOUR,
    });
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.equal(dry.report?.result, "dry-run");
    assert.equal(dry.report?.wouldBe, "rotated");
    const plan = (dry.report?.plan ?? []).map((p) => p.pod);
    assert.deepEqual([...plan].sort(), before.map((p) => p.metadata.name).sort());

    const observer = await AvailabilityObserver.start(NS, "web", selector);
    const real = await runInCluster({ objects, cronJob: "web-recycler", clockAheadMs: HOUR });
    const seen = observer.stop();
    assert.equal(real.code, 0, real.stdout + real.stderr);
    assert.equal(real.report?.result, "rotated", real.report?.reason);
    assert.deepEqual(real.report?.rotated, plan);
    assert.equal(real.report?.reason, `rotated 3 pod(s): ${plan.join(", ")}`);

    // Zero downtime, as the Deployment counts it: never below the budget's floor, one pod disrupted at a time.
    assert.equal(seen.minAvailable, 2, JSON.stringify(seen));
    assert.equal(seen.maxTerminating, 1, JSON.stringify(seen));
    assert.equal(seen.belowReplicasMs.length, 3, JSON.stringify(seen));
    console.log(
      `rotated ${plan.length} pods in ${((real.report?.durationMs ?? 0) / 1000).toFixed(1)} s; below replicas per rotation: ${seen.belowReplicasMs.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")}; ${real.report?.requests} API requests`,
    );

    const after = await listPods(NS, selector);
    assert.equal(after.filter((p) => plan.includes(p.metadata.name)).length, 0);
    assert.equal(after.length, 3);

    // What it leaves behind: one PodRotated Event per pod, its run report, and its Lease released.
    const events = await admin.get<{
      items: {
        reason: string;
        source?: { component?: string };
        message: string;
        involvedObject: { kind: string; name: string };
      }[];
    }>(
      `/api/v1/namespaces/${NS}/events?fieldSelector=involvedObject.kind=Deployment,involvedObject.name=web`,
    );
    const rotated = events.items.filter((e) => e.reason === "PodRotated");
    assert.equal(rotated.length, 3);
    assert.ok(rotated.every((e) => e.source?.component === "rotor-recycler"));
    assert.deepEqual(
      rotated.map((e) => /^Evicted pod (\S+) /.exec(e.message)?.[1]),
      plan,
    );
    const lease = await admin.get<{
      metadata: { annotations?: Record<string, string> };
      spec: { holderIdentity?: string; leaseTransitions?: number };
    }>(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/web-recycler`);
    assert.equal(lease.spec.holderIdentity, undefined);
    const report = JSON.parse(lease.metadata.annotations?.["rotor.dev/last-run"] ?? "{}") as {
      result?: string;
      rotated?: string[];
    };
    assert.equal(report.result, "rotated");
    assert.deepEqual(report.rotated, plan);
    // The run never wrote the Deployment it guards: its generation is where the apply left it.
    const d = await admin.get<{ metadata: { generation: number; annotations?: Record<string, string> } }>(
      `/apis/apps/v1/namespaces/${NS}/deployments/web`,
    );
    assert.equal(d.metadata.generation, 1);
    assert.equal(d.metadata.annotations?.["rotor.dev/last-run"], undefined);
  });
});
