import { Cron } from "croner";
import cronstrue from "cronstrue";
import { DAYS, inWindows, localTime, type Window } from "../contract/window";

/**
 * Cron schedules as Kubernetes CronJobs accept them, and what a schedule means for rotation: how often it runs
 * inside the allowed windows and how long a due pod can wait for the next such run. croner evaluates
 * expressions in a time zone; cronstrue puts them into words.
 */

const MACROS = new Set(["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]);

/** The rule schedules follow, quoted in error messages. */
export const SCHEDULE_RULE =
  'a five-field cron expression (minute hour day-of-month month day-of-week) like "*/15 * * * *", or @hourly, @daily, @weekly, @monthly, @yearly';

/**
 * Checks a schedule against what the Kubernetes CronJob controller (robfig/cron's standard parser) accepts.
 * Returns an error sentence without the field name, or undefined when the schedule is valid.
 */
export function checkSchedule(expression: string): string | undefined {
  // Memoised: every app of a catalog usually shares one schedule, and each is checked several times.
  if (!checks.has(expression)) checks.set(expression, check(expression));
  return checks.get(expression);
}

const checks = new Map<string, string | undefined>();

function check(expression: string): string | undefined {
  const text = expression.trim();
  if (/\b(CRON_)?TZ=/.test(text)) {
    return "must not set a time zone inside the expression: Kubernetes rejects TZ= and CRON_TZ=; use the timeZone field";
  }
  if (text.startsWith("@")) {
    return MACROS.has(text)
      ? undefined
      : `must be ${SCHEDULE_RULE} (${text.split(" ")[0]} is not supported by Kubernetes)`;
  }
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `must be ${SCHEDULE_RULE}; it has ${fields.length} fields`;
  // croner understands L, W and # (Quartz extensions) and day-of-week 7; Kubernetes does not.
  if (
    /[LW#]/i.test(
      fields
        .slice(2)
        .join(" ")
        .replace(/[A-Z]{3}/gi, ""),
    )
  ) {
    return `must be ${SCHEDULE_RULE}; L, W and # are not supported by Kubernetes`;
  }
  const dow = fields[4] ?? "";
  if (
    dow.split(/[,-]/).some((part) => /^\d+$/.test(part.split("/")[0] ?? "") && Number(part.split("/")[0]) > 6)
  ) {
    return "has a day of week above 6: Kubernetes counts 0 (Sunday) to 6 (Saturday); write 0 for Sunday";
  }
  let cron: Cron;
  try {
    cron = new Cron(text, { paused: true, timezone: "Etc/UTC" });
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, "") : String(error);
    return `must be ${SCHEDULE_RULE} (${reason})`;
  }
  if (cron.nextRun(new Date(REFERENCE_START)) === null)
    return "never runs: no date matches it; check the day and month fields";
  return undefined;
}

/** Puts a valid schedule into words, with its time zone: `every 15 minutes, Monday through Friday (Europe/Berlin)`. */
export function describeSchedule(expression: string, timeZone: string): string {
  const words = cronstrue.toString(expression, {
    use24HourTimeFormat: true,
    throwExceptionOnParseError: false,
  });
  return `${words.charAt(0).toLowerCase()}${words.slice(1)} (${timeZone})`;
}

// A fixed reference fortnight keeps every verdict independent of the day it is computed; January 2024 has no
// daylight-saving change in either hemisphere, so each weekday occurs twice with its usual offset.
const REFERENCE_START = Date.UTC(2024, 0, 1);
const WEEK_MS = 7 * 86_400_000;

/** What a schedule yields inside a set of allowed windows, measured over a reference week. */
export interface ScheduleProfile {
  /** Runs per week that start inside a window (all runs when there are no windows). */
  readonly runsPerWeek: number;
  /** Longest time between two consecutive in-window runs, in milliseconds (Infinity when there are none). */
  readonly longestGapMs: number;
  /** For each window (by index), the days it opens on without a single run inside. */
  readonly emptyWindows: readonly { readonly index: number; readonly days: readonly string[] }[];
}

const profiles = new Map<string, ScheduleProfile>();

/** Profiles a valid schedule against windows in a time zone; memoised, as many apps share a schedule. */
export function profileSchedule(
  expression: string,
  timeZone: string,
  windows: readonly Window[],
): ScheduleProfile {
  const key = JSON.stringify([expression, timeZone, windows.map((w) => w.text)]);
  const cached = profiles.get(key);
  if (cached) return cached;
  const cron = new Cron(expression.trim(), { paused: true, timezone: timeZone });
  const runs: number[] = [];
  for (let next = cron.nextRun(new Date(REFERENCE_START - 1)); next; next = cron.nextRun(next)) {
    const ms = next.getTime();
    if (ms >= REFERENCE_START + 2 * WEEK_MS) break;
    if (inWindows(ms, timeZone, windows)) runs.push(ms);
  }
  const firstWeek = runs.filter((ms) => ms < REFERENCE_START + WEEK_MS);
  let longestGapMs = firstWeek.length === 0 ? Infinity : 0;
  for (let i = 0; i < firstWeek.length; i++) {
    const next = runs[i + 1] ?? (runs[0] ?? 0) + 2 * WEEK_MS;
    longestGapMs = Math.max(longestGapMs, next - (runs[i] ?? 0));
  }
  const emptyWindows: { index: number; days: string[] }[] = [];
  windows.forEach((w, index) => {
    const days: string[] = [];
    for (const day of [...w.days].sort()) {
      const hit = firstWeek.some((ms) => {
        const t = localTime(ms, timeZone);
        if (w.start < w.end) return t.day === day && t.minutes >= w.start && t.minutes < w.end;
        return (t.day === day && t.minutes >= w.start) || (t.day === (day + 1) % 7 && t.minutes < w.end);
      });
      if (!hit) days.push(DAYS[day] ?? String(day));
    }
    if (days.length > 0) emptyWindows.push({ index, days });
  });
  const profile = { runsPerWeek: firstWeek.length, longestGapMs, emptyWindows };
  profiles.set(key, profile);
  return profile;
}

const periods = new Map<string, number>();

/** The shortest time between two runs of a schedule (ignoring windows), in milliseconds; memoised. */
export function shortestPeriodMs(expression: string, timeZone: string): number {
  const key = `${timeZone} ${expression}`;
  let period = periods.get(key);
  if (period === undefined) {
    period = measurePeriod(expression, timeZone);
    periods.set(key, period);
  }
  return period;
}

function measurePeriod(expression: string, timeZone: string): number {
  const cron = new Cron(expression.trim(), { paused: true, timezone: timeZone });
  const runs = cron.nextRuns(200, new Date(REFERENCE_START)).map((d) => d.getTime());
  let shortest = Infinity;
  for (let i = 1; i < runs.length; i++) shortest = Math.min(shortest, (runs[i] ?? 0) - (runs[i - 1] ?? 0));
  return shortest;
}
