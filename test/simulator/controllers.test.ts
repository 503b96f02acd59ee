import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment, Pod, ReplicaSet } from "../../simulator";
import { resolveFenceposts } from "../../simulator/deployment-controller";
import { T0, at, ready, withSim } from "./helpers";

const NS = "apps";
const DAY = 24 * 3_600_000;

function summary(pods: Pod[]): string[] {
  return pods.map(
    (p) =>
      `${p.metadata.name} ${p.status.phase}${ready(p) ? " Ready" : ""}${p.metadata.deletionTimestamp ? " Terminating" : ""}`,
  );
}

describe("ReplicaSet controller and pod lifecycle", () => {
  it("replaces an evicted pod at once and follows the configured delays", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({
        namespace: NS,
        name: "web",
        replicas: 3,
        podAgesMs: [3 * DAY, 2 * DAY, DAY],
        startupMs: 4000,
        readyDelayMs: 6000,
        terminationMs: 2000,
      });
      const [oldest] = sim
        .pods(NS)
        .sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!));
      assert.equal((await client.evict(NS, oldest.metadata.name!)).status, 201);
      await clock.advance(0);
      const replacement = sim.pods(NS).find((p) => p.metadata.creationTimestamp === "2026-01-05T10:00:00Z")!;
      assert.match(
        replacement.metadata.name!,
        /^web-[bcdfghjklmnpqrstvwxz2456789]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
      );
      assert.equal(replacement.spec.nodeName, "sim-node-a");
      assert.equal(replacement.status.phase, "Pending");
      const states: Array<[number, string[]]> = [];
      for (const t of [1999, 2000, 3999, 4000, 9999, 10_000]) {
        await clock.advanceTo(T0 + t);
        states.push([
          t,
          summary(
            sim
              .pods(NS)
              .filter(
                (p) =>
                  p.metadata.name === replacement.metadata.name || p.metadata.name === oldest.metadata.name,
              ),
          ),
        ]);
      }
      const r = replacement.metadata.name!;
      const o = oldest.metadata.name!;
      assert.deepEqual(states, [
        [1999, [`${o} Running Ready Terminating`, `${r} Pending`].sort()],
        [2000, [`${r} Pending`]],
        [3999, [`${r} Pending`]],
        [4000, [`${r} Running`]],
        [9999, [`${r} Running`]],
        [10_000, [`${r} Running Ready`]],
      ]);
      assert.deepEqual(sim.deployment(NS, "web")!.status, {
        observedGeneration: 1,
        replicas: 3,
        updatedReplicas: 3,
        readyReplicas: 3,
        availableReplicas: 3,
        terminatingReplicas: 0,
        conditions: sim.deployment(NS, "web")!.status.conditions,
      });
      const readyCondition = sim.pod(NS, r)!.status.conditions!.find((c) => c.type === "Ready")!;
      assert.equal(readyCondition.lastTransitionTime, "2026-01-05T10:00:10Z");
      assert.deepEqual(
        sim.events(NS).map((e) => `${e.reason} ${e.involvedObject.kind}`),
        ["SuccessfulCreate ReplicaSet"],
      );
    });
  });

  it("scales down the most recently ready pod first", async () => {
    await withSim({}, async ({ sim, clock }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 3, podAgesMs: [3 * DAY, 2 * DAY, DAY] });
      const youngest = sim.pods(NS).find((p) => p.metadata.creationTimestamp === "2026-01-04T10:00:00Z")!;
      sim.setReplicas(NS, "web", 2);
      await clock.advance(0);
      assert.deepEqual(
        sim
          .pods(NS)
          .filter((p) => p.metadata.deletionTimestamp)
          .map((p) => p.metadata.name),
        [youngest.metadata.name],
      );
      assert.deepEqual(
        sim.events(NS).map((e) => `${e.reason}: ${e.message}`),
        [
          `ScalingReplicaSet: Scaled down replica set ${sim.replicaSets(NS)[0].metadata.name} from 3 to 2`,
          `SuccessfulDelete: Deleted pod: ${youngest.metadata.name}`,
        ],
      );
    });
  });

  it("counts a pod available only minReadySeconds after it became Ready", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({
        namespace: NS,
        name: "web",
        replicas: 3,
        minReadySeconds: 10,
        readyDelayMs: 3000,
        startupMs: 2000,
      });
      const [first] = sim.pods(NS);
      await client.evict(NS, first.metadata.name!);
      await clock.advance(5000);
      assert.equal(sim.deployment(NS, "web")!.status.readyReplicas, 3);
      assert.equal(sim.deployment(NS, "web")!.status.availableReplicas, 2);
      await clock.advanceTo(T0 + 15_000);
      assert.equal(sim.deployment(NS, "web")!.status.availableReplicas, 2);
      await clock.advance(1);
      assert.equal(sim.deployment(NS, "web")!.status.availableReplicas, 3);
    });
  });
});

describe("availability monitor", () => {
  it("counts rotations that overlap: one actor rotates one at a time, two actors overlap", async () => {
    for (const actors of [1, 2]) {
      await withSim({}, async ({ sim, clock, client }) => {
        sim.seedDeployment({
          namespace: NS,
          name: "web",
          replicas: 4,
          podAgesMs: [4 * DAY, 3 * DAY, 2 * DAY, DAY],
        });
        sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 2 });
        const pods = sim
          .pods(NS)
          .sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!));
        const rotate = async (pod: Pod) => {
          await client.evict(NS, pod.metadata.name!);
          await clock.sleep(10_000);
        };
        await clock.runActors(
          actors === 1
            ? [
                async () => {
                  await rotate(pods[0]);
                  await rotate(pods[1]);
                },
              ]
            : [() => rotate(pods[0]), () => rotate(pods[1])],
        );
        assert.equal(sim.monitor.maxConcurrentRotations(NS, "web"), actors);
        assert.equal(sim.monitor.minReady(NS, "web"), 4 - actors);
        assert.deepEqual(sim.monitor.violations, []);
      });
    }
  });
});

describe("Deployment controller", () => {
  it("resolves maxSurge (rounded up) and maxUnavailable (rounded down) like upstream", () => {
    const d = (replicas: number, maxSurge: number | string, maxUnavailable: number | string) =>
      ({
        spec: { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable } } },
      }) as unknown as Deployment;
    const cases: Array<[number, number | string, number | string, [number, number]]> = [
      [10, "25%", "25%", [3, 2]],
      [1, "25%", "25%", [1, 0]],
      [3, 0, "0%", [0, 1]],
      [4, "50%", "50%", [2, 2]],
      [5, 1, 0, [1, 0]],
      [7, "10%", "10%", [1, 0]],
    ];
    for (const [replicas, surge, unavailable, want] of cases) {
      assert.deepEqual(
        resolveFenceposts(d(replicas, surge, unavailable)),
        want,
        `${replicas} ${surge} ${unavailable}`,
      );
    }
  });

  it("rolls out a restartedAt annotation with maxSurge 1, maxUnavailable 0 without ever dropping below replicas", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({
        namespace: NS,
        name: "web",
        replicas: 4,
        strategy: { maxSurge: 1, maxUnavailable: 0 },
      });
      sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 1 });
      const before = sim.replicaSets(NS)[0].metadata.name!;
      const patch = await client.patch<Deployment>(
        "/apis/apps/v1/namespaces/apps/deployments/web?fieldManager=rotor-recycler",
        {
          spec: {
            template: {
              metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "2026-01-05T10:00:00Z" } },
            },
          },
        },
        "application/strategic-merge-patch+json",
      );
      assert.equal(patch.status, 200);
      assert.equal(patch.json.metadata.generation, 2);
      await clock.advance(60_000);
      const [after] = sim.replicaSets(NS).filter((rs) => rs.metadata.name !== before);
      const rsByName = Object.fromEntries(
        sim.replicaSets(NS).map((rs: ReplicaSet) => [rs.metadata.name, rs]),
      );
      assert.equal(rsByName[before].spec.replicas, 0);
      assert.equal(rsByName[before].metadata.annotations!["deployment.kubernetes.io/revision"], "1");
      assert.equal(after.spec.replicas, 4);
      assert.equal(after.metadata.annotations!["deployment.kubernetes.io/revision"], "2");
      assert.equal(
        after.spec.template.metadata!.annotations!["kubectl.kubernetes.io/restartedAt"],
        "2026-01-05T10:00:00Z",
      );
      const scaling = sim
        .events(NS)
        .filter((e) => e.reason === "ScalingReplicaSet")
        .map(
          (e) =>
            `${(Date.parse(e.firstTimestamp!) - T0) / 1000}s ${e.message!.replace(before, "old").replace(after.metadata.name!, "new")}`,
        );
      assert.deepEqual(scaling, [
        "0s Scaled up replica set new from 0 to 1",
        "5s Scaled down replica set old from 4 to 3",
        "5s Scaled up replica set new from 1 to 2",
        "10s Scaled down replica set old from 3 to 2",
        "10s Scaled up replica set new from 2 to 3",
        "15s Scaled down replica set old from 2 to 1",
        "15s Scaled up replica set new from 3 to 4",
        "20s Scaled down replica set old from 1 to 0",
      ]);
      assert.equal(sim.monitor.minReady(NS, "web"), 4);
      assert.deepEqual(sim.monitor.violations, []);
      const d = sim.deployment(NS, "web")!;
      assert.equal(d.metadata.annotations!["deployment.kubernetes.io/revision"], "2");
      assert.deepEqual(
        {
          observedGeneration: d.status.observedGeneration,
          replicas: d.status.replicas,
          updatedReplicas: d.status.updatedReplicas,
          availableReplicas: d.status.availableReplicas,
        },
        { observedGeneration: 2, replicas: 4, updatedReplicas: 4, availableReplicas: 4 },
      );
      const progressing = d.status.conditions!.find((c) => c.type === "Progressing")!;
      assert.deepEqual(
        [progressing.status, progressing.reason, progressing.message],
        [
          "True",
          "NewReplicaSetAvailable",
          `ReplicaSet "${after.metadata.name}" has successfully progressed.`,
        ],
      );
      assert.equal(sim.log.requests[0].query.fieldManager, "rotor-recycler");
    });
  });

  it("reports ProgressDeadlineExceeded when new pods never become Ready", async () => {
    await withSim(
      { faults: { pods: [{ namespace: NS, deployment: "web", kind: "never-ready" }] } },
      async ({ sim, clock }) => {
        sim.seedDeployment({
          namespace: NS,
          name: "web",
          replicas: 2,
          progressDeadlineSeconds: 60,
          strategy: { maxSurge: 1, maxUnavailable: 0 },
        });
        const d = sim.deployment(NS, "web")!;
        const next = structuredClone(d);
        next.spec.template.metadata!.annotations = { "kubectl.kubernetes.io/restartedAt": "now" };
        next.metadata.generation = 2;
        sim.cluster.store.update("apps/deployments", next);
        await clock.advance(60_000);
        assert.equal(
          sim.deployment(NS, "web")!.status.conditions!.find((c) => c.type === "Progressing")!.reason,
          "ReplicaSetUpdated",
        );
        await clock.advance(2_000);
        const progressing = sim
          .deployment(NS, "web")!
          .status.conditions!.find((c) => c.type === "Progressing")!;
        assert.equal(progressing.status, "False");
        assert.equal(progressing.reason, "ProgressDeadlineExceeded");
        assert.match(progressing.message!, /^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/);
        assert.equal(progressing.lastUpdateTime, "2026-01-05T10:01:01Z");
        assert.equal(sim.log.faults[0].kind, "never-ready");
      },
    );
  });

  it("applies an HPA-like replica change at the scheduled time", async () => {
    await withSim(
      { faults: { scale: [{ atMs: 60_000, namespace: NS, deployment: "web", replicas: 5 }] } },
      async ({ sim, clock }) => {
        sim.seedDeployment({ namespace: NS, name: "web", replicas: 3 });
        await clock.advance(59_999);
        assert.equal(sim.deployment(NS, "web")!.spec.replicas, 3);
        await clock.advance(1);
        assert.equal(sim.deployment(NS, "web")!.spec.replicas, 5);
        assert.equal(sim.deployment(NS, "web")!.metadata.generation, 2);
        await clock.advance(5000);
        assert.equal(sim.pods(NS).filter(ready).length, 5);
        assert.equal(sim.deployment(NS, "web")!.status.readyReplicas, 5);
        assert.equal(at(clock), 65);
      },
    );
  });

  it("does not roll out a paused Deployment until it is resumed", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 2, paused: true });
      await client.patch("/apis/apps/v1/namespaces/apps/deployments/web", {
        spec: { template: { metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": "x" } } } },
      });
      await clock.advance(30_000);
      assert.equal(sim.replicaSets(NS).length, 1);
      const paused = sim.deployment(NS, "web")!.status.conditions!.find((c) => c.type === "Progressing")!;
      assert.deepEqual(
        [paused.status, paused.reason, paused.message],
        ["Unknown", "DeploymentPaused", "Deployment is paused"],
      );
      await client.patch("/apis/apps/v1/namespaces/apps/deployments/web", { spec: { paused: null } });
      await clock.advance(30_000);
      assert.equal(sim.replicaSets(NS).length, 2);
      assert.equal(sim.deployment(NS, "web")!.status.updatedReplicas, 2);
    });
  });
});
