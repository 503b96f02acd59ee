/**
 * The CronJob controller's schedule arithmetic: a line-by-line port of robfig/cron v3.0.1 (`parser.go`
 * `ParseStandard`, `spec.go` `SpecSchedule.Next`), which kube-controller-manager uses with `TZ=<spec.timeZone>`
 * prepended. Hand-written rather than croner because croner resolves daylight-saving changes differently from the
 * controller: for `30 2 * * *` in Europe/Berlin croner runs at 03:00 on the spring-forward day and once on the
 * fall-back day, while robfig/cron skips the spring-forward day and runs twice on the fall-back day (02:30 CEST
 * and 02:30 CET). Only the five-field standard grammar and the @-descriptors Kubernetes accepts are supported;
 * schedules are validated by `checkSchedule` (components/schedule.ts) before they get here.
 *
 * What robfig/cron does around a change of offset, derived from `Next` and checked by test/plan/cron.test.ts
 * against the library's own test table:
 * - Spring forward: wall times in the gap do not exist and are skipped, not moved (`30 2 * * *` has no run that
 *   day); a schedule with every hour (`*\/15 * * * *`) just continues after the gap.
 * - Fall back: wall times in the repeated hour match twice and run twice (`30 1 * * *` in New York runs at 01:30
 *   EDT and 01:30 EST); every-hour schedules keep their absolute spacing.
 * - Its hour loop adds absolute hours after truncating with `time.Date`; in zones whose offset changes by half
 *   an hour (Australia/Lord_Howe) that lands on :30 and skips that day's runs of an hourly-pinned schedule. The
 *   port reproduces that too.
 */
import { zone, type Zone } from "./zone";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** A parsed schedule: one membership array per field, plus whether day-of-month / day-of-week were `*` or `?`. */
export interface CronSpec {
  readonly minute: readonly boolean[];
  readonly hour: readonly boolean[];
  readonly dom: readonly boolean[];
  readonly month: readonly boolean[];
  readonly dow: readonly boolean[];
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: {
    jan: 1,
    feb: 2,
    mar: 3,
    apr: 4,
    may: 5,
    jun: 6,
    jul: 7,
    aug: 8,
    sep: 9,
    oct: 10,
    nov: 11,
    dec: 12,
  },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

interface Field {
  readonly bits: boolean[];
  readonly star: boolean;
}

function bits(b: Bounds, start: number, end: number, step: number): boolean[] {
  const out = new Array<boolean>(b.max + 1).fill(false);
  for (let i = start; i <= end; i += step) out[i] = true;
  return out;
}

function all(b: Bounds): Field {
  return { bits: bits(b, b.min, b.max, 1), star: true };
}

function only(b: Bounds, value: number): Field {
  return { bits: bits(b, value, value, 1), star: false };
}

function parseNumber(text: string, b: Bounds, expression: string): number {
  const named = b.names?.[text.toLowerCase()];
  if (named !== undefined) return named;
  if (!/^\d+$/.test(text))
    throw new Error(`failed to parse int from ${text} in ${JSON.stringify(expression)}`);
  return Number(text);
}

/** robfig's `getRange`: `*`, `?`, `a`, `a-b`, each with an optional `/step`; `a/step` means `a-max/step`. */
function parseRange(expr: string, b: Bounds, expression: string): Field {
  const [range = "", step, extraSlash] = expr.split("/");
  const [low = "", high, extraHyphen] = range.split("-");
  if (extraSlash !== undefined) throw new Error(`too many slashes: ${expr}`);
  if (extraHyphen !== undefined) throw new Error(`too many hyphens: ${expr}`);
  let star = false;
  let start: number;
  let end: number;
  if (low === "*" || low === "?") {
    [start, end, star] = [b.min, b.max, true];
  } else {
    start = parseNumber(low, b, expression);
    end = high === undefined ? start : parseNumber(high, b, expression);
  }
  let by = 1;
  if (step !== undefined) {
    by = parseNumber(step, { min: 0, max: 0 }, expression);
    if (high === undefined) end = b.max;
    // A stepped star is not a star: `*/2` in day-of-month makes day matching an OR with day-of-week.
    if (by > 1) star = false;
  }
  if (start < b.min || end > b.max || start > end || by === 0) {
    throw new Error(`invalid range ${JSON.stringify(expr)} in ${JSON.stringify(expression)}`);
  }
  return { bits: bits(b, start, end, by), star };
}

function parseField(text: string, b: Bounds, expression: string): Field {
  const parts = text.split(",").map((p) => parseRange(p, b, expression));
  return {
    bits: parts.reduce((acc, p) => acc.map((v, i) => v || (p.bits[i] ?? false)), bits(b, 1, 0, 1)),
    star: parts.some((p) => p.star),
  };
}

function spec(minute: Field, hour: Field, dom: Field, month: Field, dow: Field): CronSpec {
  return {
    minute: minute.bits,
    hour: hour.bits,
    dom: dom.bits,
    month: month.bits,
    dow: dow.bits,
    domStar: dom.star,
    dowStar: dow.star,
  };
}

const DESCRIPTORS: Record<string, () => CronSpec> = {
  "@yearly": () => spec(only(MINUTES, 0), only(HOURS, 0), only(DOM, 1), only(MONTHS, 1), all(DOW)),
  "@monthly": () => spec(only(MINUTES, 0), only(HOURS, 0), only(DOM, 1), all(MONTHS), all(DOW)),
  "@weekly": () => spec(only(MINUTES, 0), only(HOURS, 0), all(DOM), all(MONTHS), only(DOW, 0)),
  "@daily": () => spec(only(MINUTES, 0), only(HOURS, 0), all(DOM), all(MONTHS), all(DOW)),
  "@hourly": () => spec(only(MINUTES, 0), all(HOURS), all(DOM), all(MONTHS), all(DOW)),
};
DESCRIPTORS["@annually"] = DESCRIPTORS["@yearly"];
DESCRIPTORS["@midnight"] = DESCRIPTORS["@daily"];

/** robfig's `ParseStandard` for the grammar Kubernetes accepts; throws on anything else. */
export function parseCron(expression: string): CronSpec {
  const text = expression.trim();
  if (text.startsWith("@")) {
    const descriptor = DESCRIPTORS[text];
    if (!descriptor) throw new Error(`unrecognized descriptor: ${text}`);
    return descriptor();
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${text}`);
  const [mi, h, dom, mo, dow] = fields as [string, string, string, string, string];
  return spec(
    parseField(mi, MINUTES, text),
    parseField(h, HOURS, text),
    parseField(dom, DOM, text),
    parseField(mo, MONTHS, text),
    parseField(dow, DOW, text),
  );
}

/** robfig's `dayMatches`: both day fields must match when either is a star, otherwise either may. */
export function dayMatches(s: CronSpec, dayOfMonth: number, weekday: number): boolean {
  const domMatch = s.dom[dayOfMonth] ?? false;
  const dowMatch = s.dow[weekday] ?? false;
  return s.domStar || s.dowStar ? domMatch && dowMatch : domMatch || dowMatch;
}

/**
 * robfig's `SpecSchedule.Next`: the next activation strictly after `after` (ms since the epoch), evaluated in
 * `timeZone`, or undefined when none comes within five years.
 */
export function nextRun(s: CronSpec, timeZone: string | Zone, after: number): number | undefined {
  const z = typeof timeZone === "string" ? zone(timeZone) : timeZone;
  // Start at the earliest possible time: the upcoming second.
  let t = Math.floor(after / SECOND) * SECOND + SECOND;
  let added = false;
  const yearLimit = z.wall(t).year + 5;
  wrap: for (;;) {
    let w = z.wall(t);
    if (w.year > yearLimit) return undefined;

    while (!s.month[w.month]) {
      if (!added) {
        added = true;
        t = z.date(w.year, w.month, 1);
      }
      t = z.addDate(t, 0, 1, 0);
      w = z.wall(t);
      if (w.month === 1) continue wrap;
    }

    while (!dayMatches(s, w.day, w.weekday)) {
      if (!added) {
        added = true;
        t = z.date(w.year, w.month, w.day);
      }
      t = z.addDate(t, 0, 0, 1);
      w = z.wall(t);
      // Midnight may not exist on a change of offset: step back to it, or on to the next day's.
      if (w.hour !== 0) {
        t = w.hour > 12 ? t + (24 - w.hour) * HOUR : t - w.hour * HOUR;
        w = z.wall(t);
      }
      if (w.day === 1) continue wrap;
    }

    while (!s.hour[w.hour]) {
      if (!added) {
        added = true;
        t = z.date(w.year, w.month, w.day, w.hour);
      }
      t += HOUR;
      w = z.wall(t);
      if (w.hour === 0) continue wrap;
    }

    while (!s.minute[w.minute]) {
      if (!added) {
        added = true;
        t = Math.floor(t / MINUTE) * MINUTE;
      }
      t += MINUTE;
      w = z.wall(t);
      if (w.minute === 0) continue wrap;
    }

    // The standard parser's seconds field is {0}; robfig steps one second at a time up to the next minute.
    if (w.second !== 0) {
      added = true;
      t = Math.floor(t / MINUTE) * MINUTE + MINUTE;
      continue wrap;
    }
    return t;
  }
}

/** Every activation in `[from, to)`, following the orbit of {@link nextRun} from `start` (at most `from`). */
export function runsBetween(
  s: CronSpec,
  timeZone: string,
  start: number,
  from: number,
  to: number,
): number[] {
  const z = zone(timeZone);
  const out: number[] = [];
  for (let t = nextRun(s, z, start - 1); t !== undefined && t < to; t = nextRun(s, z, t)) {
    if (t >= from) out.push(t);
  }
  return out;
}
