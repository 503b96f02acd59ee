/**
 * The lifetime bound of one app's rotation over a horizon: the one implementation behind `rotor plan`, the
 * "max pod lifetime" of `rotor demo` and the stack's `maxPodLifetime` output.
 */
import { recyclerStartingDeadlineSeconds } from "../components/recycler-manifests";
import type { RotationSpec } from "../components/rotation-spec";
import { parseWindow, type Window } from "../contract/window";
import { lifetimeBound } from "./lifetime-bound";
import { scheduledRuns, type RunModel } from "./usable-runs";

export interface Horizon {
  readonly from: number;
  readonly to: number;
}

/** A calendar year, so every daylight-saving change of every zone is inside: the horizon of summaries without one. */
export const REFERENCE_YEAR: Horizon = { from: Date.UTC(2024, 0, 1), to: Date.UTC(2025, 0, 1) };

function windowsOf(rotation: RotationSpec): Window[] {
  return rotation.windows.map(parseWindow).filter((w): w is Window => typeof w !== "string");
}

/**
 * How many runs rotate every replica: an eviction run takes `maxRotationsPerRun` pods; a restart (and a single
 * replica, which is always restarted) replaces all pods at once and is refused above that limit.
 */
export function runsNeeded(
  replicas: number,
  rotation: Pick<RotationSpec, "maxRotationsPerRun" | "strategy">,
): number | undefined {
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
