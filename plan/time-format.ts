/** How the plan writes instants: in a zone's wall clock with its offset, and in UTC. */
import { formatOffset, zone } from "./zone";

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const pad = (n: number) => String(n).padStart(2, "0");

/** RFC 3339 in the zone's wall clock: `2024-03-07T15:40:00-05:00`. */
export function isoLocal(ms: number, timeZone: string): string {
  const w = zone(timeZone).wall(ms);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${formatOffset(w.offsetMs)}`;
}

/** RFC 3339 in UTC without milliseconds: `2024-03-07T20:40:00Z`. */
export function isoUtc(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** For people: `Thu 2024-03-07 15:40` in the zone's wall clock. */
export function wallLabel(ms: number, timeZone: string): string {
  const w = zone(timeZone).wall(ms);
  return `${WEEKDAYS[w.weekday]} ${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** The zone's offset at an instant, as `+01:00`. */
export function offsetLabel(ms: number, timeZone: string): string {
  return formatOffset(zone(timeZone).offsetAt(ms));
}
