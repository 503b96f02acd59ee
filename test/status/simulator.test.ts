// `rotor status` end to end under the simulator: rotor's rendered recycler CronJobs and Leases, real recycler runs
// with the CronJobs' own flags leaving their Lease reports and Events, seeded Jobs, then the command itself through
// a kubeconfig, on the virtual clock. Exact output asserted, text and json.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { runStatus, type StatusOptions } from "../../cli/status";
import { DAY, HOUR, startHarness, type Harness } from "../recycler/harness";
import { statusRoleRules } from "../../status/rbac";
import { runCronJob, seedRotorApp } from "./fixtures";

const NS = "shop";
const MINUTE = 60_000;

async function status(h: Harness, options: Partial<StatusOptions>, token?: string) {
  let out = "";
  const code = await runStatus(
    { kubeconfig: h.kubeconfig(token), format: "text", namespace: NS, ...options },
    { stdout: { write: (t: string) => (out += t) }, env: {}, clock: h.clock },
  );
  return { code, out };
}

describe("rotor status under the simulator", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      authorize: [
        { token: "status-role", user: "jane", namespace: NS, rules: statusRoleRules() },
        { token: "status-cluster-role", user: "ops", rules: statusRoleRules() },
      ],
    });
    const rotation = { maxAge: "1d", jitter: "0s", schedule: "*/15 * * * *" };
    // api: two pods long past their deadline, and a budget that allows no eviction.
    const api = seedRotorApp(h, {
      namespace: NS,
      name: "api",
      replicas: 3,
      podAgesMs: [3 * DAY, 2 * DAY, HOUR],
      rotation,
      minAvailable: 3,
    });
    // web: young pods, a run that found nothing to do, a Job that succeeded.
    const web = seedRotorApp(h, {
      namespace: NS,
      name: "web",
      replicas: 2,
      podAgesMs: [HOUR, 2 * HOUR],
      rotation,
    });
    // cart: paused by annotation.
    const cart = seedRotorApp(h, {
      namespace: NS,
      name: "cart",
      replicas: 2,
      podAgesMs: [HOUR, HOUR],
      rotation,
      annotations: { "rotor.dev/paused": "true" },
    });
    // pay: its last Job failed (the run never reported).
    seedRotorApp(h, { namespace: NS, name: "pay", replicas: 2, podAgesMs: [HOUR, HOUR], rotation });
    h.sim.seedJob({
      namespace: NS,
      name: "pay-recycler-29443590",
      cronJob: "pay-recycler",
      outcome: "failed",
      startedAgoMs: 10 * MINUTE,
      endedAgoMs: 5 * MINUTE,
      reason: "DeadlineExceeded",
      message: "Job was active longer than specified deadline",
    });
    h.sim.seedJob({
      namespace: NS,
      name: "web-recycler-29443590",
      cronJob: "web-recycler",
      outcome: "succeeded",
      startedAgoMs: 10 * MINUTE,
      endedAgoMs: 9 * MINUTE,
    });
    // search: a pod just due and a budget that allows nothing, for two runs in a row.
    const search = seedRotorApp(h, {
      namespace: NS,
      name: "search",
      replicas: 3,
      podAgesMs: [DAY + 5 * MINUTE, 2 * HOUR, HOUR],
      rotation,
      minAvailable: 3,
    });
    // queue: its CronJob suspended.
    seedRotorApp(h, {
      namespace: NS,
      name: "queue",
      replicas: 2,
      podAgesMs: [HOUR, HOUR],
      rotation: { ...rotation, suspend: true },
    });
    // feed: a pod past its deadline, waiting for the next run.
    seedRotorApp(h, {
      namespace: NS,
      name: "feed",
      replicas: 2,
      podAgesMs: [DAY - 20 * MINUTE, HOUR],
      rotation,
    });
    // 10:00: every recycler that is not suspended runs; at 10:30 api and search run again; status asks at 10:45.
    await runCronJob(h, api, "run-1");
    await runCronJob(h, web, "run-2");
    await runCronJob(h, cart, "run-3");
    await runCronJob(h, search, "run-4");
    await h.clock.advance(30 * MINUTE);
    await runCronJob(h, api, "run-5");
    await runCronJob(h, search, "run-6");
    await h.clock.advance(15 * MINUTE);
  });
  after(() => h.close());

  it("puts what needs attention first and shows each app's oldest pod, runs, Jobs and pause, in text", async () => {
    const { code, out } = await status(h, {});
    assert.equal(code, 1, "overdue pods, a failed Job and a long block fail the status");
    assert.deepEqual(out.split("\n"), [
      "7 apps in namespace shop at 2026-01-05T10:45:00Z: 3 failing, 2 paused, 2 within their bound",
      "",
      "APP          STATE    READY  OLDEST/DEADLINE  DUE  OVERDUE  LAST RUN               NEXT RUN",
      "shop/api     overdue  3/3    3d45m/1d         2    2        blocked 15m ago        in 15m",
      "shop/pay     failed   2/2    1h45m/1d         0    0        none                   in 15m",
      "shop/search  blocked  3/3    1d50m/1d         1    0        blocked 15m ago        in 15m",
      "shop/cart    paused   2/2    1h45m/1d         0    0        skipped 45m ago        in 15m",
      "shop/queue   paused   2/2    1h45m/1d         0    0        none                   suspended",
      "shop/feed    due      2/2    1d25m/1d         1    0        none                   in 15m",
      "shop/web     ok       2/2    2h45m/1d         0    0        nothing-to-do 45m ago  in 15m",
      "",
      "shop/api: overdue",
      "  problem    2 of 3 pods overdue: api-574685b4d8-4n56q should have been rotated by 2026-01-03T11:05:00Z (due 2026-01-03T10:00:00Z, then 3 usable runs, each ending at most 20m after its scheduled time)",
      "  problem    rotation has been blocked since 2026-01-05T10:00:00Z, longer than one schedule period (the run due at 2026-01-05T10:15:00Z did not end it): PodDisruptionBudget api allows no disruption (3 healthy, 3 required)",
      "  pods       3 desired, 3 Ready; 2 due, 2 overdue",
      "  oldest     api-574685b4d8-4n56q, age 3d45m of 1d (max age 1d + jitter 0s); due since 2026-01-03T10:00:00Z (2d45m ago)",
      "  last run   2026-01-05T10:30:00Z (15m ago) blocked: PodDisruptionBudget api allows no disruption (3 healthy, 3 required); rotated none; blocked since 2026-01-05T10:00:00Z",
      "  last Job   none",
      "  next run   2026-01-05T11:00:00Z (in 15m)",
      '  rotation   max age 1d, jitter up to 0s, 1 per run (evict); schedule "*/15 * * * *" (Etc/UTC), no windows',
      "",
      "shop/pay: failed",
      "  problem    the last Job pay-recycler-29443590 failed (DeadlineExceeded: Job was active longer than specified deadline)",
      "  pods       2 desired, 2 Ready; 0 due, 0 overdue",
      "  oldest     pay-7f7844d6cb-mshrn, age 1h45m of 1d (max age 1d + jitter 0s); due at 2026-01-06T09:00:00Z (in 22h15m)",
      "  last run   none reported yet",
      "  last Job   pay-recycler-29443590 failed (DeadlineExceeded: Job was active longer than specified deadline) at 2026-01-05T09:55:00Z",
      "  next run   2026-01-05T11:00:00Z (in 15m)",
      '  rotation   max age 1d, jitter up to 0s, 1 per run (evict); schedule "*/15 * * * *" (Etc/UTC), no windows',
      "",
      "shop/search: blocked",
      "  problem    rotation has been blocked since 2026-01-05T10:00:00Z, longer than one schedule period (the run due at 2026-01-05T10:15:00Z did not end it): PodDisruptionBudget search allows no disruption (3 healthy, 3 required)",
      "  pods       3 desired, 3 Ready; 1 due, 0 overdue",
      "  oldest     search-7bb968b874-mkxlb, age 1d50m of 1d (max age 1d + jitter 0s); due since 2026-01-05T09:55:00Z (50m ago)",
      "  last run   2026-01-05T10:30:00Z (15m ago) blocked: PodDisruptionBudget search allows no disruption (3 healthy, 3 required); rotated none; blocked since 2026-01-05T10:00:00Z",
      "  last Job   none",
      "  next run   2026-01-05T11:00:00Z (in 15m)",
      '  rotation   max age 1d, jitter up to 0s, 1 per run (evict); schedule "*/15 * * * *" (Etc/UTC), no windows',
      "",
      "shop/cart: paused",
      '  paused     Deployment cart has rotor.dev/paused: "true"',
      "  pods       2 desired, 2 Ready; 0 due, 0 overdue",
      "  oldest     cart-6885d5d7bb-8f2mw, age 1h45m of 1d (max age 1d + jitter 0s); due at 2026-01-06T09:00:00Z (in 22h15m)",
      '  last run   2026-01-05T10:00:00Z (45m ago) skipped: paused by annotation rotor.dev/paused: "true" on Deployment cart; rotated none',
      "  last Job   none",
      "  next run   2026-01-05T11:00:00Z (in 15m)",
      '  rotation   max age 1d, jitter up to 0s, 1 per run (evict); schedule "*/15 * * * *" (Etc/UTC), no windows',
      "",
      "shop/queue: paused",
      "  paused     CronJob queue-recycler is suspended",
      "  pods       2 desired, 2 Ready; 0 due, 0 overdue",
      "  oldest     queue-7fddc7dcbb-2mrkk, age 1h45m of 1d (max age 1d + jitter 0s); due at 2026-01-06T09:00:00Z (in 22h15m)",
      "  last run   none reported yet",
      "  last Job   none",
      "  next run   suspended",
      '  rotation   max age 1d, jitter up to 0s, 1 per run (evict); schedule "*/15 * * * *" (Etc/UTC), no windows',
      "",
      "shop/feed: due",
      "  pods       2 desired, 2 Ready; 1 due, 0 overdue",
      "  oldest     feed-7d74c76b78-ftxrg, age 1d25m of 1d (max age 1d + jitter 0s); due since 2026-01-05T10:20:00Z (25m ago)",
      "  last run   none reported yet",
      "  last Job   none",
      "  next run   2026-01-05T11:00:00Z (in 15m)",
      '  rotation   max age 1d, jitter up to 0s, 1 per run (evict); schedule "*/15 * * * *" (Etc/UTC), no windows',
      "",
      "shop/web: ok",
      "  pods       2 desired, 2 Ready; 0 due, 0 overdue",
      "  oldest     web-68bf648856-8jsz8, age 2h45m of 1d (max age 1d + jitter 0s); due at 2026-01-06T08:00:00Z (in 21h15m)",
      "  last run   2026-01-05T10:00:00Z (45m ago) nothing-to-do: no pod is older than 1d plus its jitter; next due: web-68bf648856-8jsz8 at 2026-01-06T08:00:00.000Z; rotated none",
      "  last Job   web-recycler-29443590 succeeded at 2026-01-05T09:51:00Z",
      "  next run   2026-01-05T11:00:00Z (in 15m)",
      '  rotation   max age 1d, jitter up to 0s, 1 per run (evict); schedule "*/15 * * * *" (Etc/UTC), no windows',

      "",
    ]);
  });

  it("gives the same facts in --format json, in the documented shape", async () => {
    const { code, out } = await status(h, { format: "json" });
    assert.equal(code, 1);
    const doc = JSON.parse(out) as {
      version: number;
      now: string;
      namespace: string | null;
      allNamespaces: boolean;
      exitCode: number;
      apps: {
        app: string;
        state: string;
        failing: boolean;
        problems: { kind: string }[];
        paused: string[];
        pods: { due: number; overdue: number };
        lastRun: { result: string } | null;
        lastJob: { outcome: string } | null;
        nextRun: string | null;
      }[];
    };
    assert.deepEqual(
      {
        version: doc.version,
        now: doc.now,
        namespace: doc.namespace,
        allNamespaces: doc.allNamespaces,
        exitCode: doc.exitCode,
      },
      { version: 1, now: "2026-01-05T10:45:00Z", namespace: "shop", allNamespaces: false, exitCode: 1 },
    );
    assert.deepEqual(doc.apps[0], {
      namespace: "shop",
      app: "api",
      cronJob: "api-recycler",
      state: "overdue",
      failing: true,
      problems: [
        {
          kind: "overdue",
          message:
            "2 of 3 pods overdue: api-574685b4d8-4n56q should have been rotated by 2026-01-03T11:05:00Z (due 2026-01-03T10:00:00Z, then 3 usable runs, each ending at most 20m after its scheduled time)",
        },
        {
          kind: "blocked",
          message:
            "rotation has been blocked since 2026-01-05T10:00:00Z, longer than one schedule period (the run due at 2026-01-05T10:15:00Z did not end it): PodDisruptionBudget api allows no disruption (3 healthy, 3 required)",
        },
      ],
      notes: [],
      paused: [],
      replicas: {
        desired: 3,
        ready: 3,
      },
      pods: {
        live: 3,
        due: 2,
        overdue: 2,
      },
      oldestPod: {
        name: "api-574685b4d8-4n56q",
        created: "2026-01-02T10:00:00Z",
        age: {
          ms: 261900000,
          text: "3d45m",
        },
        jitter: {
          ms: 0,
          text: "0s",
        },
        deadline: "2026-01-03T10:00:00Z",
        rotateBy: "2026-01-03T11:05:00Z",
        due: true,
        overdue: true,
      },
      lastRun: {
        time: "2026-01-05T10:30:00Z",
        result: "blocked",
        reason: "PodDisruptionBudget api allows no disruption (3 healthy, 3 required)",
        rotated: [],
        source: "lease",
      },
      blockedSince: "2026-01-05T10:00:00Z",
      lastJob: null,
      nextRun: "2026-01-05T11:00:00Z",
      nextUsableRun: "2026-01-05T11:00:00Z",
      rotation: {
        maxAge: {
          ms: 86400000,
          text: "1d",
        },
        jitter: {
          ms: 0,
          text: "0s",
        },
        maxRotations: 1,
        strategy: "evict",
        schedule: "*/15 * * * *",
        timeZone: "Etc/UTC",
        windows: [],
        windowTimeZone: "Etc/UTC",
        lease: "api-recycler",
        startingDeadlineSeconds: 300,
        activeDeadlineSeconds: 900,
      },
    });
    assert.deepEqual(
      doc.apps.map((a) => [
        a.app,
        a.state,
        a.failing,
        a.problems.map((p) => p.kind),
        a.paused,
        a.pods.due,
        a.pods.overdue,
        a.lastRun?.result,
        a.lastJob?.outcome,
        a.nextRun,
      ]),
      [
        [
          "api",
          "overdue",
          true,
          ["overdue", "blocked"],
          [],
          2,
          2,
          "blocked",
          undefined,
          "2026-01-05T11:00:00Z",
        ],
        ["pay", "failed", true, ["failed"], [], 0, 0, undefined, "failed", "2026-01-05T11:00:00Z"],
        ["search", "blocked", true, ["blocked"], [], 1, 0, "blocked", undefined, "2026-01-05T11:00:00Z"],
        [
          "cart",
          "paused",
          false,
          [],
          ['Deployment cart has rotor.dev/paused: "true"'],
          0,
          0,
          "skipped",
          undefined,
          "2026-01-05T11:00:00Z",
        ],
        [
          "queue",
          "paused",
          false,
          [],
          ["CronJob queue-recycler is suspended"],
          0,
          0,
          undefined,
          undefined,
          null,
        ],
        ["feed", "due", false, [], [], 1, 0, undefined, undefined, "2026-01-05T11:00:00Z"],
        ["web", "ok", false, [], [], 0, 0, "nothing-to-do", "succeeded", "2026-01-05T11:00:00Z"],
      ],
    );
  });

  it("reads all of it with only the rotor-status Role, or across namespaces with the ClusterRole, and writes nothing", async () => {
    const admin = await status(h, {});
    const before = h.sim.log.requests.length;
    assert.deepEqual(await status(h, {}, "status-role"), admin);
    const all = await status(h, { namespace: undefined, allNamespaces: true }, "status-cluster-role");
    assert.equal(all.code, 1);
    assert.equal(
      all.out,
      admin.out.replace(
        "7 apps in namespace shop at 2026-01-05T10:45:00Z",
        "7 apps in all namespaces at 2026-01-05T10:45:00Z",
      ),
    );
    const mine = h.sim.log.requests.slice(before);
    assert.deepEqual(h.sim.log.denials, []);
    assert.deepEqual([...new Set(mine.map((r) => r.method))], ["GET"]);
    // One list of CronJobs, then per app: the Deployment, its Jobs, Lease and Events, then its ReplicaSets and pods.
    assert.equal(mine.filter((r) => r.token === "status-role").length, 1 + 7 * 6);
    assert.deepEqual([...new Set(mine.map((r) => `${r.verb} ${r.resource}`))].sort(), [
      "get deployments",
      "get leases",
      "list cronjobs",
      "list events",
      "list jobs",
      "list pods",
      "list replicasets",
    ]);
  });
});
