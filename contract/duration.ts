/**
 * Durations in the Go style Kubernetes users know from `kubectl` flags, whole units only: `90s`, `15m`, `24h`,
 * `7d`, `1d12h`. Hand-written because the recycler bundle must stay dependency-free and the grammar is one
 * regular expression.
 */

const UNITS = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
] as const;

const PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;

/** The rule every duration follows, quoted in error messages. */
export const DURATION_RULE =
  "a whole number of days, hours, minutes and seconds in that order, like 90s, 15m, 24h, 7d or 1d12h";

/** Parses a duration into milliseconds, or returns undefined when `text` does not follow {@link DURATION_RULE}. */
export function parseDuration(text: string): number | undefined {
  const match = PATTERN.exec(text.trim());
  if (!match || text.trim() === "") return undefined;
  let total = 0;
  UNITS.forEach(([, ms], i) => {
    const value = match[i + 1];
    if (value !== undefined) total += Number(value) * ms;
  });
  return Number.isSafeInteger(total) ? total : undefined;
}

/** Formats milliseconds as the shortest duration string that parses back to the same value (sub-second parts drop). */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.floor(ms / 1000)) * 1000;
  if (rest === 0) return "0s";
  let out = "";
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      out += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return out;
}

/** Describes a duration in words for summaries: `1 day 12 hours`, `15 minutes`. */
export function describeDuration(ms: number): string {
  const names: Record<string, string> = { d: "day", h: "hour", m: "minute", s: "second" };
  let rest = Math.max(0, Math.floor(ms / 1000)) * 1000;
  if (rest === 0) return "0 seconds";
  const parts: string[] = [];
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count} ${names[unit]}${count === 1 ? "" : "s"}`);
      rest -= count * size;
    }
  }
  return parts.join(" ");
}
