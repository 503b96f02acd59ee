import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { IntOrString } from "../../simulator";
import { T0, withSim } from "./helpers";

const NS = "apps";

describe("disruption controller", () => {
  const cases: Array<{
    budget: { minAvailable?: IntOrString; maxUnavailable?: IntOrString };
    notReady: number[];
    want: [number, number, number, number];
  }> = [
    // [expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed] for 5 replicas
    { budget: { maxUnavailable: 1 }, notReady: [], want: [5, 5, 4, 1] },
    { budget: { maxUnavailable: 2 }, notReady: [0], want: [5, 4, 3, 1] },
    { budget: { maxUnavailable: "30%" }, notReady: [], want: [5, 5, 3, 2] },
    { budget: { maxUnavailable: "10%" }, notReady: [], want: [5, 5, 4, 1] },
    { budget: { maxUnavailable: "100%" }, notReady: [], want: [5, 5, 0, 5] },
    { budget: { minAvailable: 3 }, notReady: [], want: [5, 5, 3, 2] },
    { budget: { minAvailable: 5 }, notReady: [], want: [5, 5, 5, 0] },
    { budget: { minAvailable: "50%" }, notReady: [], want: [5, 5, 3, 2] },
    { budget: { minAvailable: "50%" }, notReady: [1, 2, 3], want: [5, 2, 3, 0] },
    { budget: { minAvailable: "100%" }, notReady: [], want: [5, 5, 5, 0] },
    { budget: { minAvailable: 0 }, notReady: [], want: [5, 5, 0, 5] },
  ];
  for (const c of cases) {
    it(`${JSON.stringify(c.budget)} with ${c.notReady.length} unready of 5 → ${c.want.join("/")}`, async () => {
      await withSim({}, ({ sim }) => {
        sim.seedDeployment({ namespace: NS, name: "web", replicas: 5, notReady: c.notReady });
        const pdb = sim.seedPodDisruptionBudget({ namespace: NS, name: "web", ...c.budget });
        const s = pdb.status!;
        assert.deepEqual([s.expectedPods, s.currentHealthy, s.desiredHealthy, s.disruptionsAllowed], c.want);
        assert.equal(s.observedGeneration, 1);
        assert.deepEqual(s.conditions, [
          {
            type: "DisruptionAllowed",
            status: c.want[3] > 0 ? "True" : "False",
            observedGeneration: 1,
            lastTransitionTime: "2026-01-05T10:00:00Z",
            reason: c.want[3] > 0 ? "SufficientPods" : "InsufficientPods",
            message: "",
          },
        ]);
        return Promise.resolve();
      });
    });
  }

  it("expects the number of matching pods for an integer minAvailable, the controller's scale otherwise", async () => {
    await withSim({}, async ({ sim, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 3 });
      // A pod without a controller: counted for integer minAvailable, ignored for percentages.
      await client.post("/api/v1/namespaces/apps/pods", {
        metadata: {
          name: "stray",
          labels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" },
        },
        spec: { containers: [{ name: "app", image: "x:1" }] },
      });
      const byInt = sim.seedPodDisruptionBudget({
        namespace: NS,
        name: "int",
        minAvailable: 2,
        selector: { "app.kubernetes.io/name": "web" },
      });
      const byPercent = sim.seedPodDisruptionBudget({
        namespace: NS,
        name: "pct",
        minAvailable: "100%",
        selector: { "app.kubernetes.io/name": "web" },
      });
      assert.equal(byInt.status!.expectedPods, 4);
      assert.equal(byPercent.status!.expectedPods, 3);
    });
  });

  it("lags the configured sync delay behind an eviction, then forgets the evicted pod", async () => {
    await withSim({ pdbSyncDelayMs: 250 }, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 3, terminationMs: 60_000 });
      sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 1 });
      const [victim] = sim.pods(NS);
      await client.evict(NS, victim.metadata.name!);
      const status = () => {
        const s = sim.podDisruptionBudget(NS, "web")!.status!;
        return [
          s.currentHealthy,
          s.desiredHealthy,
          s.disruptionsAllowed,
          Object.keys(s.disruptedPods ?? {}).length,
        ];
      };
      assert.deepEqual(status(), [3, 2, 0, 1]);
      await clock.advanceTo(T0 + 249);
      assert.deepEqual(status(), [3, 2, 0, 1]);
      await clock.advanceTo(T0 + 250);
      // The evicted pod is terminating: not healthy, and no longer in disruptedPods.
      assert.deepEqual(status(), [2, 2, 0, 0]);
      await clock.advanceTo(T0 + 5250);
      assert.deepEqual(status(), [3, 2, 1, 0]);
    });
  });

  it("drops a disruptedPods entry whose pod was not deleted within two minutes", async () => {
    await withSim({}, async ({ sim, clock }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 3 });
      sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 1 });
      const [pod] = sim.pods(NS);
      const pdb = sim.podDisruptionBudget(NS, "web")!;
      pdb.status!.disruptedPods = { [pod.metadata.name!]: "2026-01-05T10:00:00Z" };
      sim.cluster.store.update("policy/poddisruptionbudgets", pdb);
      await clock.advance(100);
      assert.equal(sim.podDisruptionBudget(NS, "web")!.status!.currentHealthy, 2);
      await clock.advanceTo(T0 + 119_999);
      assert.equal(sim.podDisruptionBudget(NS, "web")!.status!.currentHealthy, 2);
      // At the deadline itself the pod counts as healthy again but stays listed; a millisecond later it goes.
      await clock.advanceTo(T0 + 120_000);
      assert.equal(sim.podDisruptionBudget(NS, "web")!.status!.currentHealthy, 3);
      assert.equal(Object.keys(sim.podDisruptionBudget(NS, "web")!.status!.disruptedPods!).length, 1);
      await clock.advanceTo(T0 + 120_001);
      assert.equal(sim.podDisruptionBudget(NS, "web")!.status!.currentHealthy, 3);
      assert.equal(sim.podDisruptionBudget(NS, "web")!.status!.disruptedPods, undefined);
      assert.deepEqual(
        sim.events(NS).map((e) => `${e.type} ${e.reason}: ${e.message}`),
        ["Warning NotDeleted: Pod was expected by PDB apps/web to be deleted but it wasn't"],
      );
    });
  });

  it("recomputes after a PDB lag fault with the fault's delay", async () => {
    await withSim(
      { faults: { pdbLag: [{ delayMs: 30_000, fromMs: 0, untilMs: 10_000 }] } },
      async ({ sim, clock, client }) => {
        sim.seedDeployment({ namespace: NS, name: "web", replicas: 3 });
        sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 1 });
        const [victim] = sim.pods(NS);
        await client.evict(NS, victim.metadata.name!);
        await clock.advanceTo(T0 + 29_999);
        assert.equal(sim.podDisruptionBudget(NS, "web")!.status!.disruptionsAllowed, 0);
        assert.equal(Object.keys(sim.podDisruptionBudget(NS, "web")!.status!.disruptedPods ?? {}).length, 1);
        await clock.advanceTo(T0 + 30_000);
        assert.equal(sim.podDisruptionBudget(NS, "web")!.status!.disruptionsAllowed, 1);
      },
    );
  });
});
