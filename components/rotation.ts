import type { RotationInput } from "./app-schema";
import type { RotationSpec } from "./rotation-spec";
import { plural, show, type Problem } from "./problems";
import { checkSchedule, describeSchedule, profileSchedule } from "./schedule";
import { DURATION_RULE, describeDuration, formatDuration, parseDuration } from "../contract/duration";
import { DEFAULT_MAX_POD_AGE, MIN_MAX_AGE_MS } from "../contract/max-age";
import { checkTimeZone, parseWindow, type Window } from "../contract/window";
import { REFERENCE_YEAR, rotationBound } from "../plan/rotation-bound";

/** The longest maxAge rotor accepts: what its own recycler-max-pod-age rule allows by default. */
const MAX_MAX_AGE_MS = parseDuration(DEFAULT_MAX_POD_AGE)!;

/** The Node.js image the recycler runs in: official, pinned by version, with a non-root `node` user (UID 1000). */
export const DEFAULT_RECYCLER_IMAGE = "docker.io/library/node:24.11.1-alpine3.22";

export type { RotationSpec } from "./rotation-spec";

/** What the app around the recycler tells the rotation checks; a standalone recycler may not know `replicas`. */
export interface RotationContext {
  readonly replicas?: number;
}

/**
 * Applies the rotation defaults (the one place they live) and checks every setting and their combinations:
 * durations, schedule, time zone, windows, and whether the schedule can keep up with the pods it must rotate.
 */
export function resolveRotation(
  input: RotationInput | undefined,
  context: RotationContext = {},
): { spec?: RotationSpec; problems: Problem[] } {
  const problems: Problem[] = [];
  const raw = input ?? {};
  const duration = (key: "maxAge" | "jitter" | "readyTimeout", value: string): number | undefined => {
    const ms = parseDuration(value);
    if (ms === undefined)
      problems.push({ path: [key], message: `(${show(value)}) must be ${DURATION_RULE}.` });
    return ms;
  };

  const maxAge = raw.maxAge ?? "24h";
  const maxAgeMs = duration("maxAge", maxAge);
  const readyTimeout = raw.readyTimeout ?? "10m";
  const readyTimeoutMs = duration("readyTimeout", readyTimeout);
  const jitterMs = raw.jitter === undefined ? (maxAgeMs ?? 0) / 10 : duration("jitter", raw.jitter);
  const schedule = raw.schedule ?? "*/15 * * * *";
  const timeZone = raw.timeZone ?? "Etc/UTC";
  const windowsText = raw.windows ?? [];
  const maxRotationsPerRun = raw.maxRotationsPerRun ?? 1;

  const scheduleError = checkSchedule(schedule);
  if (scheduleError) problems.push({ path: ["schedule"], message: `(${show(schedule)}) ${scheduleError}.` });
  const zoneError = zoneProblem(timeZone);
  if (zoneError) problems.push({ path: ["timeZone"], message: `(${show(timeZone)}) ${zoneError}.` });
  const windows: Window[] = [];
  windowsText.forEach((text, i) => {
    const parsed = parseWindow(text);
    if (typeof parsed === "string")
      problems.push({ path: ["windows", i], message: `(${show(text)}) ${parsed}.` });
    else windows.push(parsed);
  });

  if (maxAgeMs !== undefined && maxAgeMs < MIN_MAX_AGE_MS) {
    problems.push({
      path: ["maxAge"],
      message: `(${show(maxAge)}) must be at least ${formatDuration(MIN_MAX_AGE_MS)}: pods need time to become Ready. Use a longer maxAge.`,
    });
  }
  if (maxAgeMs !== undefined && maxAgeMs > MAX_MAX_AGE_MS) {
    problems.push({
      path: ["maxAge"],
      message: `(${show(maxAge)}) must be at most ${DEFAULT_MAX_POD_AGE}: pods that live longer are rotated too seldom to shed leaks and stale state, and rotor's recycler-max-pod-age rule refuses the recycler. Use ${DEFAULT_MAX_POD_AGE} or less.`,
    });
  }
  if (readyTimeoutMs !== undefined && readyTimeoutMs < 30_000) {
    problems.push({
      path: ["readyTimeout"],
      message: `(${show(readyTimeout)}) must be at least 30s: replacements need time to pull, start and pass readiness. Use a longer readyTimeout.`,
    });
  }
  if (maxAgeMs !== undefined && jitterMs !== undefined && jitterMs > maxAgeMs / 2) {
    problems.push({
      combination: true,
      path: ["jitter"],
      message: `(${show(raw.jitter)}) must be at most half of maxAge (${formatDuration(maxAgeMs / 2)}): more would let pods outlive maxAge by over 50%. Use a smaller jitter.`,
    });
  }
  const replicas = context.replicas;
  if (
    replicas !== undefined &&
    maxAgeMs !== undefined &&
    maxAgeMs >= 10 * 60_000 &&
    readyTimeoutMs !== undefined
  ) {
    const fullRotationMs = replicas * readyTimeoutMs;
    if (maxAgeMs < fullRotationMs) {
      problems.push({
        combination: true,
        path: ["maxAge"],
        message: `(${show(maxAge)}) is shorter than a full rotation can take: ${plural(replicas, "pod")}, one at a time, each allowed readyTimeout ${readyTimeout}, ${replicas === 1 ? "needs" : "need"} up to ${formatDuration(fullRotationMs)}, so pods would be due again before the last one is replaced. Use a maxAge of at least ${formatDuration(fullRotationMs)} or a shorter readyTimeout.`,
      });
    }
  }

  if (!scheduleError && !zoneError && windows.length === windowsText.length) {
    const profile = profileSchedule(schedule, timeZone, windows);
    for (const empty of profile.emptyWindows) {
      problems.push({
        combination: true,
        path: ["windows", empty.index],
        message: `(${show(windowsText[empty.index])}) contains no run of schedule ${show(schedule)} on ${empty.days.join(", ")} (${timeZone}): the window is shorter than the schedule's period or misses its times. Run the schedule more often or widen the window.`,
      });
    }
    if (profile.runsPerWeek === 0 && profile.emptyWindows.length === 0) {
      problems.push({
        combination: true,
        path: ["schedule"],
        message: `(${show(schedule)}) never runs inside the windows ${show(windowsText)} in ${timeZone}. Align the schedule with the windows.`,
      });
    }
    if (
      replicas !== undefined &&
      maxAgeMs !== undefined &&
      maxAgeMs >= MIN_MAX_AGE_MS &&
      profile.runsPerWeek > 0
    ) {
      const neededPerWeek = (replicas * 7 * 86_400_000) / maxAgeMs;
      const capacityPerWeek = profile.runsPerWeek * maxRotationsPerRun;
      if (capacityPerWeek < neededPerWeek) {
        problems.push({
          combination: true,
          path: ["schedule"],
          message: `(${show(schedule)}) cannot keep up: it allows ${plural(capacityPerWeek, "rotation")} a week inside the windows (${plural(profile.runsPerWeek, "run")} × maxRotationsPerRun ${maxRotationsPerRun}), but ${plural(replicas, "pod")} with maxAge ${maxAge} need ${Math.ceil(neededPerWeek)}. Run more often, widen the windows, raise maxRotationsPerRun or lengthen maxAge.`,
        });
      }
    }
  }

  if (
    problems.length > 0 ||
    maxAgeMs === undefined ||
    readyTimeoutMs === undefined ||
    jitterMs === undefined
  ) {
    return { problems };
  }
  return {
    problems,
    spec: {
      enabled: raw.enabled ?? true,
      maxAge,
      maxAgeMs,
      jitter: raw.jitter ?? formatDuration(jitterMs),
      jitterMs: Math.floor(jitterMs / 1000) * 1000,
      schedule,
      timeZone,
      windows: windowsText,
      maxRotationsPerRun,
      strategy: raw.strategy ?? "evict",
      readyTimeout,
      readyTimeoutMs,
      dryRun: raw.dryRun ?? false,
      suspend: raw.suspend ?? false,
      image: raw.image ?? DEFAULT_RECYCLER_IMAGE,
    },
  };
}

const referenceBounds = new Map<string, number>();

/**
 * The longest a pod can live with this rotation and replica count, over a whole reference year (every
 * daylight-saving change included), computed by `rotor plan`'s exact bound (plan/rotation-bound.ts); memoised, as
 * many apps share a rotation. Infinity when pods are never rotated.
 */
export function maxPodLifetimeMs(spec: RotationSpec, replicas: number): number {
  if (!spec.enabled || spec.suspend || spec.dryRun) return Infinity;
  const key = JSON.stringify([
    spec.schedule,
    spec.timeZone,
    spec.windows,
    spec.maxAgeMs,
    spec.jitterMs,
    spec.maxRotationsPerRun,
    spec.strategy,
    replicas,
  ]);
  let ms = referenceBounds.get(key);
  if (ms === undefined) {
    ms = rotationBound(spec, replicas, REFERENCE_YEAR).bound?.boundMs ?? Infinity;
    referenceBounds.set(key, ms);
  }
  return ms;
}

const zoneProblems = new Map<string, string | undefined>();

/** `checkTimeZone`, remembered per name: the apps of a catalog share a handful of zones. */
function zoneProblem(name: string): string | undefined {
  if (!zoneProblems.has(name)) zoneProblems.set(name, checkTimeZone(name));
  return zoneProblems.get(name);
}

/** The rotation in words, for summaries: schedule, windows and the longest a pod can live. */
export function describeRotation(
  spec: RotationSpec,
  replicas: number,
): {
  schedule: string;
  maxLifetime: string;
  maxLifetimeMs: number;
} {
  const maxLifetimeMs = maxPodLifetimeMs(spec, replicas);
  const within = spec.windows.length > 0 ? `, only ${spec.windows.join(" and ")}` : "";
  return {
    schedule: `${describeSchedule(spec.schedule, spec.timeZone)}${within}`,
    maxLifetime: Number.isFinite(maxLifetimeMs) ? describeDuration(maxLifetimeMs) : "unbounded",
    maxLifetimeMs,
  };
}
