/**
 * `rotor plan` as data: per app, the schedule as the CronJob controller runs it, the runs that can rotate pods,
 * the daylight-saving changes in the horizon and the exact lifetime bound, checked against the policy ceiling.
 * Pure: the CLI (cli/plan.ts) loads the catalog and chooses the output format.
 */
import type { Environment } from "../catalog";
import type { AppSpec } from "../components/app-spec";
import type { RotationSpec } from "../components/rotation";
import { describeSchedule } from "../components/schedule";
import { recyclerMaxPodAge } from "../policies/rules/recycler";
import { describeDuration, formatDuration, parseDuration } from "../contract/duration";
import { dstChanges, type DstChange } from "./dst";
import type { LifetimeBound } from "./lifetime-bound";
import { rotationBound, type Horizon } from "./rotation-bound";
import { wallLabel } from "./time-format";

const DAY = 86_400_000;

/** The longest lifetime the policy accepts: the `recycler-max-pod-age` rule's default ceiling. */
export const POLICY_CEILING = {
  rule: recyclerMaxPodAge.id,
  duration: recyclerMaxPodAge.settings.maxPodAge?.default as string,
  ms: parseDuration(recyclerMaxPodAge.settings.maxPodAge?.default as string) ?? Infinity,
};

export type { Horizon } from "./rotation-bound";

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
  /** Usable runs in the horizon, in order (none when the recycler is suspended or only plans). */
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
    usable: status === "rotating" ? runs.inHorizon.filter((x) => x.usable).map((x) => x.at) : [],
    dst: dstChanges(r.schedule, r.timeZone, model.windows, horizon.from, horizon.to),
    // A suspended or dry-run recycler rotates nothing: no bound, whatever the schedule.
    ...(bound && status === "rotating" ? { bound } : {}),
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
