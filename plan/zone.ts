/**
 * Wall-clock time in an IANA time zone, with Go's `time` package semantics, so that the CronJob controller's
 * schedule arithmetic (robfig/cron on Go's `time.Time`) can be reproduced instant for instant. Offsets come from
 * `Intl` (Node ships the full ICU tz database); each UTC day is looked up once and a change of offset inside it is
 * located to the second by bisection, so the arithmetic after that is plain integer math.
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const DAY = 86_400_000;

/** The wall-clock fields of an instant in a zone: month 1-12, weekday 0 = Sunday (as Go's `time.Weekday`). */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly weekday: number;
  /** Offset from UTC in milliseconds (east positive). */
  readonly offsetMs: number;
}

/** A change of a zone's offset: from `at` on, the zone is `afterMs` ahead of UTC instead of `beforeMs`. */
export interface OffsetChange {
  readonly at: number;
  readonly beforeMs: number;
  readonly afterMs: number;
}

interface DayEntry {
  readonly offsetMs: number;
  readonly change?: OffsetChange;
}

/** One time zone; construct through {@link zone}, which shares instances. */
export class Zone {
  private readonly format: Intl.DateTimeFormat;
  private readonly days = new Map<number, DayEntry>();

  constructor(readonly name: string) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone: name,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /** The zone's offset from UTC at instant `ms`, in milliseconds. */
  offsetAt(ms: number): number {
    const dayIndex = Math.floor(ms / DAY);
    let entry = this.days.get(dayIndex);
    if (!entry) {
      entry = this.lookupDay(dayIndex);
      this.days.set(dayIndex, entry);
    }
    return entry.change && ms >= entry.change.at ? entry.change.afterMs : entry.offsetMs;
  }

  /** Offset changes with `from <= at < to`, in order. */
  changes(from: number, to: number): OffsetChange[] {
    const out: OffsetChange[] = [];
    for (let d = Math.floor(from / DAY); d * DAY < to; d++) {
      this.offsetAt(d * DAY);
      const change = this.days.get(d)?.change;
      if (change && change.at >= from && change.at < to) out.push(change);
    }
    return out;
  }

  /** The wall clock at instant `ms`. */
  wall(ms: number): WallClock {
    const offsetMs = this.offsetAt(ms);
    const local = new Date(ms + offsetMs);
    return {
      year: local.getUTCFullYear(),
      month: local.getUTCMonth() + 1,
      day: local.getUTCDate(),
      hour: local.getUTCHours(),
      minute: local.getUTCMinutes(),
      second: local.getUTCSeconds(),
      weekday: local.getUTCDay(),
      offsetMs,
    };
  }

  /**
   * Go's `time.Date(year, month, day, hour, min, sec, 0, loc)`: out-of-range fields normalise (October 32 is
   * November 1); a wall time that does not exist or exists twice resolves exactly as Go resolves it: look up the
   * offset at the wall time read as UTC, and if the instant that gives lies outside that offset's period, use the
   * offset in force at that instant instead.
   */
  date(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
    const unix = Date.UTC(year, month - 1, day, hour, minute, second);
    return unix - this.offsetAt(unix - this.offsetAt(unix));
  }

  /** Go's `t.AddDate(years, months, days)`: the same wall clock that many calendar units later, via {@link date}. */
  addDate(ms: number, years: number, months: number, days: number): number {
    const w = this.wall(ms);
    return this.date(w.year + years, w.month + months, w.day + days, w.hour, w.minute, w.second);
  }

  private intlOffset(ms: number): number {
    const whole = Math.floor(ms / SECOND) * SECOND;
    const f: Record<string, number> = {};
    for (const part of this.format.formatToParts(whole)) {
      if (part.type !== "literal") f[part.type] = Number(part.value);
    }
    const asUtc = Date.UTC(
      f.year ?? 0,
      (f.month ?? 1) - 1,
      f.day ?? 1,
      f.hour ?? 0,
      f.minute ?? 0,
      f.second ?? 0,
    );
    return asUtc - whole;
  }

  private lookupDay(dayIndex: number): DayEntry {
    const start = dayIndex * DAY;
    const before = this.intlOffset(start);
    const after = this.intlOffset(start + DAY);
    // tzdb zones change offset at most once a day; a change is bisected to the second.
    if (before === after) return { offsetMs: before };
    let lo = start;
    let hi = start + DAY;
    while (hi - lo > SECOND) {
      const mid = lo + Math.floor((hi - lo) / 2 / SECOND) * SECOND;
      if (this.intlOffset(mid) === before) lo = mid;
      else hi = mid;
    }
    return { offsetMs: before, change: { at: hi, beforeMs: before, afterMs: after } };
  }
}

const zones = new Map<string, Zone>();

/** The shared {@link Zone} for an IANA name (which must be valid: see `checkTimeZone` in recycler/window.ts). */
export function zone(name: string): Zone {
  let z = zones.get(name);
  if (!z) {
    z = new Zone(name);
    zones.set(name, z);
  }
  return z;
}

/** Formats an offset as Go's RFC 3339 does: `+01:00`, `-04:00`, `+05:30`, `Z` for zero only where asked. */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? "-" : "+";
  const minutes = Math.abs(offsetMs) / MINUTE;
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
