import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Deployment, Pod } from "../../simulator";
import type { Watch, WatchEvent } from "./client";
import { T0, at, withSim, type List } from "./helpers";

const NS = "apps";
const PODS = "/api/v1/namespaces/apps/pods";

/** Collects events until the stream closes or `ms` of virtual time pass without one. */
async function drain(watch: Watch, ms: number, describe: (e: WatchEvent) => string): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const e = await watch.next(ms);
    if (e === "timeout") return out;
    if (e === "closed") return [...out, "closed"];
    out.push(describe(e));
  }
}

describe("watch", () => {
  it("starts with ADDED events for the current state when no resourceVersion is given", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 2 });
      const names = sim.pods(NS).map((p) => p.metadata.name);
      const [events] = await clock.runActors([
        async () => {
          const w = await client.watch(`${PODS}?watch=true`);
          const got = await drain(w, 1000, (e) => `${e.type} ${e.object.metadata.name}`);
          w.close();
          return got;
        },
      ]);
      assert.deepEqual(
        events,
        names.map((n) => `ADDED ${n}`),
      );
    });
  });

  it("delivers exactly the changes after the given resourceVersion, in order", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({
        namespace: NS,
        name: "web",
        replicas: 2,
        startupMs: 1000,
        readyDelayMs: 1000,
        terminationMs: 500,
      });
      const list = await client.get<List<Pod>>(PODS);
      const [victim] = list.json.items;
      await client.evict(NS, victim.metadata.name!);
      const [events] = await clock.runActors([
        async () => {
          const w = await client.watch(
            `${PODS}?watch=1&resourceVersion=${list.json.metadata.resourceVersion}`,
          );
          const got = await drain(w, 10_000, (e) => {
            const p = e.object as Pod;
            const readyNow = (p.status.conditions ?? []).some(
              (c) => c.type === "Ready" && c.status === "True",
            );
            return `${at(clock)}s ${e.type} ${p.metadata.name === victim.metadata.name ? "victim" : "new"} ${p.status.phase}${readyNow ? " Ready" : ""}${p.metadata.deletionTimestamp ? " Terminating" : ""}`;
          });
          w.close();
          return got;
        },
      ]);
      assert.deepEqual(events, [
        // The DisruptionTarget condition first, then the deletion, as the real eviction subresource does.
        "0s MODIFIED victim Running Ready",
        "0s MODIFIED victim Running Ready Terminating",
        "0s ADDED new Pending",
        "0s MODIFIED new Pending",
        "0.5s DELETED victim Running Ready Terminating",
        "1s MODIFIED new Running",
        "2s MODIFIED new Running Ready",
      ]);
    });
  });

  it("filters by fieldSelector=metadata.name and turns label changes into ADDED and DELETED", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 1 });
      sim.seedDeployment({ namespace: NS, name: "api", replicas: 1 });
      const rv = sim.resourceVersion;
      const [deployments, labelled] = await clock.runActors<string[] | void>([
        async () => {
          const w = await client.watch(
            `/apis/apps/v1/namespaces/apps/deployments?watch=1&fieldSelector=metadata.name%3Dweb&resourceVersion=${rv}`,
          );
          const got = await drain(
            w,
            5000,
            (e) => `${e.type} ${e.object.metadata.name} ${(e.object as Deployment).spec.replicas}`,
          );
          w.close();
          return got;
        },
        async () => {
          const w = await client.watch(`${PODS}?watch=1&labelSelector=canary%3Dtrue&resourceVersion=${rv}`);
          const got = await drain(w, 5000, (e) => `${e.type} ${e.object.metadata.labels?.canary ?? "-"}`);
          w.close();
          return got;
        },
        async () => {
          await clock.sleep(1000);
          await client.patch("/apis/apps/v1/namespaces/apps/deployments/api", { spec: { replicas: 2 } });
          await client.patch("/apis/apps/v1/namespaces/apps/deployments/web", {
            spec: { replicas: 1 },
            metadata: { labels: { x: "y" } },
          });
          const pod = sim.pods(NS, { "app.kubernetes.io/name": "web" })[0];
          await client.patch(`${PODS}/${pod.metadata.name}`, { metadata: { labels: { canary: "true" } } });
          await client.patch(`${PODS}/${pod.metadata.name}`, { metadata: { labels: { canary: "false" } } });
        },
      ]);
      assert.deepEqual(deployments, ["MODIFIED web 1"]);
      assert.deepEqual(labelled, ["ADDED true", "DELETED false"]);
    });
  });

  it("serves the legacy /watch/ prefix, for a collection or one named object", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 1 });
      sim.seedDeployment({ namespace: NS, name: "api", replicas: 1 });
      const [all, one] = await clock.runActors([
        async () => {
          const w = await client.watch("/apis/apps/v1/watch/namespaces/apps/deployments");
          const got = await drain(w, 1000, (e) => e.object.metadata.name!);
          w.close();
          return got;
        },
        async () => {
          const w = await client.watch("/apis/apps/v1/watch/namespaces/apps/deployments/web");
          const got = await drain(w, 1000, (e) => e.object.metadata.name!);
          w.close();
          return got;
        },
      ]);
      assert.deepEqual(all, ["api", "web"]);
      assert.deepEqual(one, ["web"]);
      const pod = sim.pods(NS)[0].metadata.name!;
      const [single] = await clock.runActors([
        async () => {
          const w = await client.watch(`/api/v1/watch/namespaces/apps/pods/${pod}`);
          const got = await drain(w, 1000, (e) => e.object.metadata.name!);
          w.close();
          return got;
        },
      ]);
      assert.deepEqual(single, [pod]);
    });
  });

  it("sends a single ERROR event with 410 Expired for a resourceVersion older than the history", async () => {
    await withSim({ watchHistory: { maxEvents: 3 } }, async ({ sim, clock, client }) => {
      const rv = sim.resourceVersion;
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 4 });
      const [events] = await clock.runActors([
        async () => {
          const w = await client.watch(`${PODS}?watch=1&resourceVersion=${rv}`);
          assert.equal(w.status, 200);
          const got = await drain(w, 5000, (e) => JSON.stringify(e));
          return got;
        },
      ]);
      assert.equal(events.length, 2);
      assert.deepEqual(JSON.parse(events[0]), {
        type: "ERROR",
        object: {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: `too old resource version: ${rv} (${rv + 3})`,
          reason: "Expired",
          code: 410,
        },
      });
      assert.equal(events[1], "closed");
      assert.deepEqual(
        sim.log.requests.map((r) => [r.status, r.watchError]),
        [[200, 410]],
      );
    });
  });

  it("answers 410 after a compaction, and accepts the current resourceVersion", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 1 });
      const old = sim.resourceVersion - 2;
      sim.compactWatchHistory();
      const [expired, current] = await clock.runActors<unknown>([
        async () => {
          const w = await client.watch(`${PODS}?watch=1&resourceVersion=${old}`);
          const e = await w.next(1000);
          return typeof e === "string" ? e : (e.object as { code?: number }).code;
        },
        async () => {
          const w = await client.watch(`${PODS}?watch=1&resourceVersion=${sim.resourceVersion}`);
          const e = await w.next(1000);
          w.close();
          return e;
        },
      ]);
      assert.equal(expired, 410);
      assert.equal(current, "timeout");
    });
  });

  it("sends bookmarks every minute and two seconds before timeoutSeconds, then ends the stream", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 1 });
      const rv = sim.resourceVersion;
      const [events] = await clock.runActors([
        async () => {
          const w = await client.watch(
            `${PODS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=150&resourceVersion=${rv}`,
          );
          return drain(
            w,
            3_600_000,
            (e) => `${at(clock)}s ${e.type} ${e.object.kind} ${e.object.metadata.resourceVersion}`,
          );
        },
      ]);
      assert.deepEqual(events, [
        `60s BOOKMARK Pod ${rv}`,
        `120s BOOKMARK Pod ${rv}`,
        `148s BOOKMARK Pod ${rv}`,
        "closed",
      ]);
      assert.equal(clock.now(), T0 + 150_000);
      assert.equal(sim.openWatches, 0);
    });
  });

  it("marks the end of initial events with sendInitialEvents", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 1 });
      const [events] = await clock.runActors([
        async () => {
          const w = await client.watch(
            `${PODS}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`,
          );
          const got = await drain(
            w,
            1000,
            (e) => `${e.type} ${JSON.stringify(e.object.metadata.annotations ?? {})}`,
          );
          w.close();
          return got;
        },
      ]);
      assert.deepEqual(events, ["ADDED {}", 'BOOKMARK {"k8s.io/initial-events-end":"true"}']);
    });
  });
});
