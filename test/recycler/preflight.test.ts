import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { podFacts, type Snapshot } from "../../recycler/decide";
import {
  DEPLOYMENT_CHECKS,
  EVICT_CHECKS,
  firstHalt,
  POD_CHECKS,
  RESTART_CHECKS,
  type Check,
} from "../../recycler/preflight";
import type { RecyclerSettings } from "../../recycler/settings";
import type { Deployment, PodDisruptionBudget } from "../../recycler/types";
import { deployment, HOUR, pdb, pod, replicaSet, settings, snapshot, T0 } from "./objects";

const old = (name: string, extra: Partial<Parameters<typeof pod>[1]> = {}) =>
  pod(name, { ageMs: 30 * HOUR, ...extra });

function withSpec(d: Deployment, spec: Partial<NonNullable<Deployment["spec"]>>): Deployment {
  return { ...d, spec: { ...d.spec, ...spec } };
}

describe("preflight: the checks on the Deployment alone", () => {
  const s = settings();
  const d = deployment();
  const cases: [
    string,
    Deployment,
    RecyclerSettings,
    string | undefined,
    string | undefined,
    string | undefined,
  ][] = [
    ["a steady Deployment passes", d, s, undefined, undefined, undefined],
    [
      "the rotor.dev/paused annotation",
      { ...d, metadata: { ...d.metadata, annotations: { "rotor.dev/paused": "true" } } },
      s,
      "not-paused-by-annotation",
      "skipped",
      'paused by annotation rotor.dev/paused: "true" on Deployment web',
    ],
    [
      "any other value of the annotation does not pause",
      { ...d, metadata: { ...d.metadata, annotations: { "rotor.dev/paused": "false" } } },
      s,
      undefined,
      undefined,
      undefined,
    ],
    [
      "spec.paused",
      withSpec(d, { paused: true }),
      s,
      "not-paused",
      "skipped",
      "Deployment web is paused (spec.paused)",
    ],
    [
      "a generation not observed yet",
      deployment({ generation: 3, observed: 2 }),
      s,
      "no-rollout",
      "skipped",
      "Deployment web is mid-rollout: generation 3 is not observed yet (observedGeneration 2)",
    ],
    [
      "scaled to zero",
      deployment({ replicas: 0 }),
      s,
      "has-replicas",
      "nothing-to-do",
      "Deployment web is scaled to zero",
    ],
    [
      "outside every window (T0 is a Monday, 10:00 UTC)",
      d,
      settings({ window: ["Sat,Sun 00:00-24:00", "Mon 12:00-13:00"] }),
      "inside-window",
      "skipped",
      "outside the allowed windows (Sat,Sun 00:00-24:00; Mon 12:00-13:00) in Etc/UTC",
    ],
    ["inside a window", d, settings({ window: ["Mon 09:00-11:00"] }), undefined, undefined, undefined],
    [
      "no selector",
      withSpec(d, { selector: undefined }),
      s,
      "has-selector",
      "skipped",
      "Deployment web has no selector",
    ],
    [
      "the first failing check wins: annotation before spec.paused",
      {
        ...withSpec(d, { paused: true }),
        metadata: { ...d.metadata, annotations: { "rotor.dev/paused": "true" } },
      },
      s,
      "not-paused-by-annotation",
      "skipped",
      'paused by annotation rotor.dev/paused: "true" on Deployment web',
    ],
  ];
  for (const [name, dep, st, check, result, reason] of cases) {
    it(name, () => {
      assert.deepEqual(
        firstHalt(DEPLOYMENT_CHECKS, { deployment: dep, settings: st, now: T0 }),
        check ? { check, result, reason } : undefined,
      );
    });
  }

  it("runs its checks in a fixed, named order", () => {
    const names = (checks: readonly Check<never>[]) => checks.map((c) => c.name);
    assert.deepEqual(names(DEPLOYMENT_CHECKS), [
      "not-paused-by-annotation",
      "not-paused",
      "no-rollout",
      "has-replicas",
      "inside-window",
      "has-selector",
    ]);
    assert.deepEqual(names(POD_CHECKS), [
      "current-replica-set",
      "none-terminating",
      "all-ready",
      "all-available",
      "something-due",
    ]);
    assert.deepEqual(names(RESTART_CHECKS), ["restart-surges", "restart-within-max-rotations"]);
    assert.deepEqual(names(EVICT_CHECKS), ["one-budget", "budget-observed", "budget-allows"]);
  });
});

describe("preflight: the checks once the pods are observed", () => {
  const three = [old("a"), old("b", { ageMs: 29 * HOUR }), pod("c", { ageMs: 2 * HOUR })];
  const minReady = withSpec(deployment(), { minReadySeconds: 60 });
  const lagging: Deployment = { ...deployment(), status: { ...deployment().status, availableReplicas: 2 } };
  const cases: [
    string,
    Snapshot,
    RecyclerSettings,
    string | undefined,
    string | undefined,
    string | undefined,
  ][] = [
    [
      "all Ready, two due, a budget that allows: passes",
      snapshot(deployment(), three),
      settings(),
      undefined,
      undefined,
      undefined,
    ],
    [
      "no ReplicaSet owned by the Deployment",
      snapshot(deployment(), three, [pdb(1)], T0, [replicaSet("aaa", 2, "someone-else")]),
      settings(),
      "current-replica-set",
      "skipped",
      "no ReplicaSet of Deployment web found",
    ],
    [
      "a pod terminating",
      snapshot(deployment(), [...three.slice(0, 2), pod("c", { ageMs: HOUR, terminating: true })]),
      settings(),
      "none-terminating",
      "skipped",
      "pod c of Deployment web is terminating",
    ],
    [
      "a pod not Ready",
      snapshot(deployment(), [...three.slice(0, 2), pod("c", { ageMs: HOUR, ready: false })]),
      settings(),
      "all-ready",
      "skipped",
      "only 2 of 3 pods are Ready (not Ready: c): rotating now would drop below capacity",
    ],
    [
      "a pod missing altogether",
      snapshot(deployment(), three.slice(0, 2)),
      settings(),
      "all-ready",
      "skipped",
      "only 2 of 3 pods are Ready: rotating now would drop below capacity",
    ],
    [
      "Ready but not yet for minReadySeconds (by the clock)",
      snapshot(minReady, [old("a"), old("b"), pod("c", { ageMs: 30_000 })]),
      settings(),
      "all-available",
      "skipped",
      "only 2 of 3 pods are available (Ready for minReadySeconds 60s): rotating now would drop below capacity",
    ],
    [
      "the Deployment's own availableReplicas lagging",
      snapshot(lagging, three),
      settings(),
      "all-available",
      "skipped",
      "only 2 of 3 pods are available (Ready for minReadySeconds 0s): rotating now would drop below capacity",
    ],
    [
      "nothing due names the next pod to come due",
      snapshot(deployment(), [
        pod("a", { ageMs: 20 * HOUR }),
        pod("b", { ageMs: 2 * HOUR }),
        pod("c", { ageMs: HOUR }),
      ]),
      settings(),
      "something-due",
      "nothing-to-do",
      `no pod is older than 1d plus its jitter; next due: a at ${new Date(T0 + 4 * HOUR).toISOString()}`,
    ],
    [
      "terminating is checked before Ready",
      snapshot(deployment(), [
        old("a"),
        pod("b", { ageMs: HOUR, ready: false }),
        pod("c", { ageMs: HOUR, terminating: true }),
      ]),
      settings(),
      "none-terminating",
      "skipped",
      "pod c of Deployment web is terminating",
    ],
  ];
  for (const [name, snap, st, check, result, reason] of cases) {
    it(name, () => {
      const d = snap.deployment ?? assert.fail("no Deployment");
      assert.deepEqual(
        firstHalt(POD_CHECKS, podFacts(d, snap, st)),
        check ? { check, result, reason } : undefined,
      );
    });
  }

  const restartCases: [string, Deployment, RecyclerSettings, string | undefined, string | undefined][] = [
    [
      "a surging rolling update within --max-rotations passes",
      deployment(),
      settings({ maxRotations: "3" }),
      undefined,
      undefined,
    ],
    [
      "Recreate",
      withSpec(deployment(), { strategy: { type: "Recreate" } }),
      settings({ maxRotations: "3" }),
      "restart-surges",
      "a restart is needed (a, b due) but Deployment web uses the Recreate strategy: a restart would stop every pod at once. Use RollingUpdate with maxSurge: 1 and maxUnavailable: 0",
    ],
    [
      "a rolling update that does not surge",
      withSpec(deployment(), {
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
      }),
      settings({ maxRotations: "3" }),
      "restart-surges",
      "a restart is needed (a, b due) but Deployment web does not surge (maxSurge resolves to 0, maxUnavailable to 1 of 3): a restart would drop below capacity. Set maxSurge: 1 and maxUnavailable: 0",
    ],
    [
      "more pods than --max-rotations",
      deployment(),
      settings({ maxRotations: "2" }),
      "restart-within-max-rotations",
      "a restart replaces all 3 pods, more than --max-rotations 2; use --strategy evict or raise --max-rotations",
    ],
  ];
  for (const [name, d, st, check, reason] of restartCases) {
    it(`restart: ${name}`, () => {
      assert.deepEqual(
        firstHalt(RESTART_CHECKS, podFacts(d, snapshot(d, three), st)),
        check ? { check, result: "skipped", reason } : undefined,
      );
    });
  }

  const budgetCases: [
    string,
    readonly PodDisruptionBudget[],
    string | undefined,
    string | undefined,
    string | undefined,
  ][] = [
    ["a budget that allows one passes", [pdb(1)], undefined, undefined, undefined],
    ["no budget at all passes (the run warns)", [], undefined, undefined, undefined],
    [
      "a budget of another app is not this one's",
      [pdb(0, { selector: { app: "other" } })],
      undefined,
      undefined,
      undefined,
    ],
    [
      "two budgets",
      [pdb(1, { name: "b" }), pdb(1, { name: "a" })],
      "one-budget",
      "failed",
      "pods of Deployment web are covered by 2 PodDisruptionBudgets (a, b); the Eviction API refuses to evict such pods. Keep one PodDisruptionBudget per app",
    ],
    [
      "a stale budget status",
      [pdb(1, { generation: 2, observed: 1 })],
      "budget-observed",
      "skipped",
      "PodDisruptionBudget web status is stale (observedGeneration 1 < generation 2): the disruption controller has not processed it yet",
    ],
    [
      "a budget that allows no disruption",
      [pdb(0)],
      "budget-allows",
      "blocked",
      "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)",
    ],
  ];
  for (const [name, pdbs, check, result, reason] of budgetCases) {
    it(`evict: ${name}`, () => {
      const d = deployment();
      assert.deepEqual(
        firstHalt(EVICT_CHECKS, podFacts(d, snapshot(d, three, pdbs), settings())),
        check ? { check, result, reason } : undefined,
      );
    });
  }
});
