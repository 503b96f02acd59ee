/**
 * A brute-force model of the CronJob controller and the recycler, independent of plan/: the wall clock comes from
 * `Intl` minute by minute (no offset tables, no robfig arithmetic), a run is every minute whose wall clock matches
 * the fields (so a wall time that does not exist never runs and one that happens twice runs twice), the controller
 * starts each run between 0 and startingDeadlineSeconds late, and the recycler checks its windows with
 * recycler/window.ts at the moment it starts.
 */
import { inWindows, parseWindow, type Window } from "../../contract/window";
import { podJitterMs } from "../../recycler/jitter";

export const MINUTE = 60_000;

/** A schedule as field sets, so the oracle never parses cron text. */
export interface Fields {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  /** Day-of-month and day-of-week (0 = Sunday); a star field is undefined. */
  readonly dom?: ReadonlySet<number>;
  readonly dow?: ReadonlySet<number>;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of a whole-minute instant, straight from Intl. */
export function intlWall(ms: number, timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      weekday: "short",
    });
    formats.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(ms)) p[part.type] = part.value;
  return {
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(p.weekday ?? ""),
  };
}

/** Vixie-cron day matching: with either day field a star both must match, otherwise either may. */
export function matches(fields: Fields, ms: number, timeZone: string): boolean {
  const w = intlWall(ms, timeZone);
  if (!fields.minutes.has(w.minute) || !fields.hours.has(w.hour)) return false;
  const dom = fields.dom?.has(w.day) ?? true;
  const dow = fields.dow?.has(w.weekday) ?? true;
  return fields.dom === undefined || fields.dow === undefined ? dom && dow : dom || dow;
}

/** Every scheduled minute in `[from, to)`, scanning each minute. */
export function scanRuns(fields: Fields, timeZone: string, from: number, to: number): number[] {
  const out: number[] = [];
  for (let t = Math.ceil(from / MINUTE) * MINUTE; t < to; t += MINUTE)
    if (matches(fields, t, timeZone)) out.push(t);
  return out;
}

/**
 * Whether the recycler is inside a window for every start from `t` to `t + deadline`: runs start on whole minutes
 * and windows change on whole minutes, so each minute boundary and the deadline itself decide it.
 */
export function alwaysInWindow(
  t: number,
  deadlineSeconds: number,
  timeZone: string,
  windows: readonly Window[],
) {
  for (let d = 0; d <= deadlineSeconds; d += 60)
    if (!inWindows(t + d * 1000, timeZone, windows)) return false;
  return inWindows(t + deadlineSeconds * 1000, timeZone, windows);
}

export function windowsOf(texts: readonly string[]): Window[] {
  return texts.map((t) => {
    const w = parseWindow(t);
    if (typeof w === "string") throw new Error(w);
    return w;
  });
}

/**
 * The worst case by brute force: for a deadline at every minute of `[from, to)`, the adversarial controller starts
 * runs scheduled at or before it on time (the pod is not due yet) and the `needed`-th run after it that is sure to
 * find a window as late as it may. Returns the longest wait from deadline to eviction.
 */
export function bruteForceWait(
  guaranteed: readonly number[],
  from: number,
  to: number,
  needed: number,
  deadlineSeconds: number,
): number {
  let worst = 0;
  let i = 0;
  for (let d = from; d < to; d += MINUTE) {
    while (i < guaranteed.length && (guaranteed[i] ?? 0) <= d) i++;
    const run = guaranteed[i + needed - 1];
    if (run === undefined) return Infinity;
    worst = Math.max(worst, run + deadlineSeconds * 1000 - d);
  }
  return worst;
}

/** A small deterministic generator (mulberry32), so a simulation replays from its seed. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

export interface SimPod {
  readonly uid: string;
  readonly created: number;
  readonly deadline: number;
  evicted?: number;
}

/**
 * Pods through the recycler's rules: a run starts a random 0..deadline seconds late; inside a window it evicts up
 * to `perRun` due pods (now past created + maxAge + jitter from the UID), oldest deadline first, each replaced by
 * a new pod at that moment. Returns every pod that ever lived.
 */
export function simulatePods(options: {
  readonly runs: readonly number[];
  readonly timeZone: string;
  readonly windows: readonly Window[];
  readonly deadlineSeconds: number;
  readonly replicas: number;
  readonly perRun: number;
  readonly maxAgeMs: number;
  readonly jitterMs: number;
  /** Pods as they start: at a random time in `[createdFrom, createdTo)`, or exactly these (UID, creation). */
  readonly createdFrom: number;
  readonly createdTo: number;
  readonly initial?: readonly { uid: string; created: number }[];
  /** How late the controller starts the run scheduled at `t`, in ms; random up to the deadline when absent. */
  readonly lateness?: (t: number) => number;
  readonly seed: number;
}): SimPod[] {
  const rnd = random(options.seed);
  let n = 0;
  const make = (created: number): SimPod => {
    const uid = `pod-${options.seed}-${n++}-${Math.floor(rnd() * 1e9)}`;
    return { uid, created, deadline: created + options.maxAgeMs + podJitterMs(uid, options.jitterMs) };
  };
  const all: SimPod[] = [];
  let live: SimPod[] = [];
  for (let i = 0; i < options.replicas; i++) {
    const given = options.initial?.[i];
    const p = given
      ? { ...given, deadline: given.created + options.maxAgeMs + podJitterMs(given.uid, options.jitterMs) }
      : make(options.createdFrom + Math.floor(rnd() * (options.createdTo - options.createdFrom)));
    live.push(p);
    all.push(p);
  }
  for (const t of options.runs) {
    const start = t + (options.lateness?.(t) ?? Math.floor(rnd() * (options.deadlineSeconds + 1)) * 1000);
    if (!inWindows(start, options.timeZone, options.windows)) continue;
    const due = live.filter((p) => start > p.deadline).sort((a, b) => a.deadline - b.deadline);
    for (const p of due.slice(0, options.perRun)) {
      p.evicted = start;
      const replacement = make(start);
      live = [...live.filter((q) => q !== p), replacement];
      all.push(replacement);
    }
  }
  return all;
}
