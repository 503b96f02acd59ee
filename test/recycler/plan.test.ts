import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { podDeadlineMs, podJitterMs } from "../../recycler/jitter";
import {
  budgetAllowance,
  budgetVerdict,
  capacity,
  capacityShortfall,
  currentReplicaSet,
  dueCandidates,
  limitPlan,
  nextDeadline,
  restartProblem,
  rolloutProblem,
} from "../../recycler/plan";
import { inWindows, parseWindow, type Window } from "../../contract/window";
import type { Deployment } from "../../recycler/types";
import { deployment, HOUR, LABELS, pdb, pod, replicaSet, T0 } from "./objects";

const opts = { now: T0, maxAgeMs: 24 * HOUR, jitterMs: 0 };
const rsOld = replicaSet("old", 1);
const rsNew = replicaSet("aaa", 2);

describe("jitter", () => {
  it("is deterministic per UID, within [0, max), and spreads pods", () => {
    const max = 2 * HOUR;
    const uids = Array.from({ length: 200 }, (_, i) => `3f1c${i}-uid`);
    const values = uids.map((u) => podJitterMs(u, max));
    assert.deepEqual(
      uids.map((u) => podJitterMs(u, max)),
      values,
    );
    assert.ok(values.every((v) => v >= 0 && v < max));
    assert.ok(new Set(values).size > 190, "distinct UIDs get distinct jitter");
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(mean > 0.35 * max && mean < 0.65 * max, `mean ${mean} is near the middle`);
    assert.equal(podJitterMs("any", 0), 0);
    assert.equal(podDeadlineMs(1000, "u", 5000, 0), 6000);
  });

  it("moves a pod's deadline by its jitter, so pods created together expire apart", () => {
    const pods = ["a", "b", "c"].map((n) => pod(n, { ageMs: 25 * HOUR }));
    const due = dueCandidates(deployment(), [rsNew], pods, { ...opts, jitterMs: 2 * HOUR, now: T0 });
    const deadlines = due.map((d) => d.deadlineMs);
    assert.deepEqual(
      [...deadlines].sort((x, y) => x - y),
      deadlines,
      "ordered by deadline",
    );
    for (const d of due) {
      assert.equal(d.deadlineMs, podDeadlineMs(T0 - 25 * HOUR, d.uid, 24 * HOUR, 2 * HOUR));
    }
  });
});

describe("dueCandidates", () => {
  it("orders due pods oldest deadline first and skips young ones", () => {
    const pods = [
      pod("young", { ageMs: 23 * HOUR }),
      pod("older", { ageMs: 30 * HOUR }),
      pod("old", { ageMs: 26 * HOUR }),
      pod("oldest", { ageMs: 40 * HOUR }),
    ];
    const due = dueCandidates(deployment({ replicas: 4 }), [rsOld, rsNew], pods, opts);
    assert.deepEqual(
      due.map((d) => [d.order, d.pod, d.age, d.overdue]),
      [
        [1, "oldest", "1d16h", "16h"],
        [2, "older", "1d6h", "6h"],
        [3, "old", "1d2h", "2h"],
      ],
    );
    assert.equal(due[0]?.replicaSet, "web-aaa");
    assert.equal(due[0]?.node, "node-1");
  });

  it("never picks a pod exactly at its deadline (age must exceed max age + jitter)", () => {
    const due = dueCandidates(
      deployment(),
      [rsNew],
      [pod("edge", { ageMs: 24 * HOUR }), pod("past", { ageMs: 24 * HOUR + 1 })],
      opts,
    );
    assert.deepEqual(
      due.map((d) => d.pod),
      ["past"],
    );
  });

  it("takes only pods of the current ReplicaSet (highest revision)", () => {
    const pods = [
      pod("from-old-rs", { ageMs: 50 * HOUR, hash: "old" }),
      pod("current", { ageMs: 30 * HOUR }),
    ];
    assert.equal(currentReplicaSet(deployment(), [rsOld, rsNew])?.metadata?.name, "web-aaa");
    assert.deepEqual(
      dueCandidates(deployment(), [rsOld, rsNew], pods, opts).map((d) => d.pod),
      ["current"],
    );
  });

  it("ignores ReplicaSets of other Deployments", () => {
    const foreign = replicaSet("zzz", 9, "other-deployment-uid");
    assert.equal(currentReplicaSet(deployment(), [rsNew, foreign])?.metadata?.name, "web-aaa");
  });

  it("never picks a pod outside the Deployment's selector, even one owned by its ReplicaSet", () => {
    const outside = pod("outside", {
      ageMs: 50 * HOUR,
      labels: { "app.kubernetes.io/name": "web", "pod-template-hash": "aaa" },
    });
    const hashMismatch = pod("hash-mismatch", {
      ageMs: 50 * HOUR,
      labels: { ...LABELS, "pod-template-hash": "other" },
    });
    const inside = pod("inside", { ageMs: 30 * HOUR });
    assert.deepEqual(
      dueCandidates(deployment(), [rsNew], [outside, hashMismatch, inside], opts).map((d) => d.pod),
      ["inside"],
    );
  });

  it("skips pods that are not Ready, terminating, not running, already handled, or the recycler itself", () => {
    const pods = [
      pod("unready", { ageMs: 50 * HOUR, ready: false }),
      pod("terminating", { ageMs: 50 * HOUR, terminating: true }),
      pod("pending", { ageMs: 50 * HOUR, phase: "Pending" }),
      pod("handled", { ageMs: 50 * HOUR }),
      pod("me", { ageMs: 50 * HOUR }),
      pod("me-by-uid", { ageMs: 50 * HOUR, uid: "self-uid" }),
      pod("ok", { ageMs: 50 * HOUR }),
    ];
    const due = dueCandidates(deployment(), [rsNew], pods, {
      ...opts,
      exclude: new Set(["uid-handled"]),
      self: { podName: "me", podUid: "self-uid" },
    });
    assert.deepEqual(
      due.map((d) => d.pod),
      ["ok"],
    );
  });

  it("returns nothing without a selector or a current ReplicaSet", () => {
    const noSelector = { ...deployment(), spec: { ...deployment().spec, selector: {} } } as Deployment;
    assert.deepEqual(dueCandidates(noSelector, [rsNew], [pod("a", { ageMs: 50 * HOUR })], opts), []);
    assert.deepEqual(dueCandidates(deployment(), [], [pod("a", { ageMs: 50 * HOUR })], opts), []);
  });

  it("limits the plan to --max-rotations and counts what is deferred", () => {
    const pods = ["a", "b", "c", "d"].map((n, i) => pod(n, { ageMs: (30 + i) * HOUR }));
    const due = dueCandidates(deployment({ replicas: 4 }), [rsNew], pods, opts);
    const { plan, deferred } = limitPlan(due, 2);
    assert.deepEqual(
      plan.map((p) => p.pod),
      ["d", "c"],
    );
    assert.equal(deferred, 2);
    assert.equal(limitPlan(due, 10).deferred, 0);
  });

  it("names the next pod to come due", () => {
    const pods = [pod("a", { ageMs: 20 * HOUR }), pod("b", { ageMs: 22 * HOUR })];
    assert.deepEqual(nextDeadline(deployment(), [rsNew], pods, { maxAgeMs: 24 * HOUR, jitterMs: 0 }), {
      pod: "b",
      deadlineMs: T0 + 2 * HOUR,
    });
  });
});

describe("windows are re-checked against the instant of each eviction", () => {
  const w = (text: string) => parseWindow(text) as Window;
  it("honours days, hours and the time zone", () => {
    // 2026-01-05 is a Monday; 10:00 UTC is 11:00 in Berlin.
    const mon10 = Date.parse("2026-01-05T10:00:00Z");
    assert.equal(inWindows(mon10, "Etc/UTC", [w("Mon-Fri 09:00-17:00")]), true);
    assert.equal(inWindows(mon10, "Etc/UTC", [w("Sat,Sun 00:00-24:00")]), false);
    assert.equal(inWindows(mon10, "Europe/Berlin", [w("Mon 11:00-12:00")]), true);
    assert.equal(inWindows(mon10, "Etc/UTC", [w("Mon 11:00-12:00")]), false);
    assert.equal(inWindows(mon10, "Etc/UTC", []), true, "no window means always");
  });

  it("a window that closes mid-run stops the next eviction", () => {
    const windows = [w("Mon 09:00-10:30")];
    const start = Date.parse("2026-01-05T10:29:00Z");
    assert.equal(inWindows(start, "Etc/UTC", windows), true);
    assert.equal(inWindows(start + 60_000, "Etc/UTC", windows), false);
  });

  it("a window past midnight belongs to its start day", () => {
    const windows = [w("Fri 22:00-06:00")];
    assert.equal(
      inWindows(Date.parse("2026-01-10T05:59:00Z"), "Etc/UTC", windows),
      true,
      "Saturday early morning",
    );
    assert.equal(
      inWindows(Date.parse("2026-01-06T05:00:00Z"), "Etc/UTC", windows),
      false,
      "Tuesday early morning",
    );
  });
});

describe("rolloutProblem", () => {
  it("is quiet for a steady Deployment", () => {
    assert.equal(rolloutProblem(deployment()), undefined);
  });
  it("reports an unobserved generation", () => {
    assert.equal(
      rolloutProblem(deployment({ generation: 3, observed: 2 })),
      "Deployment web is mid-rollout: generation 3 is not observed yet (observedGeneration 2)",
    );
  });
  it("reports updated and available replica counts", () => {
    const d = deployment();
    assert.equal(
      rolloutProblem({ ...d, status: { ...d.status, updatedReplicas: 2 } }),
      "Deployment web is mid-rollout: 2 of 3 replicas updated, 3 in total",
    );
    assert.equal(
      rolloutProblem({ ...d, status: { ...d.status, replicas: 4 } }),
      "Deployment web is mid-rollout: 3 of 3 replicas updated, 4 in total",
    );
    assert.equal(
      rolloutProblem({ ...d, status: { ...d.status, availableReplicas: 2 } }),
      "only 2 of 3 replicas of Deployment web are available",
    );
  });
  it("reports ProgressDeadlineExceeded first", () => {
    const d = deployment();
    const stuck = {
      ...d,
      status: {
        ...d.status,
        updatedReplicas: 1,
        conditions: [
          {
            type: "Progressing",
            status: "False",
            reason: "ProgressDeadlineExceeded",
            message: 'ReplicaSet "web-b" has timed out progressing.',
          },
        ],
      },
    };
    assert.equal(
      rolloutProblem(stuck),
      'Deployment web is stuck: its rollout exceeded its progress deadline (ProgressDeadlineExceeded: ReplicaSet "web-b" has timed out progressing.); fix the rollout first',
    );
  });
});

describe("budgetVerdict", () => {
  it("none, allows, stale, blocks, multiple", () => {
    const d = deployment();
    assert.deepEqual(budgetVerdict(d, []), { kind: "none" });
    assert.deepEqual(budgetVerdict(d, [pdb(1)]), { kind: "allows", name: "web", allowed: 1 });
    assert.deepEqual(budgetVerdict(d, [pdb(1, { generation: 2, observed: 1 })]), {
      kind: "stale",
      name: "web",
      reason:
        "PodDisruptionBudget web status is stale (observedGeneration 1 < generation 2): the disruption controller has not processed it yet",
    });
    assert.deepEqual(budgetVerdict(d, [pdb(0)]), {
      kind: "blocks",
      name: "web",
      reason: "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)",
    });
    assert.deepEqual(budgetVerdict(d, [pdb(0)], ["web-x"]), {
      kind: "blocks",
      name: "web",
      reason:
        "PodDisruptionBudget web allows no disruption (3 healthy, 3 required); not Ready: web-x (with unhealthyPodEvictionPolicy: AlwaysAllow a stuck pod can be replaced)",
    });
    const two = budgetVerdict(d, [pdb(1), pdb(1, { name: "web-extra" })]);
    assert.equal(two.kind, "multiple");
    assert.equal(
      (two as { reason: string }).reason,
      "pods of Deployment web are covered by 2 PodDisruptionBudgets (web, web-extra); the Eviction API refuses to evict such pods. Keep one PodDisruptionBudget per app",
    );
  });
  it("ignores budgets that select other pods or nothing (as the Eviction API does)", () => {
    const d = deployment();
    assert.deepEqual(
      budgetVerdict(d, [
        pdb(0, { name: "other", selector: { app: "other" } }),
        pdb(0, { name: "empty", selector: {} }),
      ]),
      {
        kind: "none",
      },
    );
  });
});

describe("budgetAllowance (the disruption controller's arithmetic, for a lagging status)", () => {
  const withSpec = (spec: Record<string, number | string>) => ({
    ...pdb(1),
    spec: { selector: { matchLabels: LABELS }, ...spec },
  });
  const cases: [
    Record<string, number | string>,
    number,
    number,
    { allowed: number; desiredHealthy: number },
  ][] = [
    [{ maxUnavailable: 1 }, 3, 3, { allowed: 1, desiredHealthy: 2 }],
    [{ maxUnavailable: 1 }, 3, 2, { allowed: 0, desiredHealthy: 2 }],
    [{ maxUnavailable: "25%" }, 4, 4, { allowed: 1, desiredHealthy: 3 }],
    [{ maxUnavailable: "10%" }, 3, 3, { allowed: 1, desiredHealthy: 2 }],
    [{ minAvailable: 2 }, 2, 2, { allowed: 0, desiredHealthy: 2 }],
    [{ minAvailable: "50%" }, 3, 3, { allowed: 1, desiredHealthy: 2 }],
    [{ minAvailable: "100%" }, 5, 5, { allowed: 0, desiredHealthy: 5 }],
    [{ maxUnavailable: 0 }, 3, 3, { allowed: 0, desiredHealthy: 3 }],
  ];
  for (const [spec, expected, healthy, want] of cases) {
    it(`${JSON.stringify(spec)} with ${healthy} of ${expected} healthy`, () => {
      assert.deepEqual(budgetAllowance(withSpec(spec), expected, healthy), want);
    });
  }

  it("a value Kubernetes cannot resolve allows no disruption, as the disruption controller's fail-safe does", () => {
    // "3" is a string without "%": intstr refuses it, and the controller then sets disruptionsAllowed to 0.
    assert.deepEqual(budgetAllowance(withSpec({ minAvailable: "3" }), 5, 5), {
      allowed: 0,
      desiredHealthy: 5,
    });
    const d = deployment({ replicas: 5 });
    const invalid = {
      ...withSpec({ minAvailable: "3" }),
      status: { observedGeneration: 1, disruptionsAllowed: 2, currentHealthy: 5, desiredHealthy: 3 },
    };
    const blocks = {
      kind: "blocks",
      name: "web",
      reason:
        'PodDisruptionBudget web has spec.minAvailable "3", which Kubernetes cannot resolve: it must be an integer like 1 or a percentage like "25%" (a quoted number like "1" is a string, and not a percentage). The disruption controller allows no disruption until it is fixed',
    };
    assert.deepEqual(budgetVerdict(d, [invalid], [], 5), blocks);
    assert.deepEqual(budgetVerdict(d, [invalid]), blocks, "whatever its status says");
  });

  it("a status that still allows a disruption after a scale-down does not fool the verdict", () => {
    // minAvailable 2 was fine for 3 replicas; the HPA scaled to 2 and the controller has not caught up.
    const d = deployment({ replicas: 2 });
    const lagging = {
      ...withSpec({ minAvailable: 2 }),
      status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2 },
    };
    assert.deepEqual(budgetVerdict(d, [lagging], [], 2), {
      kind: "blocks",
      name: "web",
      reason: "PodDisruptionBudget web allows no disruption (2 healthy, 2 required)",
    });
    assert.equal(budgetVerdict(d, [lagging]).kind, "allows", "the status alone would have allowed it");
  });
});

describe("restartProblem", () => {
  it("accepts a surging rolling update, including the defaults on one replica", () => {
    assert.equal(restartProblem(deployment({ replicas: 1 })), undefined);
    const d = deployment({ replicas: 1 });
    assert.equal(
      restartProblem({ ...d, spec: { ...d.spec, strategy: {} } }),
      undefined,
      "25%/25% of 1 is surge 1, unavailable 0",
    );
  });
  it("refuses Recreate, no surge, or any unavailability", () => {
    const d = deployment({ replicas: 4 });
    assert.match(
      restartProblem({ ...d, spec: { ...d.spec, strategy: { type: "Recreate" } } }) ?? "",
      /Recreate strategy/,
    );
    assert.equal(
      restartProblem({ ...d, spec: { ...d.spec, strategy: {} } }),
      "Deployment web does not surge (maxSurge resolves to 1, maxUnavailable to 1 of 4): a restart would drop below capacity. Set maxSurge: 1 and maxUnavailable: 0",
    );
    assert.match(
      restartProblem({
        ...d,
        spec: { ...d.spec, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } },
      }) ?? "",
      /maxSurge resolves to 0/,
    );
  });
  it("refuses a value Kubernetes cannot resolve: a quoted number is a string, not a percentage", () => {
    const d = deployment({ replicas: 4 });
    assert.equal(
      restartProblem({
        ...d,
        spec: { ...d.spec, strategy: { rollingUpdate: { maxSurge: "3", maxUnavailable: 0 } } },
      }),
      'Deployment web has spec.strategy.rollingUpdate.maxSurge "3", which Kubernetes cannot resolve: it must be an integer like 1 or a percentage like "25%" (a quoted number like "1" is a string, and not a percentage). A restart would not roll out; set maxSurge: 1 and maxUnavailable: 0',
    );
  });
});

describe("capacity", () => {
  it("counts Ready, not Ready and terminating pods of the Deployment only", () => {
    const pods = [
      pod("a", { ageMs: HOUR }),
      pod("b", { ageMs: HOUR, ready: false }),
      pod("c", { ageMs: HOUR, terminating: true }),
      pod("d", { ageMs: HOUR, hash: "old" }),
      pod("foreign", { ageMs: HOUR, labels: { app: "x" } }),
    ];
    assert.deepEqual(capacity(deployment(), [rsOld, rsNew], pods), {
      desired: 3,
      ready: 2,
      available: 2,
      terminating: ["c"],
      notReady: ["b"],
    });
  });

  it("counts a pod available only once Ready for minReadySeconds, and never above the Deployment's own count", () => {
    const readySince = (p: ReturnType<typeof pod>, msAgo: number): ReturnType<typeof pod> => ({
      ...p,
      status: {
        ...p.status,
        conditions: [
          { type: "Ready", status: "True", lastTransitionTime: new Date(T0 - msAgo).toISOString() },
        ],
      },
    });
    const d = deployment();
    const withMinReady: Deployment = { ...d, spec: { ...d.spec, minReadySeconds: 10 } };
    const pods = [
      readySince(pod("a", { ageMs: HOUR }), HOUR),
      readySince(pod("b", { ageMs: HOUR }), HOUR),
      readySince(pod("fresh", { ageMs: 4000 }), 3000),
    ];
    // "fresh" has been Ready for 3 s of its 10: available at T0 + 7 s, and a wait wakes then.
    assert.deepEqual(capacity(withMinReady, [rsNew], pods, T0), {
      desired: 3,
      ready: 3,
      available: 2,
      nextAvailableAt: T0 + 7000,
      terminating: [],
      notReady: [],
    });
    assert.equal(capacity(withMinReady, [rsNew], pods, T0 + 7000).available, 3);
    // A clock ahead of the controllers' cannot overstate it: the Deployment's status says 2.
    const lagging: Deployment = { ...withMinReady, status: { ...withMinReady.status, availableReplicas: 2 } };
    assert.equal(capacity(lagging, [rsNew], pods, T0 + HOUR).available, 2);
    // A status the controller has not caught up with counts for nothing.
    const unobserved: Deployment = { ...withMinReady, metadata: { ...withMinReady.metadata, generation: 3 } };
    assert.equal(capacity(unobserved, [rsNew], pods, T0 + HOUR).available, 0);
    assert.equal(
      capacityShortfall(capacity(withMinReady, [rsNew], pods, T0), 10),
      "only 2 of 3 pods are available (Ready for minReadySeconds 10s, as the Deployment counts them)",
    );
    assert.equal(capacityShortfall(capacity(withMinReady, [rsNew], pods, T0 + 7000), 10), undefined);
  });
});
