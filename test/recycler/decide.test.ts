import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  afterEviction,
  afterRestart,
  decide,
  initialProgress,
  recheckEviction,
  templateKey,
  type Decision,
  type EvictOutcome,
  type Progress,
  type Snapshot,
  type Step,
} from "../../recycler/decide";
import { roomForOne } from "../../recycler/room";
import type { RecyclerSettings } from "../../recycler/settings";
import type { Deployment, Pod } from "../../recycler/types";
import { deployment, HOUR, pdb, pod, settings, snapshot, T0 } from "./objects";

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const three = () => [
  pod("a", { ageMs: 30 * HOUR }),
  pod("b", { ageMs: 29 * HOUR }),
  pod("c", { ageMs: 2 * HOUR }),
];
const withMinReady = (d: Deployment, seconds: number): Deployment => ({
  ...d,
  spec: { ...d.spec, minReadySeconds: seconds },
});
/** A pod that became Ready `readyMsAgo` before `now`. */
const readySince = (name: string, ageMs: number, readyMsAgo: number, now = T0): Pod => {
  const p = pod(name, { ageMs, now });
  return {
    ...p,
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: "True", lastTransitionTime: iso(now - readyMsAgo) }],
    },
  };
};

function start(snap: Snapshot, s: RecyclerSettings = settings()): Step {
  return decide(snap, initialProgress(s), s);
}

function evictOf(step: Step): Extract<Decision, { kind: "evict" }> {
  assert.equal(step.decision.kind, "evict", JSON.stringify(step.decision));
  return step.decision;
}

describe("roomForOne: the one capacity rule", () => {
  const d = deployment();
  const cases: [string, Snapshot, string, string | undefined, number | undefined][] = [
    [
      "all Ready and available, a budget that allows one",
      snapshot(d, three()),
      "free/allows",
      undefined,
      undefined,
    ],
    ["no budget covers the pods", snapshot(d, three(), []), "free/none", undefined, undefined],
    [
      "a pod terminating",
      snapshot(d, [...three().slice(0, 2), pod("c", { ageMs: HOUR, terminating: true })]),
      "short/terminating",
      "pod c is terminating",
      undefined,
    ],
    [
      "a pod not Ready",
      snapshot(d, [...three().slice(0, 2), pod("c", { ageMs: HOUR, ready: false })]),
      "short/not-ready",
      "only 2 of 3 pods are Ready (not Ready: c)",
      undefined,
    ],
    [
      "a pod Ready for less than minReadySeconds: wake when it becomes available",
      snapshot(withMinReady(d, 60), [...three().slice(0, 2), readySince("c", 40_000, 20_000)]),
      "short/unavailable",
      "only 2 of 3 pods are available (Ready for minReadySeconds 60s, as the Deployment counts them)",
      T0 + 40_000,
    ],
    [
      "a stale budget",
      snapshot(d, three(), [pdb(1, { generation: 2, observed: 1 })]),
      "budget/stale",
      "PodDisruptionBudget web status is stale (observedGeneration 1 < generation 2): the disruption controller has not processed it yet",
      undefined,
    ],
    [
      "a budget that allows none",
      snapshot(d, three(), [pdb(0)]),
      "budget/blocks",
      "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)",
      undefined,
    ],
    [
      "two budgets",
      snapshot(d, three(), [pdb(1, { name: "a" }), pdb(1, { name: "b" })]),
      "budget/multiple",
      "pods of Deployment web are covered by 2 PodDisruptionBudgets (a, b); the Eviction API refuses to evict such pods. Keep one PodDisruptionBudget per app",
      undefined,
    ],
  ];
  for (const [name, snap, kind, reason, wakeAt] of cases) {
    it(name, () => {
      const room = roomForOne(
        snap.deployment ?? d,
        snap.replicaSets,
        snap.pods.values(),
        snap.pdbs,
        snap.now,
      );
      const sub = room.kind === "short" ? room.shortfall.kind : room.verdict.kind;
      assert.equal(`${room.kind}/${sub}`, kind);
      const text =
        room.kind === "short"
          ? room.shortfall.reason
          : room.kind === "budget"
            ? room.verdict.reason
            : undefined;
      assert.equal(text, reason);
      assert.equal(room.capacity.nextAvailableAt, wakeAt);
    });
  }
});

describe("decide: start (preflight on the pods, then the plan)", () => {
  it("plans the due pods oldest first, up to --max-rotations, and evicts the first at once", () => {
    const s = settings();
    const step = start(snapshot(deployment(), three()), s);
    const plan = step.progress.plan ?? [];
    assert.deepEqual(
      plan.map((p) => [p.order, p.pod, p.overdue]),
      [[1, "a", "6h"]],
    );
    assert.equal(step.progress.deferred, 1);
    assert.equal(step.progress.strategy, "evict");
    assert.equal(step.progress.template, templateKey(deployment()));
    assert.deepEqual(step.progress.stage, { kind: "make-room", target: plan[0], since: T0 });
    assert.deepEqual(step.decision, {
      kind: "evict",
      target: plan[0],
      before: new Set(["uid-a", "uid-b", "uid-c"]),
      desiredBefore: 3,
    });
    assert.deepEqual(step.notes, [
      {
        level: "info",
        msg: "planned",
        fields: { pod: "a", order: 1, age: "1d6h", deadline: iso(T0 - 6 * HOUR), overdue: "6h" },
      },
    ]);
  });

  it("warns when no PodDisruptionBudget covers the pods, and goes on", () => {
    const step = start(snapshot(deployment(), three(), []));
    assert.deepEqual(step.notes[0], {
      level: "warn",
      msg: "no PodDisruptionBudget covers Deployment web: rotating one pod at a time on readiness alone",
    });
    assert.equal(step.decision.kind, "evict");
  });

  it("a dry run stops with the exact plan and what a real run would conclude", () => {
    const step = start(snapshot(deployment(), three()), settings({ dryRun: true }));
    assert.deepEqual(step.decision, {
      kind: "stop",
      result: "dry-run",
      reason: "would evict 1 pod(s): a; 1 more due, left for later runs (--max-rotations 1)",
      wouldBe: "rotated",
    });
    assert.deepEqual(
      step.notes.map((n) => [n.msg, n.fields?.pod]),
      [["would evict", "a"]],
    );
  });

  const halts: [string, Snapshot, RecyclerSettings, Decision, readonly string[] | undefined][] = [
    [
      "a terminating pod (real run: no plan)",
      snapshot(deployment(), [...three().slice(0, 2), pod("c", { ageMs: HOUR, terminating: true })]),
      settings(),
      { kind: "stop", result: "skipped", reason: "pod c of Deployment web is terminating" },
      undefined,
    ],
    [
      "a terminating pod (dry run: an empty plan and wouldBe)",
      snapshot(deployment(), [...three().slice(0, 2), pod("c", { ageMs: HOUR, terminating: true })]),
      settings({ dryRun: true }),
      {
        kind: "stop",
        result: "dry-run",
        reason: "pod c of Deployment web is terminating",
        wouldBe: "skipped",
      },
      [],
    ],
    [
      "nothing due (real run: an empty plan)",
      snapshot(deployment(), [
        pod("a", { ageMs: 20 * HOUR }),
        pod("b", { ageMs: HOUR }),
        pod("c", { ageMs: HOUR }),
      ]),
      settings(),
      {
        kind: "stop",
        result: "nothing-to-do",
        reason: `no pod is older than 1d plus its jitter; next due: a at ${iso(T0 + 4 * HOUR)}`,
      },
      [],
    ],
    [
      "a budget that allows none",
      snapshot(deployment(), three(), [pdb(0)]),
      settings(),
      {
        kind: "stop",
        result: "blocked",
        reason: "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)",
      },
      undefined,
    ],
    [
      "two budgets",
      snapshot(deployment(), three(), [pdb(1, { name: "x" }), pdb(1, { name: "y" })]),
      settings(),
      {
        kind: "stop",
        result: "failed",
        reason:
          "pods of Deployment web are covered by 2 PodDisruptionBudgets (x, y); the Eviction API refuses to evict such pods. Keep one PodDisruptionBudget per app",
      },
      undefined,
    ],
    [
      "the Deployment gone since the preflight on it",
      snapshot(undefined, three()),
      settings(),
      { kind: "stop", result: "failed", reason: "Deployment web was deleted during the run" },
      undefined,
    ],
  ];
  for (const [name, snap, s, decision, plan] of halts) {
    it(`halts: ${name}`, () => {
      const step = start(snap, s);
      assert.deepEqual(step.decision, decision);
      assert.deepEqual(step.progress.plan, plan);
      assert.equal(step.progress.stage.kind, "start");
    });
  }

  it("a single replica is restarted (surge first), never evicted, and says why", () => {
    const d = deployment({ replicas: 1 });
    const step = start(snapshot(d, [pod("a", { ageMs: 30 * HOUR })]));
    assert.deepEqual(step.decision, { kind: "restart", expectedGeneration: 3, batches: 1 });
    assert.equal(step.progress.strategy, "restart");
    assert.deepEqual(
      (step.progress.plan ?? []).map((p) => p.pod),
      ["a"],
    );
    assert.equal(step.progress.deferred, 0);
    assert.deepEqual(step.notes, [
      {
        level: "info",
        msg: "single replica: restarting with a surge instead of evicting (eviction would be downtime)",
      },
    ]);
  });

  it("--strategy restart plans every pod (due ones first) and bounds the wait by surge batches", () => {
    const oneByOne = start(
      snapshot(deployment(), three()),
      settings({ strategy: "restart", maxRotations: "3" }),
    );
    assert.deepEqual(oneByOne.decision, { kind: "restart", expectedGeneration: 3, batches: 3 });
    assert.deepEqual(
      (oneByOne.progress.plan ?? []).map((p) => [p.order, p.pod, p.age, p.overdue]),
      [
        [1, "a", "1d6h", "6h"],
        [2, "b", "1d5h", "5h"],
        [3, "c", "2h", "0s"],
      ],
    );
    assert.deepEqual(oneByOne.notes, []);
    const d = deployment();
    const half: Deployment = {
      ...d,
      spec: {
        ...d.spec,
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: "50%", maxUnavailable: 0 } },
      },
    };
    const twoAtOnce = start(snapshot(half, three()), settings({ strategy: "restart", maxRotations: "3" }));
    assert.deepEqual(twoAtOnce.decision, { kind: "restart", expectedGeneration: 3, batches: 2 });
  });

  it("a restart that would replace more than --max-rotations is skipped, as strategy restart", () => {
    const step = start(snapshot(deployment(), three()), settings({ strategy: "restart", maxRotations: "2" }));
    assert.deepEqual(step.decision, {
      kind: "stop",
      result: "skipped",
      reason:
        "a restart replaces all 3 pods, more than --max-rotations 2; use --strategy evict or raise --max-rotations",
    });
    assert.equal(step.progress.strategy, "restart");
    assert.equal(step.progress.plan, undefined);
  });

  it("a dry run of a restart lists every pod", () => {
    const step = start(
      snapshot(deployment(), three()),
      settings({ strategy: "restart", maxRotations: "3", dryRun: true }),
    );
    assert.deepEqual(step.decision, {
      kind: "stop",
      result: "dry-run",
      reason: "would restart 3 pod(s): a, b, c",
      wouldBe: "rotated",
    });
  });
});

describe("decide: before each eviction (room for one more)", () => {
  const s = settings();
  const planned = start(snapshot(deployment(), three()), s).progress;
  const at = (minutes: number) => T0 + minutes * MIN;
  const notReadyB = () => [
    pod("a", { ageMs: 30 * HOUR }),
    pod("b", { ageMs: 29 * HOUR, ready: false }),
    pod("c", { ageMs: 2 * HOUR }),
  ];
  const rollout: Deployment = {
    ...deployment(),
    spec: { ...deployment().spec, template: { metadata: { labels: { version: "2" } } } },
  };

  const cases: [string, Snapshot, RecyclerSettings, Decision][] = [
    [
      "below capacity: wait for it, bounded by --ready-timeout from when the wait began",
      snapshot(deployment(), notReadyB(), [pdb(1)], at(1)),
      s,
      { kind: "wait", for: "only 2 of 3 pods are Ready (not Ready: b)", until: at(10) },
    ],
    [
      "below capacity until the bound: failed",
      snapshot(deployment(), notReadyB(), [pdb(1)], at(10)),
      s,
      {
        kind: "stop",
        result: "failed",
        reason: "capacity not restored within 10m: only 2 of 3 pods are Ready (not Ready: b)",
      },
    ],
    [
      "a pod not yet available: wake when it becomes available",
      snapshot(
        withMinReady(deployment(), 60),
        [pod("a", { ageMs: 30 * HOUR }), pod("b", { ageMs: 29 * HOUR }), readySince("c", 50_000, 50_000)],
        [pdb(1)],
        at(0),
      ),
      s,
      {
        kind: "wait",
        for: "only 2 of 3 pods are available (Ready for minReadySeconds 60s, as the Deployment counts them)",
        until: at(10),
        wakeAt: T0 + 10_000,
      },
    ],
    [
      "the budget allows none: wait for it",
      snapshot(deployment(), three(), [pdb(0)], at(3)),
      s,
      {
        kind: "wait",
        for: "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)",
        until: at(10),
      },
    ],
    [
      "the budget allows none until the bound: blocked",
      snapshot(deployment(), three(), [pdb(0)], at(10)),
      s,
      {
        kind: "stop",
        result: "blocked",
        reason: "PodDisruptionBudget web allows no disruption (3 healthy, 3 required) for 10m",
      },
    ],
    [
      "a stale budget until the bound: blocked",
      snapshot(deployment(), three(), [pdb(1, { generation: 2, observed: 1 })], at(11)),
      s,
      {
        kind: "stop",
        result: "blocked",
        reason:
          "PodDisruptionBudget web status is stale (observedGeneration 1 < generation 2): the disruption controller has not processed it yet for 10m",
      },
    ],
    [
      "two budgets: failed at once",
      snapshot(deployment(), three(), [pdb(1, { name: "x" }), pdb(1, { name: "y" })], at(1)),
      s,
      {
        kind: "stop",
        result: "failed",
        reason:
          "pods of Deployment web are covered by 2 PodDisruptionBudgets (x, y); the Eviction API refuses to evict such pods. Keep one PodDisruptionBudget per app",
      },
    ],
    [
      "the window closed meanwhile",
      snapshot(deployment(), three(), [pdb(1)], T0 + HOUR + MIN),
      settings({ window: ["Mon 09:00-11:00"] }),
      {
        kind: "stop",
        result: "skipped",
        reason: "outside the allowed windows (Mon 09:00-11:00) in Etc/UTC: the window closed during the run",
      },
    ],
    [
      "the Deployment deleted",
      snapshot(undefined, three(), [pdb(1)], at(1)),
      s,
      { kind: "stop", result: "failed", reason: "Deployment web was deleted during the run" },
    ],
    [
      "a rollout started",
      snapshot(rollout, three(), [pdb(1)], at(1)),
      s,
      {
        kind: "stop",
        result: "skipped",
        reason: "a rollout of Deployment web started during the run; stopping",
      },
    ],
  ];
  for (const [name, snap, st, decision] of cases) {
    it(name, () => {
      assert.deepEqual(decide(snap, planned, st).decision, decision);
    });
  }

  it("after a rotation, a rollout or a closed window still reports rotated, with why it stopped", () => {
    const rotated: Progress = {
      ...planned,
      rotations: [{ pod: "x", uid: "uid-x", age: "2d", evictedAt: iso(T0) }],
    };
    assert.deepEqual(decide(snapshot(rollout, three(), [pdb(1)], at(1)), rotated, s).decision, {
      kind: "stop",
      result: "rotated",
      reason: "rotated x; then stopped: a rollout of Deployment web started during the run; stopping",
    });
    assert.deepEqual(decide(snapshot(undefined, three(), [pdb(1)], at(1)), rotated, s).decision, {
      kind: "stop",
      result: "failed",
      reason: "Deployment web was deleted during the run (after rotating x)",
    });
  });

  it("a target that is no longer the pod examined is left alone and the next planned pod is taken", () => {
    const s2 = settings({ maxRotations: "2" });
    const two = start(snapshot(deployment(), three()), s2).progress;
    const namesake = pod("a", { ageMs: 30 * HOUR, uid: "uid-a-2" });
    const step = decide(snapshot(deployment(), [namesake, ...three().slice(1)], [pdb(1)], at(1)), two, s2);
    assert.equal(evictOf(step).target.pod, "b");
    assert.deepEqual([...step.progress.handled], ["uid-a"]);
    assert.deepEqual(step.progress.stage, { kind: "make-room", target: evictOf(step).target, since: at(1) });
  });

  it("ends when --max-rotations is reached or no planned pod is left", () => {
    assert.deepEqual(
      decide(snapshot(deployment(), three()), { ...planned, stage: { kind: "choose" }, attempted: 1 }, s)
        .decision,
      { kind: "stop", result: "nothing-to-do", reason: "no pod was due when it came to evicting" },
    );
    const deferredOnce: Progress = {
      ...planned,
      stage: { kind: "choose" },
      handled: new Set(["uid-a"]),
      lastDeferral: "the eviction of a was not sent again: the window closed",
    };
    assert.deepEqual(decide(snapshot(deployment(), three()), deferredOnce, s).decision, {
      kind: "stop",
      result: "skipped",
      reason: "the eviction of a was not sent again: the window closed",
    });
  });
});

describe("afterEviction: what an eviction's outcome means for the run", () => {
  const s = settings();
  const first = start(snapshot(deployment(), three()), s);
  const evict = evictOf(first);
  const replace = (counted: boolean) => ({ ...evict, kind: "replace", evictedAt: T0, counted });
  const cases: [
    string,
    EvictOutcome,
    Partial<Pick<Progress, "attempted" | "deferrals" | "lastDeferral">> & {
      stage?: unknown;
      handled?: string[];
    },
    string | undefined,
    Decision | undefined,
  ][] = [
    [
      "evicted: wait for the replacement",
      { kind: "evicted" },
      { attempted: 1, stage: replace(true), handled: ["uid-a"] },
      "pod evicted",
      undefined,
    ],
    [
      "already gone: not counted, next pod",
      { kind: "gone", uncertain: false },
      { attempted: 0, stage: { kind: "choose" }, handled: ["uid-a"] },
      "pod already gone",
      undefined,
    ],
    [
      "gone after an unanswered eviction: counted, wait for capacity, never a rotation",
      { kind: "gone", uncertain: true },
      { attempted: 1, stage: replace(false), handled: ["uid-a"] },
      "pod gone after an unanswered eviction; not counted as rotated",
      undefined,
    ],
    [
      "refused by the budget: blocked",
      { kind: "blocked", reason: "The disruption budget web needs 3 healthy pods and has 3 currently" },
      { attempted: 0, handled: ["uid-a"] },
      "eviction refused by the PodDisruptionBudget",
      {
        kind: "stop",
        result: "blocked",
        reason: "eviction of a refused: The disruption budget web needs 3 healthy pods and has 3 currently",
      },
    ],
    [
      "failed after unanswered attempts: counted, failed",
      { kind: "failed", reason: "eviction of a kept failing after 6 attempts: boom", uncertain: true },
      { attempted: 1, handled: ["uid-a"] },
      undefined,
      { kind: "stop", result: "failed", reason: "eviction of a kept failing after 6 attempts: boom" },
    ],
    [
      "failed with an answer: not counted",
      { kind: "failed", reason: "eviction of a failed: forbidden", uncertain: false },
      { attempted: 0, handled: ["uid-a"] },
      undefined,
      { kind: "stop", result: "failed", reason: "eviction of a failed: forbidden" },
    ],
    [
      "deferred after an answered refusal: decide again, the pod stays a candidate",
      { kind: "deferred", reason: "the window closed", uncertain: false },
      {
        attempted: 0,
        deferrals: 1,
        lastDeferral: "the eviction of a was not sent again: the window closed",
        stage: { kind: "choose" },
        handled: [],
      },
      "eviction deferred: no longer safe",
      undefined,
    ],
    [
      "deferred after an unanswered attempt: counted and the pod left alone",
      { kind: "deferred", reason: "only 2 of 3 pods are Ready (not Ready: b)", uncertain: true },
      {
        attempted: 1,
        deferrals: 1,
        lastDeferral: "the eviction of a was not sent again: only 2 of 3 pods are Ready (not Ready: b)",
        stage: { kind: "choose" },
        handled: ["uid-a"],
      },
      "eviction deferred: no longer safe",
      undefined,
    ],
    [
      "the Lease lost while retrying",
      {
        kind: "lost",
        reason: "lost Lease web-recycler to another run; stopped before changing anything else",
      },
      { attempted: 0, handled: [] },
      undefined,
      {
        kind: "stop",
        result: "failed",
        reason: "lost Lease web-recycler to another run; stopped before changing anything else",
      },
    ],
  ];
  for (const [name, outcome, expected, note, stop] of cases) {
    it(name, () => {
      const moved = afterEviction(first.progress, evict, outcome, T0);
      const { handled, ...rest } = expected;
      for (const [key, value] of Object.entries(rest)) {
        assert.deepEqual(moved.progress[key as keyof Progress], value, key);
      }
      if (handled) assert.deepEqual([...moved.progress.handled], handled);
      assert.deepEqual(
        moved.notes.map((n) => n.msg),
        note ? [note] : [],
      );
      assert.deepEqual(moved.stop, stop);
    });
  }

  it("gives up after more than 10 deferrals", () => {
    const moved = afterEviction(
      { ...first.progress, deferrals: 10 },
      evict,
      { kind: "deferred", reason: "the window closed", uncertain: false },
      T0,
    );
    assert.deepEqual(moved.stop, {
      kind: "stop",
      result: "failed",
      reason: "eviction of a kept being deferred: the window closed",
    });
  });
});

describe("recheckEviction: may a retried eviction be sent again?", () => {
  const s = settings();
  const target = evictOf(start(snapshot(deployment(), three()), s)).target;
  const cases: [string, Snapshot, RecyclerSettings, ReturnType<typeof recheckEviction>][] = [
    ["still safe", snapshot(deployment(), three()), s, { kind: "send" }],
    ["the pod is gone", snapshot(deployment(), three().slice(1)), s, { kind: "gone" }],
    [
      "a namesake replaced it",
      snapshot(deployment(), [pod("a", { ageMs: HOUR, uid: "new" }), ...three().slice(1)]),
      s,
      { kind: "gone" },
    ],
    [
      "it is terminating",
      snapshot(deployment(), [pod("a", { ageMs: 30 * HOUR, terminating: true }), ...three().slice(1)]),
      s,
      { kind: "gone" },
    ],
    [
      "another pod went unready",
      snapshot(deployment(), [three()[0], pod("b", { ageMs: HOUR, ready: false }), three()[2]]),
      s,
      { kind: "unsafe", reason: "only 2 of 3 pods are Ready (not Ready: b)" },
    ],
    [
      "the budget allows none now",
      snapshot(deployment(), three(), [pdb(0)]),
      s,
      { kind: "unsafe", reason: "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)" },
    ],
    [
      "the Deployment is gone",
      snapshot(undefined, three()),
      s,
      { kind: "unsafe", reason: "Deployment web is gone" },
    ],
    [
      "the window closed",
      snapshot(deployment(), three(), [pdb(1)], T0 + 2 * HOUR),
      settings({ window: ["Mon 09:00-11:00"] }),
      { kind: "unsafe", reason: "the window closed" },
    ],
  ];
  for (const [name, snap, st, expected] of cases) {
    it(name, () => assert.deepEqual(recheckEviction(snap, target, st), expected));
  }
});

describe("decide: after an eviction (the replacement)", () => {
  const s = settings();
  const first = start(snapshot(deployment(), three()), s);
  const evict = evictOf(first);
  const evicted = afterEviction(first.progress, evict, { kind: "evicted" }, T0).progress;
  const rest = () => three().slice(1);
  const fresh = (ready: boolean, now: number) => pod("d", { ageMs: now - T0, now, ready });
  const until = T0 + 10 * MIN;

  const waits: [string, Snapshot, string, number | undefined][] = [
    [
      "the evicted pod is still running",
      snapshot(deployment(), three(), [pdb(1)], T0 + 1000),
      "a is still running",
      undefined,
    ],
    [
      "the evicted pod is terminating",
      snapshot(
        deployment(),
        [pod("a", { ageMs: 30 * HOUR, terminating: true }), ...rest()],
        [pdb(1)],
        T0 + 1000,
      ),
      "a is still terminating",
      undefined,
    ],
    [
      "no replacement yet",
      snapshot(deployment(), rest(), [pdb(1)], T0 + 5000),
      "no replacement pod was created",
      undefined,
    ],
    [
      "the replacement is not Ready",
      snapshot(deployment(), [...rest(), fresh(false, T0 + 5000)], [pdb(1)], T0 + 5000),
      "replacement d is not Ready",
      undefined,
    ],
    [
      "the replacement is Ready but not yet available",
      snapshot(
        withMinReady(deployment(), 60),
        [...rest(), readySince("d", 10_000, 10_000, T0 + 10_000)],
        [pdb(1)],
        T0 + 10_000,
      ),
      "replacement d is Ready, but only 2 of 3 pods are available (Ready for minReadySeconds 60s, as the Deployment counts them)",
      T0 + 60_000,
    ],
  ];
  for (const [name, snap, reason, wakeAt] of waits) {
    it(`waits: ${name}`, () => {
      const step = decide(snap, evicted, s);
      assert.deepEqual(step.decision, { kind: "wait", for: reason, until, ...(wakeAt ? { wakeAt } : {}) });
      assert.equal(step.progress, evicted);
    });
  }

  it("a Ready replacement at full capacity is a rotation: report it, then the run ends", () => {
    const snap = snapshot(deployment(), [...rest(), fresh(true, T0 + 30_000)], [pdb(1)], T0 + 30_000);
    const step = decide(snap, evicted, s);
    assert.deepEqual(step.decision, {
      kind: "report",
      message: "Evicted pod a (age 1d6h); replacement d Ready after 30s",
    });
    assert.deepEqual(step.progress.rotations, [
      {
        pod: "a",
        uid: "uid-a",
        age: "1d6h",
        evictedAt: iso(T0),
        replacement: "d",
        readyAt: iso(T0 + 30_000),
        tookMs: 30_000,
      },
    ]);
    assert.deepEqual(step.notes, [
      { level: "info", msg: "pod rotated", fields: { pod: "a", replacement: "d", tookMs: 30_000 } },
    ]);
    assert.deepEqual(decide(snap, step.progress, s).decision, {
      kind: "stop",
      result: "rotated",
      reason: "rotated 1 pod(s): a; 1 more due, left for later runs",
    });
  });

  it("after a scale-down no replacement is due: full capacity is enough", () => {
    const step = decide(snapshot(deployment({ replicas: 2 }), rest(), [pdb(1)], T0 + 8000), evicted, s);
    assert.deepEqual(step.decision, { kind: "report", message: "Evicted pod a (age 1d6h)" });
    assert.equal(step.progress.rotations[0]?.replacement, undefined);
  });

  it("no replacement within --ready-timeout: failed, and the eviction still counts as a rotation", () => {
    const step = decide(snapshot(deployment(), rest(), [pdb(1)], until), evicted, s);
    assert.deepEqual(step.decision, {
      kind: "stop",
      result: "failed",
      reason:
        "evicted a but its replacement did not become available within 10m: no replacement pod was created",
    });
    assert.deepEqual(step.progress.rotations, [{ pod: "a", uid: "uid-a", age: "1d6h", evictedAt: iso(T0) }]);
  });

  it("a rollout while waiting: rotated, with why it stopped", () => {
    const d = deployment();
    const rollout: Deployment = { ...d, spec: { ...d.spec, template: { metadata: { labels: { v: "2" } } } } };
    assert.deepEqual(decide(snapshot(rollout, rest(), [pdb(1)], T0 + 1000), evicted, s).decision, {
      kind: "stop",
      result: "rotated",
      reason: "rotated a; then stopped: a rollout of Deployment web started during the run; stopping",
    });
  });

  it("a pod gone after an unanswered eviction is waited for but never reported", () => {
    const gone = afterEviction(first.progress, evict, { kind: "gone", uncertain: true }, T0).progress;
    const step = decide(
      snapshot(deployment(), [...rest(), fresh(true, T0 + 9000)], [pdb(1)], T0 + 9000),
      gone,
      s,
    );
    assert.deepEqual(step.decision, {
      kind: "stop",
      result: "nothing-to-do",
      reason: "no pod was due when it came to evicting",
    });
    assert.deepEqual(step.progress.rotations, []);
  });
});

describe("decide: a restart", () => {
  const s = settings();
  const single = deployment({ replicas: 1 });
  const first = start(snapshot(single, [pod("a", { ageMs: 30 * HOUR })]), s);
  const restart = first.decision as Extract<Decision, { kind: "restart" }>;
  const patched = afterRestart(first.progress, restart, undefined, T0, s);
  const observed = deployment({ replicas: 1, generation: 3 });
  const at = (ms: number, d: Deployment | undefined) =>
    snapshot(d, [pod("x", { ageMs: ms, now: T0 + ms })], [], T0 + ms);

  it("waits for the generation the patch returned, else the next one, bounded per surge batch", () => {
    assert.deepEqual(patched.stage, {
      kind: "restart",
      generation: 3,
      startedAt: T0,
      deadline: T0 + 10 * MIN,
    });
    const fromPatch = afterRestart(
      first.progress,
      { ...restart, batches: 3 },
      deployment({ generation: 7 }),
      T0,
      s,
    );
    assert.deepEqual(fromPatch.stage, {
      kind: "restart",
      generation: 7,
      startedAt: T0,
      deadline: T0 + 30 * MIN,
    });
  });

  const cases: [string, Snapshot, Decision][] = [
    [
      "not observed yet",
      at(1000, single),
      { kind: "wait", for: "the restart is not observed yet", until: T0 + 10 * MIN },
    ],
    [
      "still rolling",
      at(1000, { ...observed, status: { ...observed.status, updatedReplicas: 0 } }),
      {
        kind: "wait",
        for: "Deployment web is mid-rollout: 0 of 1 replicas updated, 1 in total",
        until: T0 + 10 * MIN,
      },
    ],
    [
      "stuck",
      at(5000, {
        ...observed,
        status: {
          ...observed.status,
          conditions: [
            { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: "too slow" },
          ],
        },
      }),
      {
        kind: "stop",
        result: "failed",
        reason:
          "the restart of Deployment web got stuck: Deployment web is stuck: its rollout exceeded its progress deadline (ProgressDeadlineExceeded: too slow); fix the rollout first",
      },
    ],
    [
      "not finished in time",
      at(10 * MIN, single),
      {
        kind: "stop",
        result: "failed",
        reason: "the restart of Deployment web did not finish within 10m: the restart is not observed yet",
      },
    ],
    [
      "the Deployment deleted",
      at(1000, undefined),
      { kind: "stop", result: "failed", reason: "Deployment web was deleted during the restart" },
    ],
  ];
  for (const [name, snap, decision] of cases) {
    it(name, () => assert.deepEqual(decide(snap, patched, s).decision, decision));
  }

  it("finished: every planned pod is a rotation; report, then stop rotated", () => {
    const step = decide(at(45_000, observed), patched, s);
    assert.deepEqual(step.decision, {
      kind: "report",
      message: "Restarted Deployment web (surge first): replaced a in 45s",
    });
    assert.deepEqual(step.progress.rotations, [
      { pod: "a", uid: "uid-a", age: "1d6h", evictedAt: iso(T0), readyAt: iso(T0 + 45_000), tookMs: 45_000 },
    ]);
    assert.deepEqual(step.notes, [
      { level: "info", msg: "restart finished", fields: { pods: "a", tookMs: 45_000 } },
    ]);
    assert.deepEqual(decide(at(45_000, undefined), step.progress, s).decision, {
      kind: "stop",
      result: "rotated",
      reason: "restarted Deployment web: replaced a",
    });
  });
});
