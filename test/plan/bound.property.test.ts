import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { podJitterMs } from "../../recycler/jitter";
import { inWindows } from "../../contract/window";
import { lifetimeBound } from "../../plan/lifetime-bound";
import { scheduledRuns, type RunModel } from "../../plan/usable-runs";
import {
  alwaysInWindow,
  bruteForceWait,
  MINUTE,
  scanRuns,
  simulatePods,
  windowsOf,
  type Fields,
} from "./controller-sim";

const range = (a: number, b: number, step = 1) => {
  const out: number[] = [];
  for (let i = a; i <= b; i += step) out.push(i);
  return out;
};

/** Cron field text and the same field as a set, for the oracle. */
const MINUTE_FIELDS: [string, number[]][] = [
  ["*/5", range(0, 59, 5)],
  ["*/10", range(0, 59, 10)],
  ["*/15", range(0, 59, 15)],
  ["*/20", range(0, 59, 20)],
  ["0", [0]],
  ["30", [30]],
  ["7", [7]],
  ["15,45", [15, 45]],
];
const HOUR_FIELDS: [string, number[]][] = [
  ["*", range(0, 23)],
  ["*/2", range(0, 23, 2)],
  ["9-17", range(9, 17)],
  ["1", [1]],
  ["2", [2]],
  ["3", [3]],
  ["0-6", range(0, 6)],
  ["22,23,0,1,2,3", [22, 23, 0, 1, 2, 3]],
];
const DAY_FIELDS: [string, number[] | undefined, string, number[] | undefined][] = [
  ["*", undefined, "*", undefined],
  ["*", undefined, "1-5", range(1, 5)],
  ["*", undefined, "MON-THU", range(1, 4)],
  ["*", undefined, "0,6", [0, 6]],
  ["1-15", range(1, 15), "*", undefined],
  ["*/2", range(1, 31, 2), "SUN", [0]],
];
const WINDOWS: string[][] = [
  [],
  ["Mon-Fri 09:00-17:00"],
  ["Mon-Sun 00:00-24:00"],
  ["Sat,Sun 00:00-24:00", "Mon-Fri 20:00-06:00"],
  ["Mon-Sun 01:00-04:00"],
  ["Tue,Thu 10:00-10:40"],
  ["Mon-Sun 02:00-02:30"],
];
/** Each zone with the days its offset changes in 2024 (Kolkata has none: a control). */
const ZONES: [string, string[]][] = [
  ["Europe/Berlin", ["2024-03-31", "2024-10-27"]],
  ["America/New_York", ["2024-03-10", "2024-11-03"]],
  ["Australia/Sydney", ["2024-04-07", "2024-10-06"]],
  ["Asia/Kolkata", ["2024-03-31", "2024-10-27"]],
  ["Etc/UTC", ["2024-06-30"]],
];

const scenario = fc.record({
  minute: fc.constantFrom(...MINUTE_FIELDS),
  hour: fc.constantFrom(...HOUR_FIELDS),
  day: fc.constantFrom(...DAY_FIELDS),
  windows: fc.constantFrom(...WINDOWS),
  zone: fc.constantFrom(...ZONES),
  dateIndex: fc.nat(1),
  daysBefore: fc.integer({ min: 0, max: 3 * 24 * 60 }),
  days: fc.integer({ min: 1, max: 4 }),
  deadlineSeconds: fc.constantFrom(10, 60, 300),
  replicas: fc.integer({ min: 1, max: 6 }),
  perRun: fc.integer({ min: 1, max: 3 }),
  maxAgeMinutes: fc.integer({ min: 5, max: 2 * 24 * 60 }),
  jitterShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
  seed: fc.nat(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function setUp(s: Scenario) {
  const [zoneName, dates] = s.zone;
  const anchor = Date.parse(`${dates[s.dateIndex % dates.length]}T00:00:00Z`);
  const from = anchor - s.daysBefore * MINUTE;
  const to = from + s.days * 86_400_000;
  const schedule = `${s.minute[0]} ${s.hour[0]} ${s.day[0]} * ${s.day[2]}`;
  const fields: Fields = {
    minutes: new Set(s.minute[1]),
    hours: new Set(s.hour[1]),
    ...(s.day[1] ? { dom: new Set(s.day[1]) } : {}),
    ...(s.day[3] ? { dow: new Set(s.day[3]) } : {}),
  };
  const windows = windowsOf(s.windows);
  const model: RunModel = {
    schedule,
    cronTimeZone: zoneName,
    windowTimeZone: zoneName,
    windows,
    startingDeadlineSeconds: s.deadlineSeconds,
  };
  const needed = Math.ceil(s.replicas / s.perRun);
  const maxAgeMs = s.maxAgeMinutes * MINUTE;
  const jitterMs = Math.floor((maxAgeMs * s.jitterShare) / 1000) * 1000;
  return { zoneName, from, to, schedule, fields, windows, model, needed, maxAgeMs, jitterMs };
}

const LOOKAHEAD = 9 * 86_400_000;

describe("lifetime bound against a minute-by-minute CronJob controller", () => {
  it("matches the brute force exactly, and no simulated pod outlives it, over random schedules, windows and zones", () => {
    let checked = 0;
    fc.assert(
      fc.property(scenario, (s) => {
        const c = setUp(s);
        const scanned = scanRuns(c.fields, c.zoneName, c.from, c.to + LOOKAHEAD);
        const guaranteed = scanned.filter((t) => alwaysInWindow(t, s.deadlineSeconds, c.zoneName, c.windows));
        // Only scenarios where every pod due in the horizon gets rotated within the scanned time are comparable.
        const lastDue = guaranteed.filter((t) => t < c.to).at(-1) ?? c.from;
        fc.pre(guaranteed.filter((t) => t > lastDue).length >= c.needed);
        checked++;

        const runs = scheduledRuns(c.model, c.from, c.to, c.needed);
        // The controller's schedule (robfig/cron in the zone) is the wall-clock scan, DST skips and doubles included.
        assert.deepEqual(
          runs.inHorizon.map((r) => r.at),
          scanned.filter((t) => t < c.to),
          `${c.schedule} in ${c.zoneName}`,
        );
        assert.deepEqual(
          runs.inHorizon.filter((r) => r.usable).map((r) => r.at),
          guaranteed.filter((t) => t < c.to),
        );
        const bound = lifetimeBound(
          {
            maxAgeMs: c.maxAgeMs,
            jitterMs: c.jitterMs,
            runsNeeded: c.needed,
            startingDeadlineSeconds: s.deadlineSeconds,
          },
          [...runs.inHorizon, ...runs.after].filter((r) => r.usable).map((r) => r.at),
          c.from,
          c.to,
        );
        const wait = bruteForceWait(guaranteed, c.from, c.to, c.needed, s.deadlineSeconds);
        assert.equal(bound.waitMs + bound.startDeadlineMs, wait);
        assert.equal(bound.boundMs, c.maxAgeMs + c.jitterMs + wait);

        // Never exceeded: pods with random ages on a controller that is randomly late.
        const pods = simulatePods({
          runs: scanned,
          timeZone: c.zoneName,
          windows: c.windows,
          deadlineSeconds: s.deadlineSeconds,
          replicas: s.replicas,
          perRun: s.perRun,
          maxAgeMs: c.maxAgeMs,
          jitterMs: c.jitterMs,
          createdFrom: c.from - c.maxAgeMs - c.jitterMs,
          createdTo: c.to - c.maxAgeMs,
          seed: s.seed,
        });
        for (const p of pods.filter((q) => q.deadline >= c.from && q.deadline < c.to)) {
          assert.ok(
            p.evicted !== undefined,
            `pod due ${new Date(p.deadline).toISOString()} was never rotated`,
          );
          assert.ok(p.evicted - p.created <= bound.boundMs, `a pod lived ${p.evicted - p.created} ms`);
        }

        // Tight: pods due together just after the worst run, on a controller as late as it may be, come within
        // one schedule period of the bound.
        const worst = bound.worst;
        assert.ok(worst);
        const uids = Array.from({ length: 2000 }, (_, i) => `tight-${i}`)
          .map((uid) => ({ uid, jitter: podJitterMs(uid, c.jitterMs) }))
          .sort((a, b) => b.jitter - a.jitter)
          .slice(0, s.replicas)
          .map((p) => p.uid);
        const adversarial = simulatePods({
          runs: scanned,
          timeZone: c.zoneName,
          windows: c.windows,
          deadlineSeconds: s.deadlineSeconds,
          replicas: s.replicas,
          perRun: s.perRun,
          maxAgeMs: c.maxAgeMs,
          jitterMs: c.jitterMs,
          createdFrom: 0,
          createdTo: 0,
          initial: uids.map((uid) => ({
            uid,
            created: worst.dueAt - c.maxAgeMs - podJitterMs(uid, c.jitterMs),
          })),
          lateness: (t) => {
            if (t <= worst.dueAt) return 0;
            // Late enough to miss the window when some start can; otherwise as late as the deadline allows.
            for (let d = 0; d <= s.deadlineSeconds; d += 60) {
              if (!inWindows(t + d * 1000, c.zoneName, c.windows)) return d * 1000;
            }
            return s.deadlineSeconds * 1000;
          },
          seed: s.seed,
        });
        const longest = Math.max(
          ...adversarial.slice(0, s.replicas).map((p) => (p.evicted ?? Infinity) - p.created),
        );
        const period = Math.min(...scanned.slice(1).map((t, i) => t - (scanned[i] ?? 0)));
        assert.ok(longest <= bound.boundMs, `${longest} > ${bound.boundMs}`);
        assert.ok(
          longest >= bound.boundMs - period,
          `${longest} is not within ${period} of ${bound.boundMs}`,
        );
      }),
      { seed: 20240331, numRuns: 30, includeErrorInReport: true },
    );
    assert.ok(checked >= 20, `only ${checked} scenarios had rotations to compare`);
  });
});
