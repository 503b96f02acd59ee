import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TimeoutError } from "../../recycler/clock";
import { KubeSimulator, SystemSimClock, VirtualClock } from "../../simulator";
import { HANG_GUARD_MS } from "../helpers/hang-guard";
import type { Pod } from "../../simulator";
import { TestClient } from "./client";
import { T0, at, ready, withSim, type Harness, type List } from "./helpers";

const HOUR = 3_600_000;

describe("VirtualClock", () => {
  it("runs actors concurrently and moves time only to the next timer", async () => {
    const clock = new VirtualClock(T0);
    const seen: string[] = [];
    const results = await clock.runActors([
      async () => {
        await clock.sleep(5000);
        seen.push(`a@${clock.now() - T0}`);
        await clock.sleep(5000);
        seen.push(`a@${clock.now() - T0}`);
        return "a";
      },
      async () => {
        await clock.sleep(7000);
        seen.push(`b@${clock.now() - T0}`);
        return "b";
      },
    ]);
    assert.deepEqual(results, ["a", "b"]);
    assert.deepEqual(seen, ["a@5000", "b@7000", "a@10000"]);
    assert.equal(clock.now(), T0 + 10_000);
  });

  it("withTimeout rejects with TimeoutError at exactly the bound and aborts the controller", async () => {
    const clock = new VirtualClock(T0);
    const controller = new AbortController();
    const [error] = await clock.runActors([
      async () => {
        try {
          await clock.withTimeout(new Promise<never>(() => {}), 30_000, "GET /never", controller);
          return undefined;
        } catch (e) {
          return e;
        }
      },
    ]);
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.message, "GET /never did not finish within 30000 ms");
    assert.equal(clock.now(), T0 + 30_000);
    assert.equal(controller.signal.aborted, true);
  });

  it("withTimeout settles like the operation when it finishes first, and a sleep ends early on abort", async () => {
    const clock = new VirtualClock(T0);
    const [value, woke] = await clock.runActors<number | string>([
      () => clock.withTimeout(Promise.resolve(42), 1000, "fast"),
      async () => {
        const stop = new AbortController();
        setImmediate(() => stop.abort());
        await clock.sleep(HOUR, stop.signal);
        return `woke at ${clock.now() - T0}`;
      },
    ]);
    assert.equal(value, 42);
    assert.equal(woke, "woke at 0");
  });

  it("reports a deadlock instead of hanging, and stops at maxVirtualMs", async () => {
    const clock = new VirtualClock(T0);
    await assert.rejects(
      clock.runActors([() => new Promise<never>(() => {})]),
      /deadlock at 2026-01-05T10:00:00.000Z: 1 actor\(s\)/,
    );
    const busy = new VirtualClock(T0);
    const loop = async () => {
      for (;;) await busy.sleep(HOUR);
    };
    await assert.rejects(
      busy.runActors([loop], { maxVirtualMs: 10 * HOUR }),
      /actors still running after 36000000 virtual ms/,
    );
    assert.equal(busy.now(), T0 + 10 * HOUR);
  });

  it("advance fires simulator timers in time order, equal times in scheduling order", async () => {
    const clock = new VirtualClock(T0);
    const fired: string[] = [];
    clock.setTimer(T0 + 20, () => fired.push("c"));
    clock.setTimer(T0 + 10, () => fired.push("a"));
    const cancelled = clock.setTimer(T0 + 10, () => fired.push("x"));
    clock.setTimer(T0 + 10, () => {
      fired.push("b");
      clock.setTimer(clock.now(), () => fired.push("b2"));
    });
    clock.cancelTimer(cancelled);
    await clock.advance(15);
    assert.deepEqual(fired, ["a", "b", "b2"]);
    assert.equal(clock.now(), T0 + 15);
    await clock.advance(100);
    assert.deepEqual(fired, ["a", "b", "b2", "c"]);
    assert.equal(clock.nextTimerAt(), undefined);
  });

  it("a recycler-like actor rotates three pods over real HTTP through hours of virtual time", async () => {
    const log = await withSim({ seed: 7 }, (h) => rotateThree(h));
    assert.deepEqual(log.trace, [
      "0s evict web-1 201",
      "0s replacement web-2 ADDED",
      "5s replacement web-2 Ready",
      "21605s evict web-1 201",
      "21605s replacement web-2 ADDED",
      "21610s replacement web-2 Ready",
      "43210s evict web-1 201",
      "43210s replacement web-2 ADDED",
      "43215s replacement web-2 Ready",
    ]);
    assert.equal(log.elapsedSeconds, 3 * 6 * 3600 + 15);
    assert.deepEqual(log.violations, 0);
    assert.equal(log.minReady, 2);
  });

  it("is deterministic: the same scenario twice gives the same request log", async () => {
    const first = await withSim({ seed: 7 }, async (h) => {
      await rotateThree(h);
      return h.sim.log.requests.map((r) => `${r.atMs - T0} ${r.method} ${r.path} ${r.status}`);
    });
    const second = await withSim({ seed: 7 }, async (h) => {
      await rotateThree(h);
      return h.sim.log.requests.map((r) => `${r.atMs - T0} ${r.method} ${r.path} ${r.status}`);
    });
    assert.equal(first.length, 9);
    assert.deepEqual(second, first);
  });

  it("does not move time while requests are in flight, even with many of them", async () => {
    await withSim({}, async ({ clock, client, sim }) => {
      await clock.runActors([
        async () => {
          for (let i = 0; i < 25; i++) await client.get("/api/v1/namespaces/apps/pods");
          await clock.sleep(1000);
        },
        async () => {
          await Promise.all(
            Array.from({ length: 25 }, () => client.get("/apis/apps/v1/namespaces/apps/deployments")),
          );
        },
      ]);
      assert.equal(sim.log.requests.length, 50);
      assert.ok(sim.log.requests.every((r) => r.atMs === T0 && r.status === 200));
      assert.equal(clock.now(), T0 + 1000);
    });
  });
});

describe("SystemSimClock", () => {
  it("runs the simulator and its controllers in real time", async () => {
    const clock = new SystemSimClock();
    const sim = await KubeSimulator.start({
      clock,
      token: "t",
      defaultLifecycle: { startupMs: 5, readyDelayMs: 5, terminationMs: 5 },
    });
    // Real time: the request's bound is only a hang guard.
    const client = new TestClient({ url: sim.url, token: "t", clock, timeoutMs: HANG_GUARD_MS });
    try {
      sim.seedDeployment({
        namespace: "apps",
        name: "web",
        replicas: 2,
        startupMs: 5,
        readyDelayMs: 5,
        terminationMs: 5,
      });
      const [victim] = sim.pods("apps");
      assert.equal((await client.evict("apps", victim.metadata.name!)).status, 201);
      // Poll (no assertion on how long it takes): the replacement becomes Ready and the victim goes.
      const giveUp = performance.now() + HANG_GUARD_MS;
      while (performance.now() < giveUp) {
        const pods = sim.pods("apps");
        if (
          pods.length === 2 &&
          pods.every(ready) &&
          !pods.some((p) => p.metadata.name === victim.metadata.name)
        )
          break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const pods = sim.pods("apps");
      assert.equal(pods.filter(ready).length, 2);
      assert.equal(sim.pod("apps", victim.metadata.name!), undefined);
    } finally {
      client.close();
      await sim.close();
    }
  });

  it("fires and cancels timers and times out operations in real time", async () => {
    const clock = new SystemSimClock();
    // The clock's timers are unref'd (a forgotten simulator must not keep a process alive): hold the loop open,
    // for however long a busy machine takes to fire a 2 ms timer.
    const keepAlive = setInterval(() => {}, 1000);
    const fired = await new Promise<string>((resolve) => {
      const cancelled = clock.setTimer(clock.now() + 1, () => resolve("cancelled one fired"));
      clock.cancelTimer(cancelled);
      clock.setTimer(clock.now() + 2, () => resolve("fired"));
    });
    clearInterval(keepAlive);
    assert.equal(fired, "fired");
    await assert.rejects(clock.withTimeout(new Promise(() => {}), 1, "x"), TimeoutError);
    assert.deepEqual(await clock.runActors([() => Promise.resolve(1), () => Promise.resolve(2)]), [1, 2]);
  });
});

/** Three rotations 6 hours apart: evict the oldest pod, wait on a watch for its replacement to be Ready. */
async function rotateThree(
  h: Harness,
): Promise<{ trace: string[]; elapsedSeconds: number; violations: number; minReady?: number }> {
  const { sim, clock, client } = h;
  sim.seedDeployment({
    namespace: "apps",
    name: "web",
    replicas: 3,
    podAgesMs: [9 * HOUR, 8 * HOUR, 7 * HOUR],
  });
  sim.seedPodDisruptionBudget({ namespace: "apps", name: "web", maxUnavailable: 1 });
  const trace: string[] = [];
  const selector = "labelSelector=app.kubernetes.io%2Fname%3Dweb";
  await clock.runActors([
    async () => {
      for (let round = 0; round < 3; round++) {
        const list = await client.get<List<Pod>>(`/api/v1/namespaces/apps/pods?${selector}`);
        const pods = list.json.items
          .filter((p) => !p.metadata.deletionTimestamp)
          .sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!));
        const known = new Set(pods.map((p) => p.metadata.name));
        const evicted = await client.evict("apps", pods[0].metadata.name!);
        trace.push(`${at(clock)}s evict web-1 ${evicted.status}`);
        const watch = await client.watch(
          `/api/v1/namespaces/apps/pods?watch=1&${selector}&resourceVersion=${list.json.metadata.resourceVersion}`,
        );
        for (;;) {
          const event = await watch.next(10 * 60_000);
          if (typeof event === "string") throw new Error(`watch ${event}`);
          if (known.has(event.object.metadata.name)) continue;
          if (event.type === "ADDED") trace.push(`${at(clock)}s replacement web-2 ADDED`);
          if (ready(event.object)) {
            trace.push(`${at(clock)}s replacement web-2 Ready`);
            break;
          }
        }
        watch.close();
        await clock.sleep(6 * HOUR);
      }
    },
  ]);
  return {
    trace,
    elapsedSeconds: at(clock),
    violations: sim.monitor.violations.length,
    minReady: sim.monitor.minReady("apps", "web"),
  };
}
