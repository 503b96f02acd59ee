/**
 * `rotor plan --format json`: a stable, documented shape (README, "rotor plan"). Every instant is RFC 3339, in UTC
 * (`utc`) and where it helps in the app's zone (`local`); every duration is given as milliseconds and as a rotor
 * duration string. Fields are only added in later versions, never renamed; `version` changes if one must be.
 */
import { formatDuration } from "../contract/duration";
import type { DstChange } from "./dst";
import type { AppPlan, RotationPlan } from "./rotation-plan";
import { BOUND_ASSUMPTIONS } from "./text";
import { isoLocal, isoUtc } from "./time-format";
import { formatOffset } from "./zone";

export const PLAN_JSON_VERSION = 1;

const duration = (ms: number) => (Number.isFinite(ms) ? { ms, text: formatDuration(ms) } : null);
const instant = (ms: number, timeZone: string) => ({ utc: isoUtc(ms), local: isoLocal(ms, timeZone) });

function dstJson(change: DstChange) {
  const affected = (runs: DstChange["skipped"]) =>
    runs.map((r) => ({ time: r.time, inWindow: r.inWindow, at: r.at.map(isoUtc) }));
  return {
    at: instant(change.at, change.timeZone),
    offsetBefore: formatOffset(change.offsetBeforeMs),
    offsetAfter: formatOffset(change.offsetAfterMs),
    wallBefore: change.wallBefore,
    wallAfter: change.wallAfter,
    skipped: affected(change.skipped),
    doubled: affected(change.doubled),
  };
}

function appJson(app: AppPlan, runs: number) {
  const r = app.rotation;
  const b = app.bound;
  return {
    name: app.name,
    namespace: app.namespace,
    replicas: app.replicas,
    status: app.status,
    rotation: r
      ? {
          maxAge: duration(r.maxAgeMs),
          jitter: duration(r.jitterMs),
          schedule: r.schedule,
          scheduleWords: app.scheduleWords,
          timeZone: r.timeZone,
          windows: r.windows,
          startingDeadlineSeconds: app.startingDeadlineSeconds,
          strategy: r.strategy,
          maxRotationsPerRun: r.maxRotationsPerRun,
          runsNeeded: app.runsNeeded ?? null,
        }
      : null,
    runs: {
      scheduled: app.scheduled,
      usable: app.usable.length,
      edge: app.edge,
      next: app.usable.slice(0, runs).map((t) => instant(t, r?.timeZone ?? "Etc/UTC")),
    },
    dst: app.dst.map(dstJson),
    bound:
      b && Number.isFinite(b.boundMs)
        ? {
            total: duration(b.boundMs),
            maxAge: duration(b.maxAgeMs),
            jitter: duration(b.jitterMs),
            wait: duration(b.waitMs),
            startDeadline: duration(b.startDeadlineMs),
            longestGap: duration(b.longestGapMs),
            runsNeeded: b.runsNeeded,
            worst: b.worst
              ? {
                  dueAt: instant(b.worst.dueAt, r?.timeZone ?? "Etc/UTC"),
                  rotatedBy: instant(b.worst.rotatedBy, r?.timeZone ?? "Etc/UTC"),
                }
              : null,
          }
        : null,
    flagged: app.finding !== undefined,
    finding: app.finding ?? null,
  };
}

/** The JSON document, as a value (the CLI prints it with two-space indentation). */
export function planJson(plan: RotationPlan, runs: number) {
  return {
    kind: "RotationPlan",
    version: PLAN_JSON_VERSION,
    environment: plan.environment,
    files: plan.files,
    horizon: {
      from: isoUtc(plan.horizon.from),
      to: isoUtc(plan.horizon.to),
      days: Math.round((plan.horizon.to - plan.horizon.from) / 86_400_000),
    },
    ceiling: { rule: plan.ceiling.rule, ...duration(plan.ceiling.ms) },
    assumptions: BOUND_ASSUMPTIONS,
    apps: plan.apps.map((app) => appJson(app, runs)),
  };
}
