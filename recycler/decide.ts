/**
 * What a run does next, as one pure function: from a snapshot of what the watches hold (Deployment, ReplicaSets,
 * pods, PodDisruptionBudgets, `now`) and the run's progress so far, {@link decide} returns the next step: evict a
 * pod, restart the Deployment, report a finished rotation, wait (for what, until when, with a wake hint) or stop
 * (result and reason), together with the progress that step implies and the log lines it asks for. No I/O and no
 * clock here, so every decision is a table row in `test/recycler/decide.test.ts`; `./run.ts` observes, calls this,
 * acts through `./effects/` and waits. The outcome of an eviction or a restart comes back through
 * {@link afterEviction} and {@link afterRestart}.
 */
import { formatDuration } from "../contract/duration";
import { DEFAULT_ROLLING_UPDATE, scaleIntOrPercent } from "../contract/int-or-percent";
import {
  currentReplicaSet,
  deploymentPods,
  dueCandidates,
  limitPlan,
  podOfReplicaSet,
  rolloutProblem,
  shortfall,
  capacity,
  type PlanStep,
  type Self,
} from "./plan";
import {
  DEPLOYMENT_CHECKS,
  EVICT_CHECKS,
  firstHalt,
  outsideWindows,
  POD_CHECKS,
  RESTART_CHECKS,
  type Halt,
  type PodFacts,
} from "./preflight";
import type { LogLevel, RecyclerResult, Rotation } from "./report";
import { noRoomReason, roomForOne } from "./room";
import type { RecyclerSettings, Strategy } from "./settings";
import {
  parseTime,
  podIsReady,
  podIsTerminating,
  type Deployment,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
} from "./types";
import { inWindows } from "../contract/window";

/** What the run observed at one instant. */
export interface Snapshot {
  readonly deployment: Deployment | undefined;
  readonly replicaSets: readonly ReplicaSet[];
  /** The Deployment's pods (by the selector), by name. */
  readonly pods: ReadonlyMap<string, Pod>;
  readonly pdbs: readonly PodDisruptionBudget[];
  readonly now: number;
}

/** Where the run is between two decisions. */
export type Stage =
  /** Nothing decided yet: the preflight on the pods, then the plan. */
  | { readonly kind: "start" }
  /** Pick the next planned pod. */
  | { readonly kind: "choose" }
  /** Wait, from `since` for at most `--ready-timeout`, until one more disruption keeps capacity. */
  | { readonly kind: "make-room"; readonly target: PlanStep; readonly since: number }
  /** `target` was evicted (or is gone): wait, bounded by `--ready-timeout`, for a replacement and full capacity. */
  | {
      readonly kind: "replace";
      readonly target: PlanStep;
      /** UIDs of the pods that existed when the eviction was sent. */
      readonly before: ReadonlySet<string>;
      /** `spec.replicas` when the eviction was sent: a replacement is due unless it went down since. */
      readonly desiredBefore: number;
      readonly evictedAt: number;
      /** Whether the eviction was answered (it becomes a rotation); false for a pod gone after an unanswered one. */
      readonly counted: boolean;
    }
  /** The restart was patched: wait until `deadline` for its rollout to finish. */
  | {
      readonly kind: "restart";
      readonly generation: number;
      readonly startedAt: number;
      readonly deadline: number;
    }
  /** Everything was done and reported; only the stop is left. */
  | { readonly kind: "done"; readonly result: RecyclerResult; readonly reason: string };

/** How far the run has come. */
export interface Progress {
  readonly stage: Stage;
  readonly strategy: Strategy;
  /** The pods the run rotates (real run) or would rotate (dry run), once planned. */
  readonly plan?: readonly PlanStep[];
  /** Due pods beyond --max-rotations. */
  readonly deferred?: number;
  /** The pod template the run works against: a change means someone started a rollout (scaling does not). */
  readonly template: string;
  /** UIDs already dealt with: evicted, gone, refused or no longer what was examined. */
  readonly handled: ReadonlySet<string>;
  /** Evictions that counted against --max-rotations (answered, or unanswered and maybe carried out). */
  readonly attempted: number;
  readonly deferrals: number;
  readonly lastDeferral?: string;
  readonly rotations: readonly Rotation[];
}

/** A log line a decision asks for. */
export interface Note {
  readonly level: LogLevel;
  readonly msg: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

/** The end of a run: its result and why. A dry run says what a real run would have concluded (`wouldBe`). */
export interface Stop {
  readonly kind: "stop";
  readonly result: RecyclerResult;
  readonly reason: string;
  readonly wouldBe?: RecyclerResult;
}

export interface Wait {
  readonly kind: "wait";
  /** What the run waits for, as the reason it would give if the wait timed out now. */
  readonly for: string;
  /** The wait's bound; decide stops the run when it has passed. */
  readonly until: number;
  /** The earliest time the answer can change without a watch event (a pod becoming available). */
  readonly wakeAt?: number;
}

export type Decision =
  /** Send one eviction for `target` (UID precondition); `before`/`desiredBefore` go back to {@link afterEviction}. */
  | {
      readonly kind: "evict";
      readonly target: PlanStep;
      readonly before: ReadonlySet<string>;
      readonly desiredBefore: number;
    }
  /** Patch the restart annotation; `expectedGeneration` and `batches` go back to {@link afterRestart}. */
  | { readonly kind: "restart"; readonly expectedGeneration: number; readonly batches: number }
  /** A rotation finished: record a `PodRotated` Event with `message`, then decide again. */
  | { readonly kind: "report"; readonly message: string }
  | Wait
  | Stop;

export interface Step {
  readonly progress: Progress;
  readonly decision: Decision;
  readonly notes: readonly Note[];
}

/** What an eviction request came to (`./effects/evict.ts`). */
export type EvictOutcome =
  | { readonly kind: "evicted" }
  /** Not sent again after a failed attempt because it was no longer safe; decide again. */
  | { readonly kind: "deferred"; readonly reason: string; readonly uncertain: boolean }
  | { readonly kind: "blocked"; readonly reason: string }
  | { readonly kind: "gone"; readonly uncertain: boolean }
  | { readonly kind: "failed"; readonly reason: string; readonly uncertain: boolean }
  /** The Lease was lost while retrying: stop before changing anything else. */
  | { readonly kind: "lost"; readonly reason: string };

/** Whether a retried eviction may be sent again, judged after its backoff. */
export type Recheck =
  | { readonly kind: "send" }
  | { readonly kind: "gone" }
  | { readonly kind: "unsafe"; readonly reason: string };

type Settings = Pick<
  RecyclerSettings,
  | "deployment"
  | "maxAgeMs"
  | "jitterMs"
  | "maxRotations"
  | "windows"
  | "timeZone"
  | "strategy"
  | "readyTimeoutMs"
  | "dryRun"
>;

/** The progress of a run that has decided nothing yet. */
export function initialProgress(settings: Pick<RecyclerSettings, "strategy">): Progress {
  return {
    stage: { kind: "start" },
    strategy: settings.strategy,
    template: "",
    handled: new Set(),
    attempted: 0,
    deferrals: 0,
    rotations: [],
  };
}

/** The pod template as a comparable string: it changes with a rollout, not with scaling. */
export function templateKey(d: Deployment | undefined): string {
  return JSON.stringify(d?.spec?.template ?? {});
}

const stop = (result: RecyclerResult, reason: string): Stop => ({ kind: "stop", result, reason });

/** What one decision works with; `notes` collects the log lines it asks for. */
interface Ctx {
  readonly snapshot: Snapshot;
  readonly settings: Settings;
  readonly self: Self | undefined;
  readonly notes: Note[];
}

const step = (ctx: Pick<Ctx, "notes">, progress: Progress, decision: Decision): Step => ({
  progress,
  decision,
  notes: ctx.notes,
});

/**
 * A stop before anything was changed. A dry run reports it as what a real run would conclude, with the plan so
 * far (empty when none). `plan` is the plan to report for a real run too (an empty one when nothing is due).
 */
export function halted(
  progress: Progress,
  settings: Pick<RecyclerSettings, "dryRun">,
  halt: Halt,
  plan?: readonly PlanStep[],
  notes: Note[] = [],
): Step {
  const p = plan ? { ...progress, plan } : progress;
  return settings.dryRun
    ? step({ notes }, { ...p, plan: p.plan ?? [] }, { ...stop("dry-run", halt.reason), wouldBe: halt.result })
    : step({ notes }, p, stop(halt.result, halt.reason));
}

/** The preflight on the Deployment alone, before anything else is read: a stop, or undefined to go on. */
export function checkDeployment(
  progress: Progress,
  deployment: Deployment,
  settings: Settings,
  now: number,
): Step | undefined {
  const halt = firstHalt(DEPLOYMENT_CHECKS, { deployment, settings, now });
  return halt ? halted(progress, settings, halt) : undefined;
}

/**
 * Stops after some rotations: a run that rotated a pod reports `rotated` when it then had to skip the rest (a
 * rollout, the window closing); a refusal or a failure stays what it is. `current` is the pod the reason is about,
 * not repeated in "after rotating".
 */
function stopMidRun(
  ctx: Pick<Ctx, "notes">,
  progress: Progress,
  result: RecyclerResult,
  reason: string,
  current?: string,
): Step {
  const all = progress.rotations.map((r) => r.pod);
  if (all.length > 0 && result === "skipped") {
    return step(ctx, progress, stop("rotated", `rotated ${all.join(", ")}; then stopped: ${reason}`));
  }
  const names = all.filter((p) => p !== current).join(", ");
  return step(ctx, progress, stop(result, names ? `${reason} (after rotating ${names})` : reason));
}

/** Decides the next step of a run from what it observed now and how far it has come. */
export function decide(snapshot: Snapshot, progress: Progress, settings: Settings, self?: Self): Step {
  const ctx: Ctx = { snapshot, settings, self, notes: [] };
  const stage = progress.stage;
  switch (stage.kind) {
    case "start":
      return start(ctx, progress);
    case "choose":
      return choose(ctx, progress);
    case "make-room":
      return makeRoom(ctx, progress, stage);
    case "replace":
      return replace(ctx, progress, stage);
    case "restart":
      return restarting(ctx, progress, stage);
    case "done":
      return step(ctx, progress, stop(stage.result, stage.reason));
  }
}

/** The facts the pod checks look at, computed once. */
export function podFacts(
  deployment: Deployment,
  snapshot: Snapshot,
  settings: Pick<RecyclerSettings, "maxAgeMs" | "jitterMs" | "maxRotations">,
  self?: Self,
): PodFacts {
  const { replicaSets, pdbs, now } = snapshot;
  const pods = [...snapshot.pods.values()];
  return {
    deployment,
    replicaSets,
    pods,
    pdbs,
    settings,
    ...(self ? { self } : {}),
    current: currentReplicaSet(deployment, replicaSets),
    room: roomForOne(deployment, replicaSets, pods, pdbs, now),
    due: dueCandidates(deployment, replicaSets, pods, { now, ...settings, ...(self ? { self } : {}) }),
    live: deploymentPods(deployment, replicaSets, pods).filter((p) => !podIsTerminating(p)),
  };
}

function deletedDuringRun(settings: Settings): string {
  return `Deployment ${settings.deployment} was deleted during the run`;
}

function start(ctx: Ctx, progress: Progress): Step {
  const { snapshot, settings, notes } = ctx;
  const d = snapshot.deployment;
  if (!d) return halted(progress, settings, { result: "failed", reason: deletedDuringRun(settings) });
  const facts = podFacts(d, snapshot, settings, ctx.self);
  const halt = firstHalt(POD_CHECKS, facts);
  if (halt) return halted(progress, settings, halt, halt.check === "something-due" ? [] : undefined);

  const single = facts.room.capacity.desired === 1;
  if (single || settings.strategy === "restart") {
    if (single && settings.strategy === "evict") {
      notes.push({
        level: "info",
        msg: "single replica: restarting with a surge instead of evicting (eviction would be downtime)",
      });
    }
    const restart: Progress = { ...progress, strategy: "restart" };
    const refused = firstHalt(RESTART_CHECKS, facts);
    if (refused) return halted(restart, settings, refused, undefined, notes);
    const plan = restartPlan(facts.due, facts.live, snapshot.now);
    const planned: Progress = { ...restart, plan, deferred: 0 };
    if (settings.dryRun) return halted(planned, settings, describePlan(planned, settings), undefined, notes);
    const surge = Math.max(
      1,
      scaleIntOrPercent(
        d.spec?.strategy?.rollingUpdate?.maxSurge ?? DEFAULT_ROLLING_UPDATE,
        plan.length,
        true,
      ) ?? 1,
    );
    return step(ctx, planned, {
      kind: "restart",
      expectedGeneration: (d.metadata?.generation ?? 0) + 1,
      batches: Math.max(1, Math.ceil(plan.length / surge)),
    });
  }

  const refused = firstHalt(EVICT_CHECKS, facts);
  if (refused) return halted(progress, settings, refused);
  if (facts.room.kind === "free" && facts.room.verdict.kind === "none") {
    notes.push({
      level: "warn",
      msg: `no PodDisruptionBudget covers Deployment ${settings.deployment}: rotating one pod at a time on readiness alone`,
    });
  }
  const { plan, deferred } = limitPlan(facts.due, settings.maxRotations);
  for (const { pod, order, age, deadline, overdue } of plan) {
    notes.push({
      level: "info",
      msg: settings.dryRun ? "would evict" : "planned",
      fields: { pod, order, age, deadline, overdue },
    });
  }
  const planned: Progress = { ...progress, plan, deferred };
  if (settings.dryRun) return halted(planned, settings, describePlan(planned, settings), undefined, notes);
  return choose(ctx, { ...planned, stage: { kind: "choose" }, template: templateKey(d) });
}

/** A restart replaces every pod: the plan lists the due ones first, then the rest by age. */
export function restartPlan(due: readonly PlanStep[], live: readonly Pod[], now: number): PlanStep[] {
  const dueNames = new Set(due.map((p) => p.pod));
  const rest = live
    .filter((p) => !dueNames.has(p.metadata?.name ?? ""))
    .sort((a, b) => parseTime(a.metadata?.creationTimestamp) - parseTime(b.metadata?.creationTimestamp))
    .map((p, i): PlanStep => {
      const created = parseTime(p.metadata?.creationTimestamp);
      return {
        order: due.length + i + 1,
        pod: p.metadata?.name ?? "",
        uid: p.metadata?.uid ?? "",
        replicaSet: "",
        createdAt: new Date(created).toISOString(),
        age: formatDuration(now - created),
        ageMs: now - created,
        jitter: "0s",
        deadline: "",
        deadlineMs: Number.NaN,
        overdue: "0s",
      };
    });
  return [...due, ...rest];
}

/** What a dry run says it would do. */
function describePlan(progress: Progress, settings: Pick<RecyclerSettings, "maxRotations">): Halt {
  const plan = progress.plan ?? [];
  const verb = progress.strategy === "restart" ? "restart" : "evict";
  const left = progress.deferred
    ? `; ${progress.deferred} more due, left for later runs (--max-rotations ${settings.maxRotations})`
    : "";
  return {
    result: "rotated",
    reason: `would ${verb} ${plan.length} pod(s): ${plan.map((p) => p.pod).join(", ")}${left}`,
  };
}

/** The Deployment to go on with, or what stops an eviction run at any point: it was deleted, or a rollout started. */
function steady(ctx: Ctx, progress: Progress): Deployment | Halt {
  const d = ctx.snapshot.deployment;
  if (!d) return { result: "failed", reason: deletedDuringRun(ctx.settings) };
  if (templateKey(d) !== progress.template) {
    return {
      result: "skipped",
      reason: `a rollout of Deployment ${ctx.settings.deployment} started during the run; stopping`,
    };
  }
  return d;
}

function choose(ctx: Ctx, progress: Progress): Step {
  const { snapshot, settings, self } = ctx;
  if (progress.attempted >= settings.maxRotations) return finished(ctx, progress);
  const d = steady(ctx, progress);
  if ("result" in d) return stopMidRun(ctx, progress, d.result, d.reason);
  const due = dueCandidates(d, snapshot.replicaSets, snapshot.pods.values(), {
    now: snapshot.now,
    ...settings,
    exclude: progress.handled,
    ...(self ? { self } : {}),
  });
  // A run rotates the pods it planned, never the replacements it created (so a dry run's plan is the run's).
  const planned = new Set((progress.plan ?? []).map((p) => p.uid));
  const target = due.find((p) => planned.has(p.uid));
  if (!target) return finished(ctx, progress);
  const stage: Stage = { kind: "make-room", target, since: snapshot.now };
  return makeRoom(ctx, { ...progress, stage }, stage);
}

function makeRoom(ctx: Ctx, progress: Progress, stage: Extract<Stage, { kind: "make-room" }>): Step {
  const { snapshot, settings } = ctx;
  const d = steady(ctx, progress);
  if ("result" in d) return stopMidRun(ctx, progress, d.result, d.reason);
  const room = roomForOne(d, snapshot.replicaSets, snapshot.pods.values(), snapshot.pdbs, snapshot.now);
  if (room.kind === "budget" && room.verdict.kind === "multiple") {
    return stopMidRun(ctx, progress, "failed", room.verdict.reason);
  }
  const reason = noRoomReason(room);
  if (reason !== undefined) {
    const until = stage.since + settings.readyTimeoutMs;
    if (snapshot.now >= until) {
      const waited = formatDuration(settings.readyTimeoutMs);
      return room.kind === "budget"
        ? stopMidRun(ctx, progress, "blocked", `${reason} for ${waited}`)
        : stopMidRun(ctx, progress, "failed", `capacity not restored within ${waited}: ${reason}`);
    }
    return step(ctx, progress, wait(reason, until, room.capacity.nextAvailableAt));
  }
  if (!inWindows(snapshot.now, settings.timeZone, settings.windows)) {
    return stopMidRun(
      ctx,
      progress,
      "skipped",
      `${outsideWindows(settings)}: the window closed during the run`,
    );
  }
  // Look at the target again after the wait: it may have gone or changed meanwhile.
  const { target } = stage;
  const pod = snapshot.pods.get(target.pod);
  if (!pod || pod.metadata?.uid !== target.uid || !podIsReady(pod)) {
    return choose(ctx, {
      ...progress,
      handled: new Set(progress.handled).add(target.uid),
      stage: { kind: "choose" },
    });
  }
  const before = new Set([...snapshot.pods.values()].map((p) => p.metadata?.uid ?? ""));
  return step(ctx, progress, { kind: "evict", target, before, desiredBefore: d.spec?.replicas ?? 1 });
}

const wait = (reason: string, until: number, wakeAt: number | undefined): Wait => ({
  kind: "wait",
  for: reason,
  until,
  ...(wakeAt !== undefined ? { wakeAt } : {}),
});

/** The run's end after the last planned pod. */
function finished(ctx: Ctx, progress: Progress): Step {
  const n = progress.rotations.length;
  const remaining = progress.deferred ? `; ${progress.deferred} more due, left for later runs` : "";
  return step(
    ctx,
    progress,
    n > 0
      ? stop("rotated", `rotated ${n} pod(s): ${progress.rotations.map((r) => r.pod).join(", ")}${remaining}`)
      : progress.lastDeferral
        ? stop("skipped", progress.lastDeferral)
        : stop("nothing-to-do", "no pod was due when it came to evicting"),
  );
}

/** Where an act's outcome leaves the run: the progress to decide from next, or a stop. */
export interface Moved {
  readonly progress: Progress;
  readonly notes: readonly Note[];
  readonly stop?: Stop;
}

/** How an eviction's outcome moves the run on. */
export function afterEviction(
  progress: Progress,
  evict: Extract<Decision, { kind: "evict" }>,
  outcome: EvictOutcome,
  evictedAt: number,
): Moved {
  const { target } = evict;
  const { pod } = target;
  const notes: Note[] = [];
  const handled = new Set(progress.handled).add(target.uid);
  const ended = (s: Step): Moved => ({ progress: s.progress, notes, stop: s.decision as Stop });
  const replacing = (counted: boolean): Moved => ({
    progress: {
      ...progress,
      handled,
      attempted: progress.attempted + 1,
      stage: { ...evict, kind: "replace", evictedAt, counted },
    },
    notes,
  });
  switch (outcome.kind) {
    case "lost":
      return { progress, notes, stop: stop("failed", outcome.reason) };
    case "deferred": {
      // Capacity changed while the eviction was being retried (an HPA, a pod turning unready): decide again.
      // An unanswered attempt may still be carried out by the server: count it and leave that pod alone.
      notes.push({
        level: "warn",
        msg: "eviction deferred: no longer safe",
        fields: { pod, cause: outcome.reason },
      });
      const p: Progress = {
        ...progress,
        stage: { kind: "choose" },
        lastDeferral: `the eviction of ${pod} was not sent again: ${outcome.reason}`,
        deferrals: progress.deferrals + 1,
        ...(outcome.uncertain ? { attempted: progress.attempted + 1, handled } : {}),
      };
      if (p.deferrals > 10) {
        return ended(
          stopMidRun({ notes }, p, "failed", `eviction of ${pod} kept being deferred: ${outcome.reason}`),
        );
      }
      return { progress: p, notes };
    }
    case "blocked":
      notes.push({
        level: "warn",
        msg: "eviction refused by the PodDisruptionBudget",
        fields: { pod, cause: outcome.reason },
      });
      return ended(
        stopMidRun(
          { notes },
          { ...progress, handled },
          "blocked",
          `eviction of ${pod} refused: ${outcome.reason}`,
        ),
      );
    case "failed":
      return ended(
        stopMidRun(
          { notes },
          { ...progress, handled, attempted: progress.attempted + (outcome.uncertain ? 1 : 0) },
          "failed",
          outcome.reason,
        ),
      );
    case "gone":
      notes.push({
        level: "warn",
        msg: outcome.uncertain
          ? "pod gone after an unanswered eviction; not counted as rotated"
          : "pod already gone",
        fields: { pod },
      });
      return outcome.uncertain
        ? replacing(false)
        : { progress: { ...progress, handled, stage: { kind: "choose" } }, notes };
    case "evicted":
      notes.push({ level: "info", msg: "pod evicted", fields: { pod } });
      return replacing(true);
  }
}

/** Judges, after an eviction's backoff, whether sending it again is still safe (the one capacity rule again). */
export function recheckEviction(
  snapshot: Snapshot,
  target: PlanStep,
  settings: Pick<RecyclerSettings, "deployment" | "timeZone" | "windows">,
): Recheck {
  const pod = snapshot.pods.get(target.pod);
  if (!pod || pod.metadata?.uid !== target.uid || podIsTerminating(pod)) return { kind: "gone" };
  const d = snapshot.deployment;
  const reason = d
    ? noRoomReason(roomForOne(d, snapshot.replicaSets, snapshot.pods.values(), snapshot.pdbs, snapshot.now))
    : `Deployment ${settings.deployment} is gone`;
  if (reason !== undefined) return { kind: "unsafe", reason };
  return inWindows(snapshot.now, settings.timeZone, settings.windows)
    ? { kind: "send" }
    : { kind: "unsafe", reason: "the window closed" };
}

/** A pod rotated at `at` (evicted, or replaced by a restart), Ready again at `readyAt` when it was. */
function rotation(
  s: PlanStep,
  at: number,
  done?: { readonly readyAt: number; readonly replacement?: string | undefined },
): Rotation {
  return {
    pod: s.pod,
    uid: s.uid,
    age: formatDuration(at - parseTime(s.createdAt)),
    evictedAt: new Date(at).toISOString(),
    ...(done?.replacement ? { replacement: done.replacement } : {}),
    ...(done ? { readyAt: new Date(done.readyAt).toISOString(), tookMs: done.readyAt - at } : {}),
  };
}

function replace(ctx: Ctx, progress: Progress, stage: Extract<Stage, { kind: "replace" }>): Step {
  const { snapshot, settings } = ctx;
  const { target, evictedAt } = stage;
  const now = snapshot.now;
  // A rotation whose replacement never became Ready still happened; the result says the run failed.
  const fail = (result: RecyclerResult, reason: string): Step =>
    stopMidRun(
      ctx,
      stage.counted
        ? { ...progress, rotations: [...progress.rotations, rotation(target, evictedAt)] }
        : progress,
      result,
      reason,
      target.pod,
    );
  const d = steady(ctx, progress);
  if ("result" in d) return fail(d.result, d.reason);

  const until = evictedAt + settings.readyTimeoutMs;
  const waitFor = (reason: string, wakeAt?: number): Step =>
    now >= until
      ? fail(
          "failed",
          `evicted ${target.pod} but its replacement did not become available within ${formatDuration(settings.readyTimeoutMs)}: ${reason}`,
        )
      : step(ctx, progress, wait(reason, until, wakeAt));

  const old = snapshot.pods.get(target.pod);
  if (old && old.metadata?.uid === target.uid) {
    return waitFor(`${target.pod} is still ${podIsTerminating(old) ? "terminating" : "running"}`);
  }
  const pods = [...snapshot.pods.values()];
  const current = currentReplicaSet(d, snapshot.replicaSets);
  const isNew = (p: Pod) => !stage.before.has(p.metadata?.uid ?? "");
  const fresh = pods.find(
    (p) => isNew(p) && current !== undefined && podOfReplicaSet(p, current) && podIsReady(p),
  );
  if (!fresh && (d.spec?.replicas ?? 1) >= stage.desiredBefore) {
    const pending = pods.filter((p) => isNew(p) && !podIsTerminating(p)).map((p) => p.metadata?.name);
    return waitFor(
      pending.length ? `replacement ${pending.join(", ")} is not Ready` : "no replacement pod was created",
    );
  }
  const cap = capacity(d, snapshot.replicaSets, pods, now);
  const short = shortfall(cap, d.spec?.minReadySeconds ?? 0);
  const replacement = fresh?.metadata?.name;
  if (short) {
    return waitFor(
      replacement ? `replacement ${replacement} is Ready, but ${short.reason}` : short.reason,
      cap.nextAvailableAt,
    );
  }
  const next: Progress = { ...progress, stage: { kind: "choose" } };
  if (!stage.counted) return choose(ctx, next);
  const record = rotation(target, evictedAt, { readyAt: now, replacement });
  ctx.notes.push({
    level: "info",
    msg: "pod rotated",
    fields: { pod: target.pod, replacement, tookMs: record.tookMs },
  });
  return step(
    ctx,
    { ...next, rotations: [...progress.rotations, record] },
    {
      kind: "report",
      message: `Evicted pod ${target.pod} (age ${record.age})${replacement ? `; replacement ${replacement} Ready after ${formatDuration(record.tookMs ?? 0)}` : ""}`,
    },
  );
}

/** How a patched restart moves the run on: wait for its rollout, bounded by one ready timeout per surge batch. */
export function afterRestart(
  progress: Progress,
  restart: Extract<Decision, { kind: "restart" }>,
  patched: Deployment | undefined,
  startedAt: number,
  settings: Pick<RecyclerSettings, "readyTimeoutMs">,
): Progress {
  return {
    ...progress,
    stage: {
      kind: "restart",
      generation: patched?.metadata?.generation ?? restart.expectedGeneration,
      startedAt,
      deadline: startedAt + settings.readyTimeoutMs * restart.batches,
    },
  };
}

function restarting(ctx: Ctx, progress: Progress, stage: Extract<Stage, { kind: "restart" }>): Step {
  const name = ctx.settings.deployment;
  const { now, deployment: d } = ctx.snapshot;
  const { startedAt } = stage;
  const fail = (reason: string) => step(ctx, progress, stop("failed", reason));
  if (!d) return fail(`Deployment ${name} was deleted during the restart`);
  const problem =
    (d.status?.observedGeneration ?? 0) < stage.generation
      ? "the restart is not observed yet"
      : rolloutProblem(d);
  if (problem?.includes("ProgressDeadlineExceeded"))
    return fail(`the restart of Deployment ${name} got stuck: ${problem}`);
  if (problem === undefined) {
    const rotations = [
      ...progress.rotations,
      ...(progress.plan ?? []).map((s) => rotation(s, startedAt, { readyAt: now })),
    ];
    const names = rotations.map((r) => r.pod).join(", ");
    ctx.notes.push({
      level: "info",
      msg: "restart finished",
      fields: { pods: names, tookMs: now - startedAt },
    });
    return step(
      ctx,
      {
        ...progress,
        rotations,
        stage: { ...stop("rotated", `restarted Deployment ${name}: replaced ${names}`), kind: "done" },
      },
      {
        kind: "report",
        message: `Restarted Deployment ${name} (surge first): replaced ${names} in ${formatDuration(now - startedAt)}`,
      },
    );
  }
  if (now >= stage.deadline) {
    return fail(
      `the restart of Deployment ${name} did not finish within ${formatDuration(stage.deadline - startedAt)}: ${problem}`,
    );
  }
  return step(ctx, progress, wait(problem, stage.deadline, undefined));
}
