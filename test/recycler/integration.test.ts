/**
 * The recycler against the simulator, one scenario per result and per failure mode (docs/recycler.md,
 * shared NOTES.md). Every run goes through a kubeconfig written by the simulator and the production client.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KubeClient } from "../../recycler/kube-client";
import { loadKubeconfigYaml } from "../../recycler/index";
import { LAST_RUN_ANNOTATION, RESTARTED_AT_ANNOTATION } from "../../contract/annotations";
import type { Deployment, Pod } from "../../recycler/types";
import type { RecyclerReport } from "../../recycler/report";
import { runRecycler } from "../../recycler/run";
import {
  DAY,
  HOUR,
  mutations,
  NS,
  runAll,
  runOne,
  seedApp,
  settingsOf,
  startHarness,
  START,
  type Harness,
} from "./harness";

async function withHarness(
  options: Parameters<typeof startHarness>[0],
  fn: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await startHarness(options);
  try {
    await fn(h);
  } finally {
    await h.close();
  }
}

function webPods(h: Harness): Pod[] {
  return h.sim.pods(NS, {
    "app.kubernetes.io/name": "web",
    "app.kubernetes.io/instance": "web",
  });
}

function lastRun(
  h: Harness,
): { time: string; result: string; rotated: string[]; reason: string } | undefined {
  // The run report lives on the recycler's Lease: a write to the Deployment would bump its generation.
  const text = h.sim.lease(NS, "web-recycler")?.metadata.annotations?.[LAST_RUN_ANNOTATION];
  return text
    ? (JSON.parse(text) as { time: string; result: string; rotated: string[]; reason: string })
    : undefined;
}

function recyclerEvents(h: Harness): { reason: string; type: string; message: string }[] {
  return h.sim
    .events(NS)
    .filter((e) => e.source?.component === "rotor-recycler")
    .map((e) => ({ reason: e.reason ?? "", type: e.type ?? "", message: e.message ?? "" }));
}

/** An admin client for scripted changes, through the same client code. */
function admin(h: Harness): KubeClient {
  return new KubeClient(loadKubeconfigYaml({ kubeconfig: h.kubeconfig(), clock: h.clock, env: {} }), h.clock);
}

describe("recycler against the simulator: results", () => {
  it("rotated: the oldest pods first, one at a time, with Events, status annotation and a released Lease", async () => {
    await withHarness({ tls: true }, async (h) => {
      seedApp(h, { replicas: 3, podAgesMs: [2 * DAY, 3 * DAY, 2.5 * DAY] });
      const before = webPods(h).sort(
        (a, b) => Date.parse(a.metadata!.creationTimestamp!) - Date.parse(b.metadata!.creationTimestamp!),
      );
      const { report } = await runOne(h, { raw: { maxRotations: "3" } });
      assert.equal(report.result, "rotated");
      assert.deepEqual(
        report.rotated,
        before.map((p) => p.metadata!.name),
      );
      assert.equal(report.exitCode, 0);
      assert.ok(report.requests <= 18, `${report.requests} requests for 3 rotations`);
      assert.equal(report.requests, h.sim.log.requests.length);
      assert.deepEqual(h.sim.monitor.violations, []);
      assert.equal(h.sim.monitor.maxConcurrentRotations(NS, "web"), 1);
      assert.deepEqual(
        h.sim.log.evictions.map((e) => [e.pod, e.code]),
        before.map((p) => [p.metadata!.name, 201]),
      );
      // One at a time: each eviction only after the previous replacement was Ready (5 s start-up by default).
      const times = h.sim.log.evictions.map((e) => e.atMs);
      for (let i = 1; i < times.length; i++) assert.ok(times[i] - times[i - 1] >= 5000);
      const events = recyclerEvents(h);
      assert.deepEqual(
        events.map((e) => e.reason),
        ["PodRotated", "PodRotated", "PodRotated"],
      );
      assert.match(events[0].message, /^Evicted pod web-\S+ \(age 3d\); replacement web-\S+ Ready after 5s$/);
      const annotation = lastRun(h);
      assert.equal(annotation?.result, "rotated");
      assert.deepEqual(annotation?.rotated, report.rotated);
      const lease = h.sim.lease(NS, "web-recycler");
      assert.equal(lease?.spec?.holderIdentity, undefined, "released");
      assert.equal(webPods(h).length, 3);
      assert.ok(webPods(h).every((p) => Date.parse(p.metadata!.creationTimestamp!) >= START));
      // The run never writes the Deployment it guards (a write bumps its generation); its report is on the Lease.
      assert.deepEqual(
        h.sim.log.requests.filter((r) => r.method === "PATCH"),
        [],
      );
      const evictions = h.sim.log.requests.filter((r) => r.subresource === "eviction");
      assert.ok(evictions.every((r) => r.query.fieldManager === "rotor-recycler"));
    });
  });

  it("nothing-to-do: young pods stay, the next due pod is named", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { podAgesMs: [20 * HOUR, 10 * HOUR, HOUR] });
      const { report } = await runOne(h);
      assert.equal(report.result, "nothing-to-do");
      assert.match(
        report.reason ?? "",
        /^no pod is older than 1d plus its jitter; next due: web-\S+ at 2026-01-05T14:00:00.000Z$/,
      );
      assert.equal(h.sim.log.evictions.length, 0);
      assert.equal(lastRun(h)?.result, "nothing-to-do");
      assert.deepEqual(recyclerEvents(h), []);
    });
  });

  it("blocked: a PodDisruptionBudget that allows no disruption", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { pdb: { minAvailable: 3 } });
      const { report } = await runOne(h);
      assert.equal(report.result, "blocked");
      assert.equal(report.reason, "PodDisruptionBudget web allows no disruption (3 healthy, 3 required)");
      assert.equal(h.sim.log.evictions.length, 0);
      assert.deepEqual(
        recyclerEvents(h).map((e) => [e.reason, e.type]),
        [["RotationBlocked", "Warning"]],
      );
      assert.equal(lastRun(h)?.result, "blocked");
      assert.equal(report.exitCode, 0);
    });
  });

  it("blocked: a 429 DisruptionBudget refusal from the Eviction API stops the run and is not a rotation", async () => {
    // The recycler's eviction is held by the API server for 10 s; meanwhile a node drain evicts another pod, so
    // when the held eviction is served the budget is spent: 429 with the DisruptionBudget cause.
    await withHarness(
      {
        faults: {
          requests: [
            {
              kind: "hang",
              match: { resource: "pods", subresource: "eviction" },
              releaseAfterMs: 10_000,
              count: 1,
            },
          ],
        },
      },
      async (h) => {
        seedApp(h, { replicas: 3, podAgesMs: [3 * DAY, HOUR, HOUR] });
        const young = webPods(h).find((p) => Date.parse(p.metadata!.creationTimestamp!) > START - DAY)!
          .metadata!.name!;
        const drain = admin(h);
        const connection = loadKubeconfigYaml({ kubeconfig: h.kubeconfig(), clock: h.clock, env: {} });
        const [report] = await h.clock.runActors<unknown>([
          () =>
            runRecycler(settingsOf({ maxRotations: "3" }), {
              connection,
              clock: h.clock,
              identity: "recycler",
            }),
          async () => {
            await h.clock.sleep(5000);
            await drain.request("POST", `/api/v1/namespaces/${NS}/pods/${young}/eviction`, {
              body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: young, namespace: NS } },
            });
          },
        ]);
        drain.close();
        const r = report as RecyclerReport;
        assert.equal(r.result, "blocked");
        assert.deepEqual(r.rotated, []);
        assert.match(
          r.reason ?? "",
          /^eviction of web-\S+ refused: The disruption budget web needs 2 healthy pods and has 2 currently$/,
        );
        assert.deepEqual(
          h.sim.log.evictions.map((e) => [e.code, e.atMs - START]),
          [
            [201, 5000],
            [429, 10_000],
          ],
        );
        assert.deepEqual(
          recyclerEvents(h).map((e) => e.reason),
          ["RotationBlocked"],
        );
        assert.deepEqual(h.sim.monitor.violations, []);
      },
    );
  });

  it("failed: a replacement that never becomes Ready stops the run and is reported", async () => {
    await withHarness(
      { faults: { pods: [{ namespace: NS, deployment: "web", kind: "never-ready" }] } },
      async (h) => {
        seedApp(h);
        const { report } = await runOne(h, { raw: { maxRotations: "3", readyTimeout: "2m" } });
        assert.equal(report.result, "failed");
        assert.equal(report.exitCode, 1);
        assert.match(
          report.reason ?? "",
          /^evicted (web-\S+) but its replacement did not become available within 2m: replacement web-\S+ is not Ready$/,
        );
        assert.equal(h.sim.log.evictions.length, 1, "no second eviction");
        assert.equal(report.durationMs, 120_000);
        assert.deepEqual(
          recyclerEvents(h).map((e) => e.reason),
          ["RotationFailed"],
        );
        assert.equal(lastRun(h)?.result, "failed");
        assert.deepEqual(h.sim.monitor.violations, []);
      },
    );
  });

  it("restart: a single replica is restarted with a surge, not evicted", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { replicas: 1, podAgesMs: [2 * DAY], pdb: { minAvailable: 1 } });
      const old = webPods(h)[0].metadata!.name;
      const { report, logs } = await runOne(h);
      assert.equal(report.result, "rotated");
      assert.equal(report.strategy, "restart");
      assert.deepEqual(report.rotated, [old]);
      assert.equal(h.sim.log.evictions.length, 0);
      const d = h.sim.deployment(NS, "web") as unknown as Deployment;
      assert.equal(
        d.spec?.template?.metadata?.annotations?.[RESTARTED_AT_ANNOTATION],
        "2026-01-05T10:00:00Z",
      );
      assert.ok(logs.some((l) => l.msg.startsWith("single replica: restarting with a surge")));
      assert.deepEqual(h.sim.monitor.violations, []);
      assert.ok((h.sim.monitor.minReady(NS, "web") ?? 0) >= 1, "never below one Ready pod");
      const now = webPods(h).filter((p) => !p.metadata?.deletionTimestamp);
      assert.equal(now.length, 1);
      assert.notEqual(now[0].metadata!.name, old);
    });
  });

  it("restart: a single replica whose rollout would not surge is skipped with the reason", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { replicas: 1, podAgesMs: [2 * DAY], maxSurge: 0, maxUnavailable: 1, pdb: false });
      const { report } = await runOne(h);
      assert.equal(report.result, "skipped");
      assert.match(
        report.reason ?? "",
        /^a restart is needed \(web-\S+ due\) but Deployment web does not surge \(maxSurge resolves to 0, maxUnavailable to 1 of 1\)/,
      );
      assert.deepEqual(
        mutations(h.sim.log.requests).map((r) => `${r.method} ${r.resource}`),
        ["PUT leases", "POST events", "PUT leases"],
      );
    });
  });

  it("restart: a single replica with nothing due is left alone", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { replicas: 1, podAgesMs: [HOUR] });
      const { report } = await runOne(h);
      assert.equal(report.result, "nothing-to-do");
      assert.equal(
        h.sim.deployment(NS, "web")?.spec.template.metadata?.annotations?.[RESTARTED_AT_ANNOTATION],
        undefined,
      );
    });
  });

  it("dry run: changes nothing and prints the exact plan a real run then follows", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { replicas: 4, podAgesMs: [2 * DAY, 5 * DAY, HOUR, 3 * DAY] });
      const dry = await runOne(h, { raw: { maxRotations: "2", dryRun: true, jitter: "2h" } });
      assert.equal(dry.report.result, "dry-run");
      assert.equal(dry.report.wouldBe, "rotated");
      assert.deepEqual(mutations(h.sim.log.requests), [], "no mutating request at all");
      assert.ok(
        h.sim.log.requests.every((r) => !r.watch),
        "a dry run needs no watch",
      );
      assert.equal(dry.report.plan?.length, 2);
      assert.equal(dry.report.deferred, 1);
      assert.match(
        dry.report.reason ?? "",
        /^would evict 2 pod\(s\): web-\S+, web-\S+; 1 more due, left for later runs \(--max-rotations 2\)$/,
      );
      assert.deepEqual(
        dry.logs.filter((l) => l.msg === "would evict").map((l) => l.pod),
        dry.report.plan?.map((p) => p.pod),
      );
      const real = await runOne(h, { raw: { maxRotations: "2", jitter: "2h" } });
      assert.deepEqual(
        real.report.rotated,
        dry.report.plan?.map((p) => p.pod),
      );
    });
  });

  it("dry run of a blocked app says what a real run would conclude", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { pdb: { maxUnavailable: 0 } });
      const { report } = await runOne(h, { raw: { dryRun: true } });
      assert.equal(report.result, "dry-run");
      assert.equal(report.wouldBe, "blocked");
      assert.deepEqual(report.plan, []);
      assert.deepEqual(mutations(h.sim.log.requests), []);
    });
  });
});

describe("recycler against the simulator: preflight skips", () => {
  const skipCases: [
    string,
    (h: Harness) => Promise<void> | void,
    RegExp,
    Parameters<typeof startHarness>[0]?,
  ][] = [
    [
      "paused by annotation",
      (h) => seedApp(h, { annotations: { "rotor.dev/paused": "true" } }),
      /^paused by annotation rotor.dev\/paused: "true" on Deployment web$/,
    ],
    ["spec.paused", (h) => seedApp(h, { paused: true }), /^Deployment web is paused \(spec.paused\)$/],
    [
      "a rollout in progress",
      async (h) => {
        seedApp(h);
        const c = admin(h);
        await h.clock.runActors([
          () =>
            c.request("PATCH", `/apis/apps/v1/namespaces/${NS}/deployments/web`, {
              contentType: "application/merge-patch+json",
              body: {
                spec: {
                  template: { spec: { containers: [{ name: "app", image: "registry.example/app:2.0.0" }] } },
                },
              },
            }),
        ]);
        c.close();
        await h.clock.advance(1000);
      },
      /^Deployment web is mid-rollout: /,
    ],
    [
      "a stuck rollout (ProgressDeadlineExceeded)",
      async (h) => {
        seedApp(h, { progressDeadlineSeconds: 60 });
        const c = admin(h);
        await h.clock.runActors([
          () =>
            c.request("PATCH", `/apis/apps/v1/namespaces/${NS}/deployments/web`, {
              contentType: "application/merge-patch+json",
              body: {
                spec: {
                  template: { spec: { containers: [{ name: "app", image: "registry.example/app:broken" }] } },
                },
              },
            }),
        ]);
        c.close();
        await h.clock.advance(5 * 60_000);
      },
      /^Deployment web is stuck: its rollout exceeded its progress deadline \(ProgressDeadlineExceeded/,
      { faults: { pods: [{ namespace: NS, deployment: "web", kind: "never-ready" }] } },
    ],
    [
      "a terminating pod",
      async (h) => {
        seedApp(h, { startupMs: 100, readyDelayMs: 100, terminationMs: 60_000 });
        const c = admin(h);
        const victim = webPods(h)[0].metadata!.name!;
        await h.clock.runActors([() => c.request("DELETE", `/api/v1/namespaces/${NS}/pods/${victim}`)]);
        c.close();
        await h.clock.advance(5000);
      },
      /^pod web-\S+ of Deployment web is terminating$/,
    ],
    [
      "a pod not Ready",
      (h) => seedApp(h, { notReady: [1] }),
      /^only 2 of 3 replicas of Deployment web are available$/,
    ],
    [
      "outside the windows",
      (h) => seedApp(h),
      /^outside the allowed windows \(Sat,Sun 00:00-24:00\) in Europe\/Berlin$/,
    ],
    [
      "the Lease held by another run",
      (h) => {
        seedApp(h, { lease: false });
        h.sim.seedLease({
          namespace: NS,
          name: "web-recycler",
          holderIdentity: "other-pod-abc",
          leaseDurationSeconds: 600,
          renewTimeMs: START - 60_000,
        });
      },
      /^Lease web-recycler is held by other-pod-abc until 2026-01-05T10:09:00.000Z: another run is in progress$/,
    ],
    [
      "a stale PodDisruptionBudget status",
      async (h) => {
        seedApp(h);
        const c = admin(h);
        await h.clock.runActors([
          () =>
            c.request("PATCH", `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/web`, {
              contentType: "application/merge-patch+json",
              body: { spec: { maxUnavailable: 2 } },
            }),
        ]);
        c.close();
      },
      /^PodDisruptionBudget web status is stale \(observedGeneration 1 < generation 2\)/,
      { faults: { pdbLag: [{ delayMs: 3_600_000 }] } },
    ],
  ];
  for (const [name, setup, reason, options] of skipCases) {
    it(`skipped: ${name}`, async () => {
      await withHarness(options ?? {}, async (h) => {
        await setup(h);
        const requestsBefore = h.sim.log.requests.length;
        const windows = name.startsWith("outside")
          ? { window: ["Sat,Sun 00:00-24:00"], timeZone: "Europe/Berlin" }
          : {};
        const { report } = await runOne(h, { raw: windows });
        assert.equal(report.result, "skipped", report.reason);
        assert.match(report.reason ?? "", reason);
        const requests = h.sim.log.requests.slice(requestsBefore);
        assert.deepEqual(
          requests.filter((r) => r.resource === "pods" && r.subresource === "eviction"),
          [],
        );
        // A run that does not hold the Lease writes nothing at all: the holder reports.
        if (!name.startsWith("the Lease held")) {
          assert.deepEqual(
            recyclerEvents(h).map((e) => e.reason),
            ["RotationSkipped"],
          );
        }
        if (name.startsWith("the Lease held")) {
          assert.deepEqual(recyclerEvents(h), []);
          assert.equal(lastRun(h), undefined, "the run holding the Lease writes its own report");
          assert.equal(h.sim.lease(NS, "web-recycler")?.spec?.holderIdentity, "other-pod-abc");
        } else {
          assert.equal(lastRun(h)?.result, "skipped");
          assert.equal(lastRun(h)?.reason, report.reason);
        }
      });
    });
  }

  it("not-found: a Deployment that does not exist exits 2, in a dry run too, and changes nothing", async () => {
    await withHarness({}, async (h) => {
      for (const dryRun of [false, true]) {
        const { report } = await runOne(h, { raw: { dryRun } });
        assert.equal(report.result, "not-found");
        assert.equal(report.exitCode, 2);
        assert.equal(
          report.reason,
          "Deployment web not found in namespace shop. Check --deployment and --namespace: kubectl get deployments -n shop",
        );
        assert.equal(report.wouldBe, undefined);
      }
      // Nothing to write an Event or an annotation on, and no Lease taken for nothing.
      assert.deepEqual(mutations(h.sim.log.requests), []);
    });
  });

  it("failed: two PodDisruptionBudgets cover the pods (the Eviction API would answer 500)", async () => {
    await withHarness({}, async (h) => {
      seedApp(h);
      h.sim.seedPodDisruptionBudget({
        namespace: NS,
        name: "web-extra",
        selector: { "app.kubernetes.io/name": "web" },
        maxUnavailable: 1,
      });
      const { report } = await runOne(h);
      assert.equal(report.result, "failed");
      assert.match(
        report.reason ?? "",
        /covered by 2 PodDisruptionBudgets \(web, web-extra\).*Keep one PodDisruptionBudget per app/,
      );
      assert.equal(h.sim.log.evictions.length, 0);
    });
  });
});

describe("recycler against the simulator: failure modes", () => {
  it("throttling: honours Retry-After, then evicts", async () => {
    await withHarness(
      {
        faults: {
          requests: [
            {
              kind: "throttle",
              match: { resource: "pods", subresource: "eviction" },
              retryAfterSeconds: 3,
              count: 2,
            },
          ],
        },
      },
      async (h) => {
        seedApp(h);
        const { report, logs } = await runOne(h);
        assert.equal(report.result, "rotated");
        assert.equal(report.rotated.length, 1);
        const evictions = h.sim.log.requests.filter((r) => r.subresource === "eviction");
        assert.deepEqual(
          evictions.map((r) => r.status),
          [429, 429, 201],
        );
        assert.deepEqual(
          evictions.map((r) => r.atMs - START),
          [0, 3000, 6000],
        );
        assert.equal(logs.filter((l) => l.msg === "eviction not answered, retrying").length, 2);
      },
    );
  });

  it("5xx: backs off exponentially and evicts; not counted before the API says yes", async () => {
    await withHarness(
      {
        faults: {
          requests: [
            { kind: "error", code: 503, match: { resource: "pods", subresource: "eviction" }, count: 3 },
          ],
        },
      },
      async (h) => {
        seedApp(h);
        const { report } = await runOne(h);
        assert.equal(report.result, "rotated");
        const evictions = h.sim.log.requests.filter((r) => r.subresource === "eviction");
        assert.deepEqual(
          evictions.map((r) => [r.status, r.atMs - START]),
          [
            [503, 0],
            [503, 1000],
            [503, 3000],
            [201, 7000],
          ],
        );
      },
    );
  });

  it("5xx that never ends: bounded retries, then failed, nothing reported as rotated", async () => {
    await withHarness(
      {
        faults: {
          requests: [{ kind: "error", code: 500, match: { resource: "pods", subresource: "eviction" } }],
        },
      },
      async (h) => {
        seedApp(h);
        const { report } = await runOne(h, { raw: { maxRotations: "3" } });
        assert.equal(report.result, "failed");
        assert.deepEqual(report.rotated, []);
        assert.match(report.reason ?? "", /^eviction of web-\S+ kept failing after 6 attempts: POST .*: 500/);
        assert.equal(h.sim.log.requests.filter((r) => r.subresource === "eviction").length, 6);
        assert.equal(lastRun(h)?.result, "failed");
      },
    );
  });

  it("transient API errors on reads are retried too", async () => {
    await withHarness(
      { faults: { requests: [{ kind: "error", code: 502, match: { verb: "list" }, count: 2 }] } },
      async (h) => {
        seedApp(h);
        const { report } = await runOne(h);
        assert.equal(report.result, "rotated");
      },
    );
  });

  it("a hanging eviction times out on the clock and is retried", async () => {
    await withHarness(
      {
        faults: {
          requests: [{ kind: "hang", match: { resource: "pods", subresource: "eviction" }, count: 1 }],
        },
      },
      async (h) => {
        seedApp(h);
        const { report } = await runOne(h);
        assert.equal(report.result, "rotated");
        assert.equal(report.rotated.length, 1);
        const evictions = h.sim.log.requests.filter((r) => r.subresource === "eviction");
        assert.deepEqual(
          evictions.map((r) => r.status),
          [0, 201],
        );
      },
    );
  });

  it("an HPA scale-up mid-run: never evicts below the new spec.replicas", async () => {
    await withHarness(
      { faults: { scale: [{ atMs: 2000, namespace: NS, deployment: "web", replicas: 5 }] } },
      async (h) => {
        seedApp(h, { replicas: 3, startupMs: 4000, readyDelayMs: 4000 });
        const { report } = await runOne(h, { raw: { maxRotations: "3" } });
        assert.equal(report.result, "rotated");
        assert.equal(report.rotated.length, 3);
        // Scaling up opens a gap by itself (involuntary); the recycler never adds a voluntary one.
        assert.deepEqual(
          h.sim.monitor.violations.filter((v) => v.voluntary),
          [],
        );
        // The second eviction waits for the two new pods too: 5 Ready before it.
        const second = h.sim.log.evictions[1];
        assert.ok(second.atMs - START >= 10_000, `second eviction at +${second.atMs - START} ms`);
      },
    );
  });

  it("an HPA scale-down mid-run: waits for the scaled-down pods to go, then continues", async () => {
    await withHarness(
      { faults: { scale: [{ atMs: 3000, namespace: NS, deployment: "web", replicas: 2 }] } },
      async (h) => {
        seedApp(h, { replicas: 4, podAgesMs: [4 * DAY, 3 * DAY, 2 * DAY, 2 * DAY] });
        const { report } = await runOne(h, { raw: { maxRotations: "3" } });
        assert.ok(report.result === "rotated" || report.result === "nothing-to-do", report.reason);
        assert.deepEqual(h.sim.monitor.violations, []);
      },
    );
  });

  it("watch streams dropped and history compacted: re-lists and still rotates correctly", async () => {
    await withHarness(
      {
        faults: {
          watchDrops: [
            { match: { resource: "pods" }, afterEvents: 2, mode: "reset", count: 2 },
            { match: { resource: "poddisruptionbudgets" }, afterEvents: 1, mode: "close", count: 1 },
          ],
        },
      },
      async (h) => {
        seedApp(h);
        const { report, logs } = await runOne(h, { raw: { maxRotations: "3" } });
        assert.equal(report.result, "rotated");
        assert.equal(report.rotated.length, 3);
        assert.ok(logs.some((l) => l.msg === "watch broke, will re-list"));
        assert.deepEqual(h.sim.monitor.violations, []);
        assert.ok(h.sim.log.faults.some((f) => f.kind === "watch-drop"));
      },
    );
  });

  it("a window that closes mid-run stops the next eviction", async () => {
    await withHarness({ startMs: Date.parse("2026-01-05T16:59:57Z") }, async (h) => {
      seedApp(h);
      const { report } = await runOne(h, { raw: { maxRotations: "3", window: ["Mon-Fri 09:00-17:00"] } });
      assert.equal(report.result, "rotated");
      assert.equal(report.rotated.length, 1);
      assert.match(
        report.reason ?? "",
        /then stopped: outside the allowed windows \(Mon-Fri 09:00-17:00\) in Etc\/UTC: the window closed during the run$/,
      );
    });
  });

  it("two runs started at once: one takes the Lease, the other is skipped; they never mutate together", async () => {
    await withHarness({ recyclerTokens: ["run-a", "run-b"] }, async (h) => {
      seedApp(h);
      const [a, b] = await runAll(h, [
        { token: "run-a", raw: { maxRotations: "3" } },
        { token: "run-b", raw: { maxRotations: "3" } },
      ]);
      const results = [a.report.result, b.report.result].sort();
      assert.deepEqual(results, ["rotated", "skipped"]);
      const skipped = [a, b].find((r) => r.report.result === "skipped")!;
      assert.match(
        skipped.report.reason ?? "",
        /Lease web-recycler was taken by another run at the same time|is held by run-/,
      );
      assert.deepEqual(
        mutations(h.sim.log.requests, skipped.token)
          .filter((r) => r.status < 300)
          .map((r) => r.resource),
        [],
        "the loser's Lease update is refused (409) and it writes nothing else",
      );
      assert.deepEqual(h.sim.log.denials, []);
    });
  });

  it("RBAC: runs with exactly recyclerRoleRules and is never denied", async () => {
    await withHarness({ recyclerTokens: ["restricted"] }, async (h) => {
      seedApp(h, { replicas: 3 });
      const { report } = await runOne(h, { token: "restricted", raw: { maxRotations: "2" } });
      assert.equal(report.result, "rotated");
      assert.deepEqual(h.sim.log.denials, []);
      const dry = await runOne(h, { token: "restricted", raw: { dryRun: true } });
      assert.equal(dry.report.result, "dry-run");
      assert.deepEqual(h.sim.log.denials, []);
    });
  });

  it("RBAC: a single replica restart is allowed too", async () => {
    await withHarness({ recyclerTokens: ["restricted"] }, async (h) => {
      seedApp(h, { replicas: 1, podAgesMs: [2 * DAY] });
      const { report } = await runOne(h, { token: "restricted" });
      assert.equal(report.result, "rotated");
      assert.deepEqual(h.sim.log.denials, []);
    });
  });

  it("RBAC: a missing Lease cannot be created with the Role; the run fails and says why", async () => {
    await withHarness({ recyclerTokens: ["restricted"] }, async (h) => {
      seedApp(h, { lease: false });
      const { report } = await runOne(h, { token: "restricted" });
      assert.equal(report.result, "failed");
      assert.match(
        report.reason ?? "",
        /^Lease web-recycler does not exist and the recycler may not create it/,
      );
      assert.equal(h.sim.log.evictions.length, 0);
    });
  });

  it("creates the Lease when missing and allowed", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { lease: false });
      const { report } = await runOne(h);
      assert.equal(report.result, "rotated");
      assert.ok(h.sim.lease(NS, "web-recycler"));
    });
  });

  it("never touches pods outside the selector, bare pods, or itself", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { replicas: 3, podAgesMs: [5 * DAY, 4 * DAY, 3 * DAY] });
      h.sim.seedDeployment({
        namespace: NS,
        name: "web-canary",
        replicas: 2,
        labels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-canary" },
        podAgesMs: [9 * DAY, 9 * DAY],
      });
      const c = admin(h);
      await h.clock.runActors([
        () =>
          c.request("POST", `/api/v1/namespaces/${NS}/pods`, {
            body: {
              apiVersion: "v1",
              kind: "Pod",
              metadata: {
                name: "web-bare",
                labels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" },
              },
              spec: { containers: [{ name: "app", image: "x" }] },
            },
          }),
      ]);
      c.close();
      await h.clock.advance(10_000);
      const oldest = webPods(h)
        .filter((p) => p.metadata?.name?.startsWith("web-") && p.metadata.ownerReferences)
        .sort(
          (a, b) => Date.parse(a.metadata!.creationTimestamp!) - Date.parse(b.metadata!.creationTimestamp!),
        )[0];
      const { report } = await runOne(h, {
        raw: { maxRotations: "5" },
        deps: { self: { podName: oldest.metadata!.name! } },
      });
      assert.equal(report.result, "rotated");
      assert.equal(report.rotated.length, 2);
      assert.ok(!report.rotated.includes(oldest.metadata!.name!), "never itself");
      for (const e of h.sim.log.evictions) {
        assert.equal(e.labels["app.kubernetes.io/instance"], "web");
        assert.notEqual(e.pod, "web-bare");
      }
    });
  });

  it("renews the Lease when half of it is gone", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { startupMs: 60_000, readyDelayMs: 30_000 });
      // 3 rotations of 90 s; the Lease lasts 3 x 2m + 2m = 8 min, so it is renewed once, at 4 min.
      const { report } = await runOne(h, { raw: { maxRotations: "3", readyTimeout: "2m" } });
      assert.equal(report.result, "rotated", report.reason);
      assert.equal(report.durationMs, 270_200, "3 x 90 s plus 2 x the disruption controller's 100 ms");
      const leasePuts = h.sim.log.requests.filter((r) => r.resource === "leases" && r.method === "PUT");
      assert.deepEqual(
        leasePuts.map((r) => r.atMs - START),
        [0, 240_000, 270_200],
      );
    });
  });
});

describe("recycler against the simulator: more API behaviour", () => {
  it("--strategy restart replaces every pod with a surge when --max-rotations allows it", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { replicas: 3 });
      const before = webPods(h).map((p) => p.metadata!.name!);
      const { report } = await runOne(h, { raw: { strategy: "restart", maxRotations: "3" } });
      assert.equal(report.result, "rotated");
      assert.equal(report.strategy, "restart");
      assert.deepEqual([...report.rotated].sort(), [...before].sort());
      assert.equal(h.sim.log.evictions.length, 0);
      assert.deepEqual(h.sim.monitor.violations, []);
    });
  });

  it("--strategy restart is skipped when it would replace more pods than --max-rotations", async () => {
    await withHarness({}, async (h) => {
      seedApp(h, { replicas: 3 });
      const { report } = await runOne(h, { raw: { strategy: "restart" } });
      assert.equal(report.result, "skipped");
      assert.equal(
        report.reason,
        "a restart replaces all 3 pods, more than --max-rotations 1; use --strategy evict or raise --max-rotations",
      );
    });
  });

  it("a 500 'more than one PodDisruptionBudget' from the Eviction API is a clear failure", async () => {
    // A second PDB appears while the recycler's eviction is held by the server.
    await withHarness(
      {
        faults: {
          requests: [
            {
              kind: "hang",
              match: { resource: "pods", subresource: "eviction" },
              releaseAfterMs: 5000,
              count: 1,
            },
          ],
        },
      },
      async (h) => {
        seedApp(h);
        const connection = loadKubeconfigYaml({ kubeconfig: h.kubeconfig(), clock: h.clock, env: {} });
        const [report] = await h.clock.runActors<unknown>([
          () => runRecycler(settingsOf({}), { connection, clock: h.clock, identity: "recycler" }),
          async () => {
            await h.clock.sleep(1000);
            h.sim.seedPodDisruptionBudget({
              namespace: NS,
              name: "web-2",
              selector: { "app.kubernetes.io/instance": "web" },
              minAvailable: 1,
            });
          },
        ]);
        const r = report as RecyclerReport;
        assert.equal(r.result, "failed");
        assert.deepEqual(r.rotated, []);
        assert.match(
          r.reason ?? "",
          /^the Eviction API cannot evict web-\S+: its pods are covered by more than one PodDisruptionBudget\. Keep one PodDisruptionBudget per app/,
        );
        assert.deepEqual(
          h.sim.log.evictions.map((e) => e.code),
          [500],
        );
      },
    );
  });

  it("a watch resumed from a resourceVersion the server no longer has gets 410 Expired and re-lists", async () => {
    // A one-event history, the pod watch dropped mid-burst and resumed late: its resourceVersion is too old.
    await withHarness(
      {
        watchHistory: { maxEvents: 1 },
        faults: {
          watchDrops: [{ match: { resource: "pods" }, afterEvents: 2, mode: "close", count: 1 }],
          // The resumed watch is held for 3 s while the pods keep changing.
          requests: [
            {
              kind: "hang",
              match: { verb: "watch", resource: "pods" },
              skip: 1,
              count: 1,
              releaseAfterMs: 3000,
            },
          ],
        },
      },
      async (h) => {
        seedApp(h);
        const { report, logs } = await runOne(h, { raw: { maxRotations: "2" } });
        assert.equal(report.result, "rotated");
        assert.equal(report.rotated.length, 2);
        assert.ok(logs.some((l) => l.msg === "watch ended, will resume"));
        assert.ok(logs.some((l) => l.msg === "watch error, will re-list" && l.code === 410));
        const podLists = h.sim.log.requests.filter((q) => q.resource === "pods" && q.verb === "list");
        assert.equal(podLists.length, 2, "the initial list and one re-list");
        assert.deepEqual(h.sim.monitor.violations, []);
        assert.equal(report.durationMs, 10_100, "recovery costs no time");
      },
    );
  });
});
