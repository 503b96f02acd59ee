/**
 * Daylight-saving changes inside a horizon and what each does to a schedule: the runs it skips (their wall time
 * does not exist) and the runs it doubles (their wall time happens twice), as the CronJob controller's robfig/cron
 * actually computes them (./cron.ts), compared with the wall times the expression names that day.
 */
import { inWindowsAt, type Window } from "../contract/window";
import { dayMatches, parseCron, runsBetween } from "./cron";
import { ORBIT_WARMUP_MS } from "./usable-runs";
import { zone } from "./zone";

/** A wall time on the day of a change, and whether it lies in a window (so the change costs or adds a rotation). */
export interface AffectedRun {
  readonly time: string;
  readonly inWindow: boolean;
  /** The instants it ran at (two for a doubled run, none for a skipped one). */
  readonly at: readonly number[];
}

export interface DstChange {
  readonly at: number;
  readonly timeZone: string;
  readonly offsetBeforeMs: number;
  readonly offsetAfterMs: number;
  /** The local date of the change, `YYYY-MM-DD`. */
  readonly date: string;
  /** The wall clock just before the change (`02:00` when 02:00 becomes 03:00) and just after it. */
  readonly wallBefore: string;
  readonly wallAfter: string;
  readonly skipped: readonly AffectedRun[];
  readonly doubled: readonly AffectedRun[];
  /** Whether the rotation has windows (without, every run may rotate). */
  readonly windowed: boolean;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** Changes of `timeZone`'s offset in `[from, to)` and their effect on `schedule` (windows in the same zone). */
export function dstChanges(
  schedule: string,
  timeZone: string,
  windows: readonly Window[],
  from: number,
  to: number,
): DstChange[] {
  const z = zone(timeZone);
  const spec = parseCron(schedule);
  return z.changes(from, to).map((change) => {
    const wall = z.wall(change.at);
    const before = new Date(change.at + change.beforeMs);
    const dayStart = z.date(wall.year, wall.month, wall.day);
    const dayEnd = z.date(wall.year, wall.month, wall.day + 1);
    const ran = new Map<string, number[]>();
    for (const t of runsBetween(spec, timeZone, dayStart - ORBIT_WARMUP_MS, dayStart, dayEnd)) {
      const w = z.wall(t);
      const key = `${pad(w.hour)}:${pad(w.minute)}`;
      ran.set(key, [...(ran.get(key) ?? []), t]);
    }
    const skipped: AffectedRun[] = [];
    const doubled: AffectedRun[] = [];
    const weekday = new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay();
    if (spec.month[wall.month] && dayMatches(spec, wall.day, weekday)) {
      for (let h = 0; h < 24; h++) {
        for (let m = 0; m < 60; m++) {
          if (!spec.hour[h] || !spec.minute[m]) continue;
          const time = `${pad(h)}:${pad(m)}`;
          const at = ran.get(time) ?? [];
          const inWindow = inWindowsAt({ day: (weekday + 6) % 7, minutes: h * 60 + m }, windows);
          if (at.length === 0) skipped.push({ time, inWindow: windows.length === 0 || inWindow, at });
          else if (at.length > 1) doubled.push({ time, inWindow: windows.length === 0 || inWindow, at });
        }
      }
    }
    return {
      at: change.at,
      timeZone,
      offsetBeforeMs: change.beforeMs,
      offsetAfterMs: change.afterMs,
      date: `${wall.year}-${pad(wall.month)}-${pad(wall.day)}`,
      wallBefore: `${pad(before.getUTCHours())}:${pad(before.getUTCMinutes())}`,
      wallAfter: `${pad(wall.hour)}:${pad(wall.minute)}`,
      skipped,
      doubled,
      windowed: windows.length > 0,
    };
  });
}
