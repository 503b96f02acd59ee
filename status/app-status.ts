/**
 * `rotor status` as pure functions: what was observed of one app (its recycler CronJob, Deployment, pods, Jobs,
 * Lease and Events) and the time now become the app's status and verdict. No I/O here; `./fetch.ts` reads the
 * objects, `./format.ts` prints the result.
 *
 * The numbers are the recycler's own: a pod's deadline is `podDeadlineMs` (max age plus the pod's jitter from its
 * UID, recycler/jitter.ts) with the CronJob's own `--max-age` and `--jitter`; runs are the CronJob controller's
 * (robfig/cron in the CronJob's `timeZone`, plan/cron.ts) and usable when every start the controller may give them
 * is inside a `--window` (plan/usable-runs.ts).
 */
import {
  LAST_RUN_ANNOTATION,
  MAX_AGE_ANNOTATION,
  PAUSED_ANNOTATION,
  TARGET_ANNOTATION,
} from "../contract/annotations";
import { formatDuration, parseDuration } from "../contract/duration";
import { EVENT_SOURCE } from "../contract/names";
import { checkTimeZone, type Window } from "../contract/window";
import { nextRun, parseCron, type CronSpec } from "../plan/cron";
import { runsNeeded } from "../plan/rotation-bound";
import { classifyRun, type RunModel } from "../plan/usable-runs";
import { zone, type Zone } from "../plan/zone";
import { isoUtc } from "../plan/time-format";
import { podDeadlineMs, podJitterMs } from "../recycler/jitter";
import { deploymentPods, desiredReplicas } from "../recycler/plan";
import { parseRecyclerArgs, type RecyclerSettings } from "../recycler/settings";
import { parseTime, podIsReady, podIsTerminating, type Condition } from "../recycler/types";
import type { CoreEvent, CronJob, Job, ObservedApp } from "./types";

/** The reasons the recycler records its runs under (recycler/effects/last-run.ts), as results. */
export const EVENT_RESULTS: Readonly<Record<string, string>> = {
  PodRotated: "rotated",
  RotationBlocked: "blocked",
  RotationSkipped: "skipped",
  RotationFailed: "failed",
};

/** The CronJob controller evaluates schedules without `timeZone` in its own zone; rotor always sets one. */
export const DEFAULT_CRON_TIME_ZONE = "Etc/UTC";

/** What an app needs, most urgent first: the first five fail `rotor status` (exit 1). */
export const APP_STATES = [
  "overdue",
  "failed",
  "blocked",
  "missing",
  "invalid",
  "paused",
  "due",
  "ok",
] as const;
export type AppState = (typeof APP_STATES)[number];

/** One thing wrong with an app; `kind` is the state it puts the app in. */
export interface Problem {
  readonly kind: AppState;
  readonly message: string;
}

/** One pod, with its deadline computed as the recycler computes it. */
export interface PodAge {
  readonly name: string;
  readonly createdMs: number;
  readonly ageMs: number;
  readonly jitterMs: number;
  /** When the pod is due: creation + max age + its jitter. */
  readonly deadlineMs: number;
  /**
   * The latest the recycler is due to have rotated it: the end of the run (`startingDeadlineSeconds` +
   * `activeDeadlineSeconds` after its scheduled time) that is the `runsNeeded`-th usable run after the deadline.
   * Undefined when that run has not been scheduled yet, or the app's pods cannot be rotated at all.
   */
  readonly rotateByMs?: number;
  readonly due: boolean;
  readonly overdue: boolean;
}

/** The recycler's last report (the Lease's `rotor.dev/last-run`, else its newest Event). */
export interface LastRun {
  readonly timeMs: number;
  readonly result: string;
  readonly reason: string;
  readonly rotated: readonly string[];
  readonly source: "lease" | "event";
}

export interface LastJob {
  readonly name: string;
  readonly outcome: "succeeded" | "failed" | "running" | "pending";
  /** The Job's Failed condition's reason and message, for a failed Job. */
  readonly reason?: string;
  readonly message?: string;
  readonly startedMs?: number;
  /** When it succeeded or failed. */
  readonly finishedMs?: number;
}

/** The recycler settings status uses, from the CronJob's args. */
export interface StatusSettings {
  readonly maxAgeMs: number;
  readonly jitterMs: number;
  readonly maxRotations: number;
  readonly strategy: string;
  readonly schedule: string;
  readonly cronTimeZone: string;
  readonly windowTimeZone: string;
  readonly windows: readonly string[];
  readonly lease: string;
  readonly startingDeadlineSeconds: number;
  readonly activeDeadlineSeconds: number;
}

export interface AppStatus {
  readonly namespace: string;
  /** The Deployment's name (the CronJob's `rotor.dev/target-deployment`). */
  readonly app: string;
  readonly cronJob: string;
  readonly state: AppState;
  /** Whether the app fails `rotor status` (exit 1). */
  readonly failing: boolean;
  /** Every problem, most urgent first; the first one's kind is `state` unless the app is only paused or due. */
  readonly problems: readonly Problem[];
  /** Worth knowing, never failing: a single blocked run, pods not Ready, a max-age annotation that disagrees. */
  readonly notes: readonly string[];
  /** Why the recycler does not rotate this app now; empty when it does. */
  readonly paused: readonly string[];
  readonly settings: StatusSettings;
  readonly desired?: number;
  readonly ready?: number;
  /** The Deployment's live (not terminating) pods. */
  readonly pods: number;
  readonly due: number;
  readonly overdue: number;
  readonly oldest?: PodAge;
  readonly lastRun?: LastRun;
  /** When the current run of blocked reports began (the first RotationBlocked Event of the streak). */
  readonly blockedSinceMs?: number;
  readonly lastJob?: LastJob;
  /** The next time the CronJob controller starts a run; undefined when suspended or never. */
  readonly nextRunMs?: number;
  /** The next run that is sure to be inside a window (the same as `nextRunMs` without windows). */
  readonly nextUsableRunMs?: number;
}

/** Whether a CronJob is one of rotor's recyclers: its labels and its target annotation. */
export function isRecyclerCronJob(cronJob: CronJob): boolean {
  const labels = cronJob.metadata?.labels ?? {};
  return (
    labels["app.kubernetes.io/managed-by"] === "rotor" &&
    labels["app.kubernetes.io/component"] === "pod-recycler" &&
    typeof cronJob.metadata?.annotations?.[TARGET_ANNOTATION] === "string"
  );
}

/** The label selector that lists rotor's recycler CronJobs. */
export const RECYCLER_CRONJOB_SELECTOR =
  "app.kubernetes.io/managed-by=rotor,app.kubernetes.io/component=pod-recycler";

/** The recycler container's flags: its args without the script path in front. */
export function recyclerArgv(cronJob: CronJob): string[] {
  const containers = cronJob.spec?.jobTemplate?.spec?.template?.spec?.containers ?? [];
  const container = containers.find((c) => c.name === "recycler") ?? containers[0];
  const argv = [...(container?.command ?? []).slice(1), ...(container?.args ?? [])];
  while (argv.length > 0 && !(argv[0] ?? "").startsWith("--")) argv.shift();
  return argv;
}

/** The settings the recycler runs with, or the problem that keeps status from knowing them. */
export function cronJobSettings(cronJob: CronJob): {
  settings: StatusSettings;
  problems: Problem[];
  windows: readonly Window[];
  dryRun: boolean;
} {
  const problems: Problem[] = [];
  const namespace = cronJob.metadata?.namespace ?? "";
  const target = cronJob.metadata?.annotations?.[TARGET_ANNOTATION] ?? "";
  const parsed = parseRecyclerArgs(recyclerArgv(cronJob), { namespace });
  let recycler: RecyclerSettings | undefined;
  if (parsed.kind === "settings") recycler = parsed.settings;
  else {
    const first = parsed.kind === "invalid" ? parsed.problems[0]?.message : "--help is not a run";
    problems.push({
      kind: "invalid",
      message: `the recycler CronJob ${cronJob.metadata?.name ?? ""} has invalid flags: ${first ?? ""}`,
    });
  }
  // Without readable flags, the annotation still tells the max age (the recycler's default jitter is a tenth).
  const annotated = parseDuration(cronJob.metadata?.annotations?.[MAX_AGE_ANNOTATION] ?? "");
  const maxAgeMs = recycler?.maxAgeMs ?? annotated ?? 0;
  const spec = cronJob.spec ?? {};
  const schedule = spec.schedule ?? "";
  try {
    parseCron(schedule);
  } catch (error) {
    problems.push({
      kind: "invalid",
      message: `the recycler CronJob ${cronJob.metadata?.name ?? ""} has a schedule (${JSON.stringify(schedule)}) the CronJob controller cannot run: ${(error as Error).message}`,
    });
  }
  const timeZone = spec.timeZone ?? DEFAULT_CRON_TIME_ZONE;
  const zoneProblem = checkTimeZone(timeZone);
  if (zoneProblem) {
    problems.push({
      kind: "invalid",
      message: `the recycler CronJob ${cronJob.metadata?.name ?? ""} has a timeZone (${JSON.stringify(timeZone)}) that ${zoneProblem}`,
    });
  }
  return {
    problems,
    windows: recycler?.windows ?? [],
    dryRun: recycler?.dryRun ?? false,
    settings: {
      maxAgeMs,
      jitterMs: recycler?.jitterMs ?? Math.floor(maxAgeMs / 10),
      maxRotations: recycler?.maxRotations ?? 1,
      strategy: recycler?.strategy ?? "evict",
      schedule,
      cronTimeZone: zoneProblem ? DEFAULT_CRON_TIME_ZONE : timeZone,
      windowTimeZone: recycler?.timeZone ?? DEFAULT_CRON_TIME_ZONE,
      windows: (recycler?.windows ?? []).map((w) => w.text),
      lease: recycler?.lease ?? `${target}-recycler`,
      startingDeadlineSeconds: spec.startingDeadlineSeconds ?? 0,
      activeDeadlineSeconds: spec.jobTemplate?.spec?.activeDeadlineSeconds ?? 0,
    },
  };
}

/** The time of an Event: its last occurrence as the API records it. */
export function eventTime(event: CoreEvent): number {
  return parseTime(
    event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp,
  );
}

/** The recycler's own Events (by source component and reason), oldest first. */
export function recyclerEvents(events: readonly CoreEvent[]): CoreEvent[] {
  return events
    .filter(
      (e) =>
        (e.source?.component === EVENT_SOURCE || e.reportingComponent === EVENT_SOURCE) &&
        e.reason !== undefined &&
        e.reason in EVENT_RESULTS &&
        !Number.isNaN(eventTime(e)),
    )
    .sort(
      (a, b) => eventTime(a) - eventTime(b) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    );
}

/** The Lease's `rotor.dev/last-run` report, else the newest recycler Event; the note when the report is unreadable. */
export function lastRunOf(
  lease: ObservedApp["lease"],
  events: readonly CoreEvent[],
): { lastRun?: LastRun; note?: string } {
  const text = lease?.metadata?.annotations?.[LAST_RUN_ANNOTATION];
  let note: string | undefined;
  if (text !== undefined) {
    try {
      const report = JSON.parse(text) as Record<string, unknown>;
      const timeMs = parseTime(typeof report.time === "string" ? report.time : undefined);
      if (typeof report.result === "string" && !Number.isNaN(timeMs)) {
        return {
          lastRun: {
            timeMs,
            result: report.result,
            reason: typeof report.reason === "string" ? report.reason : "",
            rotated: Array.isArray(report.rotated) ? report.rotated.map(String) : [],
            source: "lease",
          },
        };
      }
    } catch {
      // Reported below, like a report without time or result.
    }
    note = `the Lease ${lease?.metadata?.name ?? ""} has an unreadable ${LAST_RUN_ANNOTATION} annotation; the newest Event stands in for it`;
  }
  const newest = recyclerEvents(events).at(-1);
  if (!newest) return note ? { note } : {};
  return {
    ...(note ? { note } : {}),
    lastRun: {
      timeMs: eventTime(newest),
      result: EVENT_RESULTS[newest.reason ?? ""] ?? "",
      reason: newest.message ?? "",
      rotated: [],
      source: "event",
    },
  };
}

/** When the current streak of blocked reports began: the oldest RotationBlocked Event after any other outcome. */
export function blockedSince(lastRun: LastRun, events: readonly CoreEvent[]): number {
  let since = lastRun.timeMs;
  const mine = recyclerEvents(events);
  for (let i = mine.length - 1; i >= 0; i--) {
    const e = mine[i];
    if (e.reason !== "RotationBlocked") break;
    since = Math.min(since, eventTime(e));
  }
  return since;
}

function conditionTrue(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c.type === type && c.status === "True");
}

/** Whether the Job was created by this CronJob (its controller reference, by UID when both have one). */
export function ownedByCronJob(job: Job, cronJob: CronJob): boolean {
  const owner = (job.metadata?.ownerReferences ?? []).find((o) => o.controller === true);
  if (!owner || owner.kind !== "CronJob") return false;
  const uid = cronJob.metadata?.uid;
  return uid && owner.uid ? owner.uid === uid : owner.name === cronJob.metadata?.name;
}

/** The newest Job of the CronJob and how it ended. */
export function lastJobOf(cronJob: CronJob, jobs: readonly Job[]): LastJob | undefined {
  const mine = jobs
    .filter((j) => ownedByCronJob(j, cronJob))
    .sort(
      (a, b) =>
        parseTime(b.metadata?.creationTimestamp) - parseTime(a.metadata?.creationTimestamp) ||
        (b.metadata?.name ?? "").localeCompare(a.metadata?.name ?? ""),
    );
  const job = mine[0];
  if (!job) return undefined;
  const status = job.status ?? {};
  const failed = conditionTrue(status.conditions, "Failed");
  const complete = conditionTrue(status.conditions, "Complete");
  const started = parseTime(status.startTime);
  const base = { name: job.metadata?.name ?? "", ...(Number.isNaN(started) ? {} : { startedMs: started }) };
  const finishedAt = (c: Condition) => {
    const t = parseTime(c.lastTransitionTime ?? status.completionTime);
    return Number.isNaN(t) ? {} : { finishedMs: t };
  };
  if (failed) {
    return {
      ...base,
      outcome: "failed",
      ...(failed.reason ? { reason: failed.reason } : {}),
      ...(failed.message ? { message: failed.message } : {}),
      ...finishedAt(failed),
    };
  }
  if (complete) return { ...base, outcome: "succeeded", ...finishedAt(complete) };
  return { ...base, outcome: (status.active ?? 0) > 0 ? "running" : "pending" };
}

/** How far ahead status looks for a run inside a window before it says there is none. */
const LOOKAHEAD_RUNS = 200_000;

/** The schedule as the controller and the recycler evaluate it, ready to step through runs. */
interface Runs {
  readonly spec: CronSpec;
  readonly cronZone: Zone;
  readonly windowZone: Zone;
  readonly model: RunModel;
}

function runsOf(settings: StatusSettings, windows: readonly Window[]): Runs | undefined {
  let spec: CronSpec;
  let cronZone: Zone;
  try {
    spec = parseCron(settings.schedule);
    cronZone = zone(settings.cronTimeZone);
  } catch {
    // Reported by cronJobSettings; without a schedule there are no runs to count.
    return undefined;
  }
  return {
    spec,
    cronZone,
    windowZone: zone(settings.windowTimeZone),
    model: {
      schedule: settings.schedule,
      cronTimeZone: settings.cronTimeZone,
      windowTimeZone: settings.windowTimeZone,
      windows,
      startingDeadlineSeconds: settings.startingDeadlineSeconds,
    },
  };
}

/** The `n`-th usable run strictly after `after`, if the schedule has one before `until`. */
export function nthUsableRun(runs: Runs, after: number, n: number, until: number): number | undefined {
  let found = 0;
  let steps = 0;
  for (
    let t = nextRun(runs.spec, runs.cronZone, after);
    t !== undefined && t <= until && steps < LOOKAHEAD_RUNS;
    t = nextRun(runs.spec, runs.cronZone, t), steps++
  ) {
    if (classifyRun(runs.model, t, runs.windowZone).usable && ++found === n) return t;
  }
  return undefined;
}

const YEAR_MS = 366 * 86_400_000;

/** One app's status at `now`. */
export function appStatus(observed: ObservedApp, now: number): AppStatus {
  const { cronJob, deployment } = observed;
  const namespace = cronJob.metadata?.namespace ?? "";
  const app = cronJob.metadata?.annotations?.[TARGET_ANNOTATION] ?? "";
  const { settings, problems, windows, dryRun } = cronJobSettings(cronJob);
  const notes: string[] = [];
  const paused: string[] = [];
  if (cronJob.spec?.suspend === true) paused.push(`CronJob ${cronJob.metadata?.name ?? ""} is suspended`);
  if (deployment?.metadata?.annotations?.[PAUSED_ANNOTATION] === "true") {
    paused.push(`Deployment ${app} has ${PAUSED_ANNOTATION}: "true"`);
  }
  if (dryRun) paused.push("the recycler runs with --dry-run and rotates nothing");
  const annotated = cronJob.metadata?.annotations?.[MAX_AGE_ANNOTATION];
  const annotatedMs = parseDuration(annotated ?? "");
  if (annotated !== undefined && annotatedMs !== undefined && annotatedMs !== settings.maxAgeMs) {
    notes.push(
      `the CronJob's ${MAX_AGE_ANNOTATION} (${annotated}) differs from the --max-age the recycler runs with; status uses --max-age`,
    );
  }

  const runs = runsOf(settings, windows);
  const desired = deployment ? desiredReplicas(deployment) : undefined;
  const needed =
    desired === undefined
      ? undefined
      : runsNeeded(desired, {
          maxRotationsPerRun: settings.maxRotations,
          strategy: settings.strategy === "restart" ? "restart" : "evict",
        });
  const runEndMs = (settings.startingDeadlineSeconds + settings.activeDeadlineSeconds) * 1000;

  const live = deployment
    ? deploymentPods(deployment, observed.replicaSets, observed.pods).filter((p) => !podIsTerminating(p))
    : [];
  const ages: PodAge[] = [];
  for (const pod of live) {
    const createdMs = parseTime(pod.metadata?.creationTimestamp);
    if (Number.isNaN(createdMs)) continue;
    const uid = pod.metadata?.uid ?? "";
    const deadlineMs = podDeadlineMs(createdMs, uid, settings.maxAgeMs, settings.jitterMs);
    const due = now > deadlineMs;
    let rotateByMs: number | undefined;
    if (due && runs && needed !== undefined) {
      const run = nthUsableRun(runs, deadlineMs, needed, Math.min(now, deadlineMs + YEAR_MS));
      if (run !== undefined) rotateByMs = run + runEndMs;
    }
    const overdue = due && (rotateByMs !== undefined ? now > rotateByMs : needed === undefined);
    ages.push({
      name: pod.metadata?.name ?? "",
      createdMs,
      ageMs: now - createdMs,
      jitterMs: podJitterMs(uid, settings.jitterMs),
      deadlineMs,
      ...(rotateByMs !== undefined ? { rotateByMs } : {}),
      due,
      overdue,
    });
  }
  ages.sort((a, b) => a.createdMs - b.createdMs || a.name.localeCompare(b.name));
  const overdue = ages.filter((p) => p.overdue);
  const due = ages.filter((p) => p.due);

  if (!deployment) {
    problems.unshift({
      kind: "missing",
      message: `Deployment ${app} (the CronJob's ${TARGET_ANNOTATION}) does not exist in namespace ${namespace}`,
    });
  }
  if (overdue.length > 0) {
    const worst = overdue.reduce((a, b) =>
      (a.rotateByMs ?? a.deadlineMs) <= (b.rotateByMs ?? b.deadlineMs) ? a : b,
    );
    const runs =
      needed === 1
        ? `then the first usable run, which ends at most ${formatDuration(runEndMs)} after its scheduled time`
        : `then ${needed} usable runs, each ending at most ${formatDuration(runEndMs)} after its scheduled time`;
    const why =
      worst.rotateByMs !== undefined
        ? `${worst.name} should have been rotated by ${isoUtc(worst.rotateByMs)} (due ${isoUtc(worst.deadlineMs)}, ${runs})`
        : `the recycler cannot rotate ${desired ?? 0} replicas with --strategy ${settings.strategy} and --max-rotations ${settings.maxRotations}`;
    problems.unshift({
      kind: "overdue",
      message: `${overdue.length} of ${ages.length} pods overdue: ${why}`,
    });
  }

  const { lastRun, note } = lastRunOf(observed.lease, observed.events);
  if (note) notes.push(note);
  const lastJob = lastJobOf(cronJob, observed.jobs);
  if (lastRun?.result === "failed") {
    problems.push({ kind: "failed", message: `the last run failed: ${lastRun.reason}` });
  }
  if (lastJob?.outcome === "failed") {
    const why = [lastJob.reason, lastJob.message].filter((s) => s).join(": ");
    problems.push({
      kind: "failed",
      message: `the last Job ${lastJob.name} failed${why ? ` (${why})` : ""}`,
    });
  }
  let blockedSinceMs: number | undefined;
  if (lastRun?.result === "blocked") {
    blockedSinceMs = blockedSince(lastRun, observed.events);
    const nextAfter = runs ? nextRun(runs.spec, runs.cronZone, blockedSinceMs) : undefined;
    if (paused.length === 0 && nextAfter !== undefined && now > nextAfter + runEndMs) {
      problems.push({
        kind: "blocked",
        message: `rotation has been blocked since ${isoUtc(blockedSinceMs)}, longer than one schedule period (the run due at ${isoUtc(nextAfter)} did not end it): ${lastRun.reason}`,
      });
    } else {
      notes.push(`the last run was blocked: ${lastRun.reason}`);
    }
  }
  const ready = deployment ? live.filter(podIsReady).length : undefined;
  if (desired !== undefined && ready !== undefined && ready < desired) {
    notes.push(`only ${ready} of ${desired} pods are Ready`);
  }

  let nextRunMs: number | undefined;
  let nextUsableRunMs: number | undefined;
  if (runs && cronJob.spec?.suspend !== true) {
    nextRunMs = nextRun(runs.spec, runs.cronZone, now);
    nextUsableRunMs = nthUsableRun(runs, now, 1, now + YEAR_MS);
  }

  const rank = (k: AppState) => APP_STATES.indexOf(k);
  problems.sort((a, b) => rank(a.kind) - rank(b.kind));
  const failing = problems.length > 0;
  const state: AppState = failing
    ? problems[0].kind
    : paused.length > 0
      ? "paused"
      : due.length > 0
        ? "due"
        : "ok";
  return {
    namespace,
    app,
    cronJob: cronJob.metadata?.name ?? "",
    state,
    failing,
    problems,
    notes,
    paused,
    settings,
    ...(desired !== undefined ? { desired } : {}),
    ...(ready !== undefined ? { ready } : {}),
    pods: ages.length,
    due: due.length,
    overdue: overdue.length,
    ...(ages[0] ? { oldest: ages[0] } : {}),
    ...(lastRun ? { lastRun } : {}),
    ...(blockedSinceMs !== undefined ? { blockedSinceMs } : {}),
    ...(lastJob ? { lastJob } : {}),
    ...(nextRunMs !== undefined ? { nextRunMs } : {}),
    ...(nextUsableRunMs !== undefined ? { nextUsableRunMs } : {}),
  };
}

/** Apps that need attention first: by state, then most overdue pods, then namespace and name. */
export function sortStatuses(apps: readonly AppStatus[]): AppStatus[] {
  const rank = (s: AppStatus) => APP_STATES.indexOf(s.state);
  return [...apps].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      b.overdue - a.overdue ||
      a.namespace.localeCompare(b.namespace) ||
      a.app.localeCompare(b.app),
  );
}

/** 1 when some app fails (overdue pods, a failed run or Job, a long block, a missing Deployment, bad flags), else 0. */
export function statusExitCode(apps: readonly AppStatus[]): number {
  return apps.some((a) => a.failing) ? 1 : 0;
}
