/**
 * `rotor plan` as data: per app, the schedule as the CronJob controller runs it, the runs that can rotate pods,
 * the daylight-saving changes in the horizon and the exact lifetime bound, checked against the policy ceiling.
 * Pure: the CLI (cli/plan.ts) loads the catalog and chooses the output format.
 */
import type { Environment } from "../catalog";
import type { AppSpec } from "../components/app-spec";
import { recyclerStartingDeadlineSeconds } from "../components/recycler-manifests";
import type { RotationSpec } from "../components/rotation";
import { describeSchedule } from "../components/schedule";
import { recyclerMaxPodAge } from "../policies/rules/recycler";
import { describeDuration, formatDuration, parseDuration } from "../recycler/duration";
import { parseWindow, type Window } from "../recycler/window";
import { dstChanges, type DstChange } from "./dst";
import { lifetimeBound, type LifetimeBound } from "./lifetime-bound";
import { wallLabel } from "./time-format";
import { scheduledRuns, type RunModel } from "./usable-runs";

const DAY = 86_400_000;

/** The longest lifetime the policy accepts: the `recycler-max-pod-age` rule's default ceiling. */
export const POLICY_CEILING = {
  rule: recyclerMaxPodAge.id,
  duration: recyclerMaxPodAge.settings.maxPodAge?.default as string,
  ms: parseDuration(recyclerMaxPodAge.settings.maxPodAge?.default as string) ?? Infinity,
};

export interface Horizon {
  readonly from: number;
  readonly to: number;
}

export type AppStatus = "rotating" | "disabled" | "suspended" | "dry-run";

/** A problem the plan flags: why, and what to change. */
export interface PlanFinding {
  readonly message: string;
  readonly fix: string;
}

export interface AppPlan {
  readonly name: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly status: AppStatus;
  readonly rotation?: RotationSpec;
  /** The schedule in words with its time zone. */
  readonly scheduleWords?: string;
  readonly startingDeadlineSeconds?: number;
  /** Runs needed to rotate every replica; undefined when the strategy can never rotate them. */
  readonly runsNeeded?: number;
  /** Scheduled times in the horizon, how many are sure to rotate, and how many may start after their window. */
  readonly scheduled: number;
  readonly edge: number;
  /** Usable runs in the horizon, in order. */
  readonly usable: readonly number[];
  readonly dst: readonly DstChange[];
  readonly bound?: LifetimeBound;
  readonly finding?: PlanFinding;
}

export interface RotationPlan {
  readonly environment: string;
  readonly files: readonly string[];
  readonly horizon: Horizon;
  readonly ceiling: typeof POLICY_CEILING;
  readonly apps: readonly AppPlan[];
}

/** Plans every app of an environment over a horizon. */
export function planEnvironment(environment: Environment, horizon: Horizon): RotationPlan {
  return {
    environment: environment.name,
    files: environment.files,
    horizon,
    ceiling: POLICY_CEILING,
    apps: environment.apps.map(({ spec }) => planApp(spec, horizon)),
  };
}

function windowsOf(rotation: RotationSpec): Window[] {
  return rotation.windows.map(parseWindow).filter((w): w is Window => typeof w !== "string");
}

/**
 * How many runs rotate every replica: an eviction run takes `maxRotationsPerRun` pods; a restart (and a single
 * replica, which is always restarted) replaces all pods at once and is refused above that limit.
 */
export function runsNeeded(replicas: number, rotation: RotationSpec): number | undefined {
  const k = rotation.maxRotationsPerRun;
  if (rotation.strategy === "restart" || replicas === 1) return replicas <= k ? 1 : undefined;
  return Math.ceil(replicas / k);
}

/** The exact bound for one rotation over a horizon; one implementation for `rotor plan`, `rotor demo` and the stack. */
export function rotationBound(rotation: RotationSpec, replicas: number, horizon: Horizon) {
  const model: RunModel = {
    schedule: rotation.schedule,
    cronTimeZone: rotation.timeZone,
    windowTimeZone: rotation.timeZone,
    windows: windowsOf(rotation),
    startingDeadlineSeconds: recyclerStartingDeadlineSeconds(rotation.schedule, rotation.timeZone),
  };
  const needed = runsNeeded(replicas, rotation);
  const runs = scheduledRuns(model, horizon.from, horizon.to, needed ?? 1);
  const usable = [...runs.inHorizon, ...runs.after].filter((r) => r.usable).map((r) => r.at);
  const bound =
    needed === undefined
      ? undefined
      : lifetimeBound(
          {
            maxAgeMs: rotation.maxAgeMs,
            jitterMs: rotation.jitterMs,
            runsNeeded: needed,
            startingDeadlineSeconds: model.startingDeadlineSeconds,
          },
          usable,
          horizon.from,
          horizon.to,
        );
  return { model, needed, runs, bound };
}

/** Plans one app. */
export function planApp(spec: AppSpec, horizon: Horizon): AppPlan {
  const base = { name: spec.name, namespace: spec.namespace, replicas: spec.replicas };
  const r = spec.rotation;
  if (!r.enabled) return { ...base, status: "disabled", scheduled: 0, edge: 0, usable: [], dst: [] };
  const { model, needed, runs, bound } = rotationBound(r, spec.replicas, horizon);
  const status: AppStatus = r.suspend ? "suspended" : r.dryRun ? "dry-run" : "rotating";
  const plan = {
    ...base,
    status,
    rotation: r,
    scheduleWords: describeSchedule(r.schedule, r.timeZone),
    startingDeadlineSeconds: model.startingDeadlineSeconds,
    ...(needed === undefined ? {} : { runsNeeded: needed }),
    scheduled: runs.inHorizon.length,
    edge: runs.inHorizon.filter((x) => x.edge).length,
    usable: runs.inHorizon.filter((x) => x.usable).map((x) => x.at),
    dst: dstChanges(r.schedule, r.timeZone, model.windows, horizon.from, horizon.to),
    ...(bound ? { bound } : {}),
  };
  return { ...plan, ...findingFor(spec, status, needed, bound) };
}

function findingFor(
  spec: AppSpec,
  status: AppStatus,
  needed: number | undefined,
  bound: LifetimeBound | undefined,
): { finding?: PlanFinding } {
  const r = spec.rotation;
  const app = `apps.${spec.name}.rotation`;
  if (status === "suspended") {
    return {
      finding: {
        message:
          "the recycler is suspended (rotation.suspend: true): no run happens, pods are never rotated.",
        fix: `Remove ${app}.suspend once rotation may resume.`,
      },
    };
  }
  if (status === "dry-run") {
    return {
      finding: {
        message:
          "the recycler only plans (rotation.dryRun: true): it rotates nothing, pods are never rotated.",
        fix: `Remove ${app}.dryRun to let it rotate.`,
      },
    };
  }
  if (needed === undefined || !bound) {
    return {
      finding: {
        message: `a restart replaces all ${spec.replicas} pods at once, more than maxRotationsPerRun ${r.maxRotationsPerRun}, so the recycler refuses every run.`,
        fix: `Set ${app}.maxRotationsPerRun to ${spec.replicas}, or strategy: evict.`,
      },
    };
  }
  if (!Number.isFinite(bound.boundMs)) {
    return {
      finding: {
        message: `no usable run of ${JSON.stringify(r.schedule)} falls inside the windows ${JSON.stringify(r.windows)} (${r.timeZone}) within 400 days of the horizon, so due pods are never rotated.`,
        fix: `Align ${app}.schedule with ${app}.windows.`,
      },
    };
  }
  if (bound.boundMs <= POLICY_CEILING.ms) return {};
  const worst = bound.worst;
  const why = `maxAge ${r.maxAge} + jitter ${formatDuration(r.jitterMs)} + ${formatDuration(bound.waitMs)} waiting for ${bound.runsNeeded} usable run${bound.runsNeeded === 1 ? "" : "s"}${worst ? ` (due ${wallLabel(worst.dueAt, r.timeZone)}, rotated by ${wallLabel(worst.rotatedBy, r.timeZone)} ${r.timeZone})` : ""} + ${formatDuration(bound.startDeadlineMs)} start deadline`;
  const room = POLICY_CEILING.ms - (bound.boundMs - bound.maxAgeMs);
  const fixes: string[] = [];
  if (room >= 5 * 60_000)
    fixes.push(`lower ${app}.maxAge to at most ${formatDuration(Math.floor(room / 60_000) * 60_000)}`);
  fixes.push(
    bound.runsNeeded > 1
      ? `raise ${app}.maxRotationsPerRun (${spec.replicas} pods need ${bound.runsNeeded} runs at ${r.maxRotationsPerRun} per run)`
      : "",
    `widen ${app}.windows or run the schedule more often, so the longest wait (${describeDuration(bound.waitMs)}) shrinks`,
  );
  return {
    finding: {
      message: `pods can live up to ${formatDuration(bound.boundMs)}, longer than the ${POLICY_CEILING.duration} ceiling of rule ${POLICY_CEILING.rule}: ${why}.`,
      fix: `${capitalise(fixes.filter(Boolean).join(", or "))}.`,
    },
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The horizon of `days` days from `from`. */
export function horizonOf(from: number, days: number): Horizon {
  return { from, to: from + days * DAY };
}
