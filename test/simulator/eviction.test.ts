import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Pod, PodDisruptionBudget } from "../../simulator";
import { T0, withSim, type Harness } from "./helpers";

const NS = "apps";
const DAY = 24 * 3_600_000;

/** Three pods of `web` aged 3, 2 and 1 days, sorted oldest first. */
function seed(h: Harness, pdb?: Partial<PodDisruptionBudget["spec"]>, terminationMs?: number): Pod[] {
  h.sim.seedDeployment({
    namespace: NS,
    name: "web",
    replicas: 3,
    podAgesMs: [3 * DAY, 2 * DAY, DAY],
    terminationMs,
  });
  if (pdb) h.sim.seedPodDisruptionBudget({ namespace: NS, name: "web", ...pdb });
  return h.sim
    .pods(NS)
    .sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!));
}

const success = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };

describe("pods/eviction", () => {
  it("evicts within the budget: 201 Success, budget consumed, pod terminating for its grace period", async () => {
    await withSim({}, async (h) => {
      const [oldest] = seed(h, { maxUnavailable: 1 });
      const r = await h.client.evict(NS, oldest.metadata.name!);
      assert.equal(r.status, 201);
      assert.deepEqual(r.json, success);
      const pdb = h.sim.podDisruptionBudget(NS, "web")!;
      assert.equal(pdb.status!.disruptionsAllowed, 0);
      assert.deepEqual(pdb.status!.disruptedPods, { [oldest.metadata.name!]: "2026-01-05T10:00:00Z" });
      assert.equal(pdb.status!.conditions![0].reason, "InsufficientPods");
      const pod = h.sim.pod(NS, oldest.metadata.name!)!;
      assert.equal(pod.metadata.deletionTimestamp, "2026-01-05T10:00:30Z");
      assert.equal(pod.metadata.deletionGracePeriodSeconds, 30);
      assert.deepEqual(
        h.sim.log.evictions.map((e) => [
          e.pod,
          e.outcome,
          e.code,
          e.creationTimestamp,
          e.labels["app.kubernetes.io/name"],
        ]),
        [[oldest.metadata.name, "evicted", 201, "2026-01-02T10:00:00Z", "web"]],
      );
    });
  });

  it("refuses with 429 TooManyRequests and the DisruptionBudget cause when no disruption is allowed", async () => {
    await withSim({}, async (h) => {
      const [oldest, second] = seed(h, { maxUnavailable: 1 });
      assert.equal((await h.client.evict(NS, oldest.metadata.name!)).status, 201);
      const r = await h.client.evict(NS, second.metadata.name!);
      assert.equal(r.status, 429);
      assert.equal(r.headers["retry-after"], undefined);
      assert.deepEqual(r.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "Cannot evict pod as it would violate the pod's disruption budget.",
        reason: "TooManyRequests",
        details: {
          causes: [
            {
              reason: "DisruptionBudget",
              message: "The disruption budget web needs 2 healthy pods and has 3 currently",
            },
          ],
        },
        code: 429,
      });
      // The disruption controller catches up 100 ms later and the numbers become current.
      await h.clock.advance(100);
      const third = await h.client.evict(NS, second.metadata.name!);
      assert.equal(
        third.json.details!.causes![0].message,
        "The disruption budget web needs 2 healthy pods and has 2 currently",
      );
      assert.deepEqual(
        h.sim.log.evictions.map((e) => e.outcome),
        ["evicted", "refused-429", "refused-429"],
      );
    });
  });

  it("answers 429 with Retry-After: 10 while the budget's status is older than its spec", async () => {
    await withSim({}, async (h) => {
      const [oldest] = seed(h);
      const created = await h.client.post("/apis/policy/v1/namespaces/apps/poddisruptionbudgets", {
        apiVersion: "policy/v1",
        kind: "PodDisruptionBudget",
        metadata: { name: "web" },
        spec: { maxUnavailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "web" } } },
      });
      assert.equal(created.status, 201);
      assert.deepEqual((created.json as PodDisruptionBudget).status, {
        disruptionsAllowed: 0,
        currentHealthy: 0,
        desiredHealthy: 0,
        expectedPods: 0,
      });
      const r = await h.client.evict(NS, oldest.metadata.name!);
      assert.equal(r.status, 429);
      assert.equal(r.headers["retry-after"], "10");
      assert.deepEqual(r.json.details, {
        causes: [
          {
            reason: "DisruptionBudget",
            message: "The disruption budget web is still being processed by the server.",
          },
        ],
        retryAfterSeconds: 10,
      });
      await h.clock.advance(100);
      assert.equal((await h.client.evict(NS, oldest.metadata.name!)).status, 201);
    });
  });

  it("answers 500 when two budgets select the pod, with upstream's message", async () => {
    await withSim({}, async (h) => {
      const [oldest] = seed(h, { maxUnavailable: 1 });
      h.sim.seedPodDisruptionBudget({
        namespace: NS,
        name: "web-2",
        selector: { "app.kubernetes.io/instance": "web" },
        minAvailable: 1,
      });
      const r = await h.client.evict(NS, oldest.metadata.name!);
      assert.equal(r.status, 500);
      assert.deepEqual(r.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message:
          "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        code: 500,
      });
      assert.equal(h.sim.pod(NS, oldest.metadata.name!)!.metadata.deletionTimestamp, undefined);
      assert.equal(h.sim.log.evictions[0].outcome, "error");
    });
  });

  it("deletes without a budget, and deletes a terminating pod again without consuming budget", async () => {
    await withSim({}, async (h) => {
      // Pods take their whole 30 s grace period to stop; replacements are Ready after 5 s.
      const [oldest, second] = seed(h, undefined, 60_000);
      assert.equal((await h.client.evict(NS, oldest.metadata.name!)).status, 201);
      await h.clock.advance(5000);
      assert.ok(h.sim.pod(NS, oldest.metadata.name!)!.metadata.deletionTimestamp);
      h.sim.seedPodDisruptionBudget({ namespace: NS, name: "web", maxUnavailable: 1 });
      assert.equal(h.sim.podDisruptionBudget(NS, "web")!.status!.disruptionsAllowed, 1);
      const again = await h.client.evict(NS, oldest.metadata.name!);
      assert.deepEqual([again.status, again.json], [201, success]);
      assert.equal(h.sim.podDisruptionBudget(NS, "web")!.status!.disruptionsAllowed, 1);
      assert.equal((await h.client.evict(NS, second.metadata.name!)).status, 201);
    });
  });

  it("404 for a pod that does not exist", async () => {
    await withSim({}, async (h) => {
      const r = await h.client.evict(NS, "nope");
      assert.equal(r.status, 404);
      assert.equal(r.json.message, 'pods "nope" not found');
      assert.equal(h.sim.log.evictions[0].outcome, "error");
      assert.equal(h.sim.log.evictions[0].creationTimestamp, "");
    });
  });

  it("400 when the Eviction names another pod", async () => {
    await withSim({}, async (h) => {
      const [oldest] = seed(h, { maxUnavailable: 1 });
      const r = await h.client.post(`/api/v1/namespaces/apps/pods/${oldest.metadata.name}/eviction`, {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: "other" },
      });
      assert.equal(r.status, 400);
      assert.equal(
        (r.json as { message: string }).message,
        "name in URL does not match name in Eviction object",
      );
    });
  });

  describe("pods that are not Ready", () => {
    const cases = [
      // [policy, currentHealthy >= desiredHealthy?, expected status, budget consumed?]
      { policy: undefined, healthyBudget: true, status: 201 },
      { policy: "IfHealthyBudget" as const, healthyBudget: true, status: 201 },
      { policy: "IfHealthyBudget" as const, healthyBudget: false, status: 429 },
      { policy: undefined, healthyBudget: false, status: 429 },
      { policy: "AlwaysAllow" as const, healthyBudget: false, status: 201 },
    ];
    for (const c of cases) {
      it(`${c.policy ?? "default policy"}, ${c.healthyBudget ? "healthy" : "unhealthy"} budget: ${c.status}`, async () => {
        await withSim({}, async (h) => {
          // Four pods, one not Ready: currentHealthy 3. minAvailable 3 is a healthy budget, 4 an unhealthy one.
          h.sim.seedDeployment({
            namespace: NS,
            name: "web",
            replicas: 4,
            podAgesMs: [4 * DAY, 3 * DAY, 2 * DAY, DAY],
            notReady: [0],
          });
          h.sim.seedPodDisruptionBudget({
            namespace: NS,
            name: "web",
            minAvailable: c.healthyBudget ? 3 : 4,
            unhealthyPodEvictionPolicy: c.policy,
          });
          const before = h.sim.podDisruptionBudget(NS, "web")!.status!;
          assert.deepEqual(
            [before.currentHealthy, before.desiredHealthy, before.disruptionsAllowed],
            [3, c.healthyBudget ? 3 : 4, 0],
          );
          const unready = h.sim
            .pods(NS)
            .find((p) => !p.status.conditions!.some((x) => x.type === "Ready" && x.status === "True"))!;
          const r = await h.client.evict(NS, unready.metadata.name!);
          assert.equal(r.status, c.status);
          const after = h.sim.podDisruptionBudget(NS, "web")!.status!;
          assert.equal(after.disruptedPods, undefined);
          assert.equal(
            Boolean(h.sim.pod(NS, unready.metadata.name!)!.metadata.deletionTimestamp),
            c.status === 201,
          );
        });
      });
    }
  });

  it("deletes a Pending pod without looking at the budget", async () => {
    await withSim({}, async (h) => {
      const [oldest] = seed(h, { minAvailable: 3 });
      await h.client.post("/api/v1/namespaces/apps/pods", {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: "stray",
          labels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" },
        },
        spec: { containers: [{ name: "app", image: "x:1" }] },
      });
      assert.equal(h.sim.pod(NS, "stray")!.status.phase, "Pending");
      const r = await h.client.evict(NS, "stray");
      assert.equal(r.status, 201);
      assert.equal(h.sim.pod(NS, "stray"), undefined);
      assert.equal((await h.client.evict(NS, oldest.metadata.name!)).status, 429);
    });
  });

  it("dry-run checks everything and changes nothing", async () => {
    await withSim({}, async (h) => {
      const [oldest] = seed(h, { maxUnavailable: 1 });
      const rv = h.sim.resourceVersion;
      const r = await h.client.evict(NS, oldest.metadata.name!, true);
      assert.deepEqual([r.status, r.json], [201, success]);
      assert.equal(h.sim.resourceVersion, rv);
      assert.equal(h.sim.pod(NS, oldest.metadata.name!)!.metadata.deletionTimestamp, undefined);
      assert.equal(h.sim.log.evictions[0].dryRun, true);
      assert.equal(h.clock.now(), T0);
    });
  });
});
