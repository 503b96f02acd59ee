// The pure core of `rotor status`, table-driven: deadlines as the recycler computes them, overdue against the
// runs the CronJob controller gives (windows, per-run limit, strategy, time zone), pause, blocked streaks, failed
// runs and Jobs, unreadable reports, missing Deployments, bad flags, and the order and exit code.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dueCandidates } from "../../recycler/plan";
import type { Deployment, Lease, Pod, ReplicaSet } from "../../recycler/types";
import { appStatus, sortStatuses, statusExitCode, type AppStatus } from "../../status/app-status";
import { formatStatusText, relative } from "../../status/format";
import type { CoreEvent, CronJob, Job, ObservedApp } from "../../status/types";

const T = (s: string) => Date.parse(s);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NS = "shop";

interface CronOptions {
  readonly flags?: readonly string[];
  readonly schedule?: string;
  readonly timeZone?: string;
  readonly suspend?: boolean;
}

function cronJob(o: CronOptions = {}): CronJob {
  return {
    metadata: {
      name: "web-recycler",
      namespace: NS,
      uid: "cron-uid",
      labels: { "app.kubernetes.io/managed-by": "rotor", "app.kubernetes.io/component": "pod-recycler" },
      annotations: { "rotor.dev/target-deployment": "web", "rotor.dev/max-pod-age": "1d" },
    },
    spec: {
      schedule: o.schedule ?? "*/15 * * * *",
      timeZone: o.timeZone ?? "Etc/UTC",
      ...(o.suspend ? { suspend: true } : {}),
      startingDeadlineSeconds: 300,
      jobTemplate: {
        spec: {
          activeDeadlineSeconds: 900,
          template: {
            spec: {
              containers: [
                {
                  name: "recycler",
                  command: ["node"],
                  args: [
                    "/opt/rotor/recycler.js",
                    "--namespace",
                    NS,
                    "--deployment",
                    "web",
                    ...(o.flags ?? ["--max-age", "1d", "--jitter", "0s"]),
                  ],
                },
              ],
            },
          },
        },
      },
    },
  };
}

const LABELS = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };

function deployment(replicas: number, annotations?: Record<string, string>): Deployment {
  return {
    metadata: { name: "web", namespace: NS, uid: "d-uid", ...(annotations ? { annotations } : {}) },
    spec: { replicas, selector: { matchLabels: LABELS } },
  };
}

const RS: ReplicaSet = {
  metadata: {
    name: "web-abc",
    uid: "rs-uid",
    labels: { ...LABELS, "pod-template-hash": "abc" },
    annotations: { "deployment.kubernetes.io/revision": "1" },
    ownerReferences: [{ kind: "Deployment", name: "web", uid: "d-uid", controller: true }],
  },
};

function pod(name: string, createdMs: number, o: { ready?: boolean; terminating?: boolean } = {}): Pod {
  return {
    metadata: {
      name,
      uid: `uid-${name}`,
      creationTimestamp: new Date(createdMs).toISOString(),
      labels: { ...LABELS, "pod-template-hash": "abc" },
      ownerReferences: [{ kind: "ReplicaSet", name: "web-abc", uid: "rs-uid", controller: true }],
      ...(o.terminating ? { deletionTimestamp: new Date(createdMs + DAY).toISOString() } : {}),
    },
    status: {
      phase: "Running",
      conditions: [{ type: "Ready", status: o.ready === false ? "False" : "True" }],
    },
  };
}

function lease(report: unknown): Lease {
  return {
    metadata: {
      name: "web-recycler",
      annotations: { "rotor.dev/last-run": typeof report === "string" ? report : JSON.stringify(report) },
    },
  };
}

function event(reason: string, at: number, component = "rotor-recycler"): CoreEvent {
  return {
    metadata: { name: `web.${at.toString(16)}` },
    reason,
    message: `${reason} message`,
    source: { component },
    lastTimestamp: new Date(at).toISOString(),
  };
}

function job(
  name: string,
  createdMs: number,
  outcome: "Failed" | "Complete" | "running",
  owner = "cron-uid",
): Job {
  return {
    metadata: {
      name,
      creationTimestamp: new Date(createdMs).toISOString(),
      ownerReferences: [{ kind: "CronJob", name: "web-recycler", uid: owner, controller: true }],
    },
    status: {
      startTime: new Date(createdMs).toISOString(),
      ...(outcome === "running"
        ? { active: 1 }
        : {
            conditions: [
              {
                type: outcome,
                status: "True",
                lastTransitionTime: new Date(createdMs + MINUTE).toISOString(),
                ...(outcome === "Failed"
                  ? { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" }
                  : {}),
              },
            ],
          }),
    },
  };
}

function observe(o: Partial<ObservedApp> & { replicas?: number; pods?: Pod[] } = {}): ObservedApp {
  const pods = o.pods ?? [pod("a", T("2026-01-05T09:00:00Z"))];
  return {
    cronJob: o.cronJob ?? cronJob(),
    ...("deployment" in o
      ? o.deployment
        ? { deployment: o.deployment }
        : {}
      : { deployment: deployment(o.replicas ?? pods.length) }),
    replicaSets: [RS],
    pods,
    jobs: o.jobs ?? [],
    ...(o.lease ? { lease: o.lease } : {}),
    events: o.events ?? [],
  };
}

describe("deadlines, exactly as the recycler computes them", () => {
  it("uses the pod's own jitter from its UID and the CronJob's --max-age and --jitter", () => {
    const created = T("2026-01-04T08:00:00Z");
    const s = appStatus(
      observe({
        cronJob: cronJob({ flags: ["--max-age", "1d", "--jitter", "2h"] }),
        pods: [pod("a", created)],
      }),
      T("2026-01-05T08:30:00Z"),
    );
    // FNV-1a of "uid-a" puts this pod's jitter at 1h0m21.604s of the 2h maximum.
    assert.equal(s.oldest?.jitterMs, 3_621_604);
    assert.equal(s.oldest?.deadlineMs, created + DAY + 3_621_604);
    assert.equal(s.due, 0);
  });

  it("calls due exactly the pods the recycler would rotate, at every instant around their deadlines", () => {
    const pods = [
      pod("a", T("2026-01-04T08:00:00Z")),
      pod("b", T("2026-01-04T08:30:00Z")),
      pod("c", T("2026-01-04T09:10:00Z")),
    ];
    const cj = cronJob({ flags: ["--max-age", "1d", "--jitter", "2h"] });
    for (let now = T("2026-01-05T08:00:00Z"); now <= T("2026-01-05T11:30:00Z"); now += 7 * MINUTE) {
      const s = appStatus(observe({ cronJob: cj, pods }), now);
      const recycler = dueCandidates(deployment(3), [RS], pods, { now, maxAgeMs: DAY, jitterMs: 2 * HOUR });
      assert.equal(s.due, recycler.length, new Date(now).toISOString());
    }
  });

  it("leaves terminating pods out and takes the oldest live pod", () => {
    const s = appStatus(
      observe({
        pods: [
          pod("old", T("2026-01-01T00:00:00Z"), { terminating: true }),
          pod("b", T("2026-01-05T08:00:00Z")),
        ],
        replicas: 1,
      }),
      T("2026-01-05T10:00:00Z"),
    );
    assert.deepEqual([s.pods, s.oldest?.name, s.state], [1, "b", "ok"]);
  });
});

describe("overdue: past the end of the run that should have rotated the pod", () => {
  // Deadlines at 09:00 (max age 1d, no jitter); runs every 15 minutes may start 5m late and run 15m.
  const created = T("2026-01-04T09:00:00Z");
  const cases: {
    name: string;
    cron?: CronOptions;
    pods?: number;
    now: string;
    rotateBy?: string;
    overdue: number;
  }[] = [
    {
      name: "one pod: the first run after its deadline, ending 20m later",
      now: "2026-01-05T09:35:00Z",
      rotateBy: "2026-01-05T09:35:00Z",
      overdue: 0,
    },
    {
      name: "a millisecond later it is overdue",
      now: "2026-01-05T09:35:00.001Z",
      rotateBy: "2026-01-05T09:35:00Z",
      overdue: 1,
    },
    {
      name: "three pods, one per run: the third run",
      pods: 3,
      now: "2026-01-05T10:05:00Z",
      rotateBy: "2026-01-05T10:05:00Z",
      overdue: 0,
    },
    {
      name: "three pods, three per run: the first run",
      pods: 3,
      cron: { flags: ["--max-age", "1d", "--jitter", "0s", "--max-rotations", "3"] },
      now: "2026-01-05T10:05:00Z",
      rotateBy: "2026-01-05T09:35:00Z",
      overdue: 3,
    },
    {
      name: "a window: the first run sure to start inside it",
      cron: { flags: ["--max-age", "1d", "--jitter", "0s", "--window", "Mon-Fri 10:00-17:00"] },
      now: "2026-01-05T10:20:00Z",
      rotateBy: "2026-01-05T10:20:00Z",
      overdue: 0,
    },
    {
      name: "a run near the end of a window may start outside it and does not count",
      cron: { flags: ["--max-age", "1d", "--jitter", "0s", "--window", "Mon-Fri 09:00-09:20"] },
      now: "2026-01-06T09:25:00Z",
      rotateBy: "2026-01-06T09:20:00Z",
      overdue: 1,
    },
    {
      name: "a restart cannot replace more pods than --max-rotations: overdue at the deadline",
      pods: 3,
      cron: { flags: ["--max-age", "1d", "--jitter", "0s", "--strategy", "restart"] },
      now: "2026-01-05T09:00:01Z",
      overdue: 3,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const pods = Array.from({ length: c.pods ?? 1 }, (_, i) => pod(`p${i}`, created));
      const s = appStatus(observe({ cronJob: cronJob(c.cron), pods }), T(c.now));
      assert.equal(
        s.oldest?.rotateByMs === undefined ? undefined : new Date(s.oldest.rotateByMs).toISOString(),
        c.rotateBy ? new Date(T(c.rotateBy)).toISOString() : undefined,
      );
      assert.equal(s.overdue, c.overdue);
      assert.equal(s.failing, c.overdue > 0);
    });
  }

  it("names the pod, the time it should have gone by, and why", () => {
    const s = appStatus(observe({ pods: [pod("a", created)] }), T("2026-01-05T12:00:00Z"));
    assert.deepEqual(s.problems, [
      {
        kind: "overdue",
        message:
          "1 of 1 pods overdue: a should have been rotated by 2026-01-05T09:35:00Z (due 2026-01-05T09:00:00Z, then the first usable run, which ends at most 20m after its scheduled time)",
      },
    ]);
    const restart = appStatus(
      observe({
        cronJob: cronJob({ flags: ["--max-age", "1d", "--jitter", "0s", "--strategy", "restart"] }),
        pods: [pod("a", created), pod("b", created)],
      }),
      T("2026-01-05T12:00:00Z"),
    );
    assert.equal(
      restart.problems[0]?.message,
      "2 of 2 pods overdue: the recycler cannot rotate 2 replicas with --strategy restart and --max-rotations 1",
    );
  });
});

describe("next run, in the CronJob's time zone", () => {
  it("follows the controller's schedule, windows and suspend", () => {
    const now = T("2026-01-05T10:00:00Z");
    const berlin = appStatus(
      observe({ cronJob: cronJob({ schedule: "0 3 * * *", timeZone: "Europe/Berlin" }) }),
      now,
    );
    assert.equal(berlin.nextRunMs, T("2026-01-06T02:00:00Z"));
    const windowed = appStatus(
      observe({ cronJob: cronJob({ flags: ["--max-age", "1d", "--window", "Sat,Sun 00:00-24:00"] }) }),
      now,
    );
    assert.deepEqual(
      [windowed.nextRunMs, windowed.nextUsableRunMs],
      [T("2026-01-05T10:15:00Z"), T("2026-01-10T00:00:00Z")],
    );
    const suspended = appStatus(observe({ cronJob: cronJob({ suspend: true }) }), now);
    assert.deepEqual(
      [suspended.nextRunMs, suspended.state, suspended.paused],
      [undefined, "paused", ["CronJob web-recycler is suspended"]],
    );
  });
});

describe("paused", () => {
  const now = T("2026-01-05T10:00:00Z");
  const cases: { name: string; observed: ObservedApp; paused: string[] }[] = [
    {
      name: "by annotation",
      observed: observe({ deployment: deployment(1, { "rotor.dev/paused": "true" }) }),
      paused: ['Deployment web has rotor.dev/paused: "true"'],
    },
    {
      name: "not by any other value of it",
      observed: observe({ deployment: deployment(1, { "rotor.dev/paused": "yes" }) }),
      paused: [],
    },
    {
      name: "by a dry-run recycler",
      observed: observe({ cronJob: cronJob({ flags: ["--max-age", "1d", "--dry-run"] }) }),
      paused: ["the recycler runs with --dry-run and rotates nothing"],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = appStatus(c.observed, now);
      assert.deepEqual(s.paused, c.paused);
      assert.equal(s.state, c.paused.length > 0 ? "paused" : "ok");
      assert.equal(s.failing, false);
    });
  }
});

describe("the last run, its Events and Jobs", () => {
  const report = (result: string, time: string, rotated: string[] = []) =>
    lease({ time, result, rotated, reason: `${result} because` });

  it("is blocked for longer than one period once the run after the first blocked one has had time to end", () => {
    const events = [
      event("PodRotated", T("2026-01-05T09:00:00Z")),
      event("RotationBlocked", T("2026-01-05T09:30:00Z")),
      event("RotationBlocked", T("2026-01-05T09:45:00Z")),
      event("RotationFailed", T("2026-01-05T09:40:00Z"), "someone-else"),
    ];
    const observed = observe({ lease: report("blocked", "2026-01-05T09:45:00Z"), events });
    // First blocked at 09:30; the 09:45 run ended by 10:05 at the latest and did not end the block.
    const at = appStatus(observed, T("2026-01-05T10:05:00Z"));
    assert.deepEqual(
      [at.blockedSinceMs, at.failing, at.notes],
      [T("2026-01-05T09:30:00Z"), false, ["the last run was blocked: blocked because"]],
    );
    const after = appStatus(observed, T("2026-01-05T10:05:01Z"));
    assert.deepEqual(after.problems, [
      {
        kind: "blocked",
        message:
          "rotation has been blocked since 2026-01-05T09:30:00Z, longer than one schedule period (the run due at 2026-01-05T09:45:00Z did not end it): blocked because",
      },
    ]);
    const paused = appStatus(
      { ...observed, deployment: deployment(1, { "rotor.dev/paused": "true" }) },
      T("2026-01-06T00:00:00Z"),
    );
    assert.equal(paused.state, "paused", "a paused app is not blocked, it is paused");
  });

  const cases: {
    name: string;
    observed: ObservedApp;
    problems: string[];
    lastRun?: unknown;
    lastJob?: unknown;
    notes?: string[];
  }[] = [
    {
      name: "a failed run fails",
      observed: observe({ lease: report("failed", "2026-01-05T09:45:00Z") }),
      problems: ["failed: the last run failed: failed because"],
      lastRun: {
        timeMs: T("2026-01-05T09:45:00Z"),
        result: "failed",
        reason: "failed because",
        rotated: [],
        source: "lease",
      },
    },
    {
      name: "a rotated run lists its pods",
      observed: observe({ lease: report("rotated", "2026-01-05T09:45:00Z", ["a", "b"]) }),
      problems: [],
      lastRun: {
        timeMs: T("2026-01-05T09:45:00Z"),
        result: "rotated",
        reason: "rotated because",
        rotated: ["a", "b"],
        source: "lease",
      },
    },
    {
      name: "an unreadable report: the newest Event stands in, and a note says so",
      observed: observe({
        lease: lease("{not json"),
        events: [event("RotationSkipped", T("2026-01-05T09:15:00Z"))],
      }),
      problems: [],
      lastRun: {
        timeMs: T("2026-01-05T09:15:00Z"),
        result: "skipped",
        reason: "RotationSkipped message",
        rotated: [],
        source: "event",
      },
      notes: [
        "the Lease web-recycler has an unreadable rotor.dev/last-run annotation; the newest Event stands in for it",
      ],
    },
    {
      name: "the newest Job failed",
      observed: observe({
        jobs: [
          job("j1", T("2026-01-05T09:00:00Z"), "Complete"),
          job("j2", T("2026-01-05T09:15:00Z"), "Failed"),
          job("other", T("2026-01-05T09:30:00Z"), "Complete", "someone-else"),
        ],
      }),
      problems: [
        "failed: the last Job j2 failed (BackoffLimitExceeded: Job has reached the specified backoff limit)",
      ],
      lastJob: {
        name: "j2",
        outcome: "failed",
        reason: "BackoffLimitExceeded",
        message: "Job has reached the specified backoff limit",
        startedMs: T("2026-01-05T09:15:00Z"),
        finishedMs: T("2026-01-05T09:16:00Z"),
      },
    },
    {
      name: "an older Job failed, the newest succeeded",
      observed: observe({
        jobs: [
          job("j1", T("2026-01-05T09:00:00Z"), "Failed"),
          job("j2", T("2026-01-05T09:15:00Z"), "Complete"),
        ],
      }),
      problems: [],
      lastJob: {
        name: "j2",
        outcome: "succeeded",
        startedMs: T("2026-01-05T09:15:00Z"),
        finishedMs: T("2026-01-05T09:16:00Z"),
      },
    },
    {
      name: "a running Job",
      observed: observe({ jobs: [job("j3", T("2026-01-05T09:55:00Z"), "running")] }),
      problems: [],
      lastJob: { name: "j3", outcome: "running", startedMs: T("2026-01-05T09:55:00Z") },
    },
    {
      name: "a CronJob time zone the controller does not know",
      observed: observe({ cronJob: cronJob({ timeZone: "Mars/Olympus" }) }),
      problems: [
        'invalid: the recycler CronJob web-recycler has a timeZone ("Mars/Olympus") that is not an IANA time-zone name; use one like "Europe/Berlin", "America/New_York" or "Etc/UTC"',
      ],
    },
    {
      name: "a max-age annotation that disagrees with --max-age: a note, and --max-age counts",
      observed: observe({ cronJob: cronJob({ flags: ["--max-age", "2d"] }) }),
      problems: [],
      notes: [
        "the CronJob's rotor.dev/max-pod-age (1d) differs from the --max-age the recycler runs with; status uses --max-age",
      ],
    },
    {
      name: "a missing Deployment",
      observed: observe({ deployment: undefined }),
      problems: [
        "missing: Deployment web (the CronJob's rotor.dev/target-deployment) does not exist in namespace shop",
      ],
    },
    {
      name: "flags the recycler refuses",
      observed: observe({ cronJob: cronJob({ flags: ["--max-age", "90s"] }) }),
      problems: [
        'invalid: the recycler CronJob web-recycler has invalid flags: --max-age ("90s") must be at least 5m: pods need time to become Ready. Use a longer --max-age.',
      ],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const s = appStatus(c.observed, T("2026-01-05T10:00:00Z"));
      assert.deepEqual(
        s.problems.map((p) => `${p.kind}: ${p.message}`),
        c.problems,
      );
      assert.equal(s.failing, c.problems.length > 0);
      if ("lastRun" in c) assert.deepEqual(s.lastRun, c.lastRun);
      if ("lastJob" in c) assert.deepEqual(s.lastJob, c.lastJob);
      if (c.notes) assert.deepEqual(s.notes, c.notes);
    });
  }
});

describe("order, exit code and output", () => {
  const now = T("2026-01-05T10:00:00Z");
  const named = (s: AppStatus, app: string, namespace = NS): AppStatus => ({ ...s, app, namespace });
  const ok = appStatus(observe(), now);
  const overdue = appStatus(observe({ pods: [pod("a", T("2026-01-01T00:00:00Z"))] }), now);
  const twoOverdue = appStatus(
    observe({ pods: [pod("a", T("2026-01-01T00:00:00Z")), pod("b", T("2026-01-01T00:00:00Z"))] }),
    now,
  );
  const paused = appStatus(observe({ cronJob: cronJob({ suspend: true }) }), now);
  const failed = appStatus(observe({ jobs: [job("j", T("2026-01-05T09:00:00Z"), "Failed")] }), now);

  it("puts what needs attention first: state, then most overdue pods, then namespace and name", () => {
    const sorted = sortStatuses([
      named(ok, "a"),
      named(paused, "b"),
      named(failed, "c"),
      named(overdue, "d"),
      named(twoOverdue, "e"),
      named(ok, "a", "apps"),
    ]);
    assert.deepEqual(
      sorted.map((s) => `${s.namespace}/${s.app} ${s.state}`),
      ["shop/e overdue", "shop/d overdue", "shop/c failed", "shop/b paused", "apps/a ok", "shop/a ok"],
    );
  });

  it("exits 1 when any app fails, 0 when all are within their bound (paused included)", () => {
    assert.equal(statusExitCode([ok, paused]), 0);
    assert.equal(statusExitCode([ok, failed]), 1);
    assert.equal(statusExitCode([]), 0);
  });

  it("writes times relative to now and says when there is nothing to show", () => {
    assert.deepEqual(
      [relative(now - 90 * MINUTE, now), relative(now + 61_000, now), relative(now, now)],
      ["1h30m ago", "in 1m1s", "0s ago"],
    );
    assert.equal(
      formatStatusText([], { allNamespaces: true }, now),
      "no apps managed by rotor in all namespaces (no CronJob labelled app.kubernetes.io/managed-by=rotor, app.kubernetes.io/component=pod-recycler)\n",
    );
  });
});
