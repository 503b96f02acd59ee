/**
 * Time zones and allowed rotation windows. The recycler re-checks its windows when it runs, because a CronJob
 * can start late or twice; the catalog and the components check the same strings before anything is deployed.
 * Uses only `Intl` (Node ships full ICU time-zone data), so the recycler bundle stays dependency-free.
 */

/** Day names in the order `Intl` weekday numbering would give them with Monday first. */
export const DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;
export type Day = (typeof DAYS)[number];

/** A parsed window: the days it starts on (0 = Monday) and its start and end in minutes after midnight. */
export interface Window {
  readonly text: string;
  readonly days: ReadonlySet<number>;
  readonly start: number;
  readonly end: number;
}

/** The rule windows follow, quoted in error messages. */
export const WINDOW_RULE =
  'days then a time range, like "Mon-Fri 09:00-17:00" or "Sat,Sun 00:00-24:00" (days Mon..Sun, 24-hour times, an end before the start runs past midnight)';

/** Parses a window string; returns an error sentence (without the field name) when it is not valid. */
export function parseWindow(text: string): Window | string {
  const match = /^\s*(\S+)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})\s*$/.exec(text);
  if (!match) return `must be ${WINDOW_RULE}`;
  const [, dayText, sh, sm, eh, em] = match as unknown as [string, string, string, string, string, string];
  const days = new Set<number>();
  for (const part of dayText.split(",")) {
    const [from, to, extra] = part.split("-");
    const a = dayIndex(from ?? "");
    const b = to === undefined ? a : dayIndex(to);
    if (a === undefined || b === undefined || extra !== undefined) {
      return `has an unknown day "${part}": use ${DAYS.join(", ")}, ranges like Mon-Fri or lists like Sat,Sun`;
    }
    for (let d = a; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === b) break;
    }
  }
  const start = Number(sh) * 60 + Number(sm);
  const end = Number(eh) * 60 + Number(em);
  if (Number(sm) > 59 || Number(em) > 59 || start >= 24 * 60 || end > 24 * 60) {
    return "has a time outside 00:00-24:00: hours run 00-23, minutes 00-59, and 24:00 is allowed only as an end";
  }
  if (start === end)
    return "is empty: its start and end are the same time. Make the end later, or use 00:00-24:00 for the whole day";
  return { text: text.trim(), days, start, end };
}

function dayIndex(name: string): number | undefined {
  const i = DAYS.findIndex((d) => d.toLowerCase() === name.toLowerCase());
  return i < 0 ? undefined : i;
}

const zoneCache = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = zoneCache.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
    });
    zoneCache.set(timeZone, f);
  }
  return f;
}

/**
 * Checks an IANA time-zone name the way Kubernetes does for CronJob `timeZone` (Go's tz database, which is
 * case-sensitive and rejects "Local"). Returns an error sentence, or undefined when the name is valid.
 */
export function checkTimeZone(name: string): string | undefined {
  if (name === "Local" || name.trim() !== name || name === "") {
    return 'must be an IANA time-zone name like "Europe/Berlin" or "Etc/UTC" ("Local" is not allowed in Kubernetes)';
  }
  let resolved: string;
  try {
    resolved = formatter(name).resolvedOptions().timeZone;
  } catch {
    return 'is not an IANA time-zone name; use one like "Europe/Berlin", "America/New_York" or "Etc/UTC"';
  }
  // Intl accepts any letter case; Kubernetes does not, so a case-only difference is an error with the fix.
  if (resolved !== name && resolved.toLowerCase() === name.toLowerCase()) {
    return `has the wrong letter case: write "${resolved}"`;
  }
  return undefined;
}

/** The weekday (0 = Monday) and minutes after midnight of instant `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): { day: number; minutes: number } {
  let weekday = "";
  let hour = 0;
  let minute = 0;
  for (const part of formatter(timeZone).formatToParts(ms)) {
    if (part.type === "weekday") weekday = part.value;
    else if (part.type === "hour") hour = Number(part.value);
    else if (part.type === "minute") minute = Number(part.value);
  }
  return { day: DAYS.indexOf(weekday as Day), minutes: hour * 60 + minute };
}

/** Whether instant `ms` falls in one of `windows` in `timeZone`; no windows means always. */
export function inWindows(ms: number, timeZone: string, windows: readonly Window[]): boolean {
  return windows.length === 0 || inWindowsAt(localTime(ms, timeZone), windows);
}

/** Whether a local weekday (0 = Monday) and minute of the day fall in one of `windows`; no windows means always. */
export function inWindowsAt(local: { day: number; minutes: number }, windows: readonly Window[]): boolean {
  const { day, minutes } = local;
  const yesterday = (day + 6) % 7;
  return windows.some((w) => {
    if (w.start < w.end) return w.days.has(day) && minutes >= w.start && minutes < w.end;
    // Past midnight: the evening part belongs to today's window, the early-morning part to yesterday's.
    return (w.days.has(day) && minutes >= w.start) || (w.days.has(yesterday) && minutes < w.end);
  });
}
