/**
 * Which of a CronJob's runs can rotate pods. The controller creates a Job at each scheduled time (robfig/cron in
 * the CronJob's `timeZone`, see ./cron.ts), at most `startingDeadlineSeconds` late or not at all; the recycler then
 * checks its windows in its own time zone at the moment it starts (recycler/window.ts). A run is usable only when
 * every start the controller may give it, from the scheduled time to the deadline, is inside a window.
 */
import { inWindowsAt, type Window } from "../contract/window";
import { parseCron, nextRun, type CronSpec } from "./cron";
import { zone, type Zone } from "./zone";

const MINUTE = 60_000;
const DAY = 86_400_000;

/** How far before the horizon the orbit starts, so it runs from a real last-schedule time, as the controller's does. */
export const ORBIT_WARMUP_MS = 8 * DAY;

/** The schedule, as the CronJob controller and the recycler evaluate it. */
export interface RunModel {
  readonly schedule: string;
  /** The CronJob's `spec.timeZone`. */
  readonly cronTimeZone: string;
  /** The recycler's `--time-zone`, in which it checks `windows`. */
  readonly windowTimeZone: string;
  readonly windows: readonly Window[];
  readonly startingDeadlineSeconds: number;
}

/** A scheduled time and whether a run then is sure to rotate (`usable`), may miss its window (`edge`), or cannot. */
export interface ScheduledRun {
  readonly at: number;
  readonly usable: boolean;
  /** Inside a window when scheduled, but a start up to the deadline may fall outside it. */
  readonly edge: boolean;
}

/** The local weekday (0 = Monday) and minute of the day in a zone, for `inWindowsAt`. */
export function localMinute(z: Zone, ms: number): { day: number; minutes: number } {
  const w = z.wall(ms);
  return { day: (w.weekday + 6) % 7, minutes: w.hour * 60 + w.minute };
}

/** Classifies one scheduled time: window membership at every minute a start may fall in. */
export function classifyRun(
  model: RunModel,
  at: number,
  windowZone: Zone = zone(model.windowTimeZone),
): ScheduledRun {
  if (model.windows.length === 0) return { at, usable: true, edge: false };
  const latest = at + model.startingDeadlineSeconds * 1000;
  const first = inWindowsAt(localMinute(windowZone, at), model.windows);
  let all = first;
  // Windows are in whole local minutes, so one check per minute the start can fall in decides it.
  for (let m = Math.floor(at / MINUTE) * MINUTE + MINUTE; all && m <= latest; m += MINUTE) {
    all = inWindowsAt(localMinute(windowZone, m), model.windows);
  }
  return { at, usable: all, edge: first && !all };
}

/**
 * Scheduled runs in `[from, to)` and, beyond `to`, until `lookaheadUsable` more usable ones are found (or the
 * schedule has none within `maxLookaheadMs`). The orbit starts {@link ORBIT_WARMUP_MS} before `from`.
 */
export function scheduledRuns(
  model: RunModel,
  from: number,
  to: number,
  lookaheadUsable = 0,
  maxLookaheadMs = 400 * DAY,
): { inHorizon: ScheduledRun[]; after: ScheduledRun[] } {
  const spec: CronSpec = parseCron(model.schedule);
  const cronZone = zone(model.cronTimeZone);
  const windowZone = zone(model.windowTimeZone);
  const inHorizon: ScheduledRun[] = [];
  const after: ScheduledRun[] = [];
  let usableAfter = 0;
  for (
    let t = nextRun(spec, cronZone, from - ORBIT_WARMUP_MS - 1);
    t !== undefined;
    t = nextRun(spec, cronZone, t)
  ) {
    if (t < from) continue;
    if (t >= to && (usableAfter >= lookaheadUsable || t >= to + maxLookaheadMs)) break;
    const run = classifyRun(model, t, windowZone);
    if (t < to) inHorizon.push(run);
    else {
      after.push(run);
      if (run.usable) usableAfter++;
    }
  }
  return { inHorizon, after };
}
