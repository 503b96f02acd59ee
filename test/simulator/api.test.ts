import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parse } from "yaml";
import type { CoreEvent, Deployment, KubeObject, Lease, Pod, Status } from "../../simulator";
import { TestClient } from "./client";
import { T0, withSim, type List } from "./helpers";

const NS = "apps";
const DEPLOYMENTS = "/apis/apps/v1/namespaces/apps/deployments";
const PODS = "/api/v1/namespaces/apps/pods";

describe("resources", () => {
  it("creates a Deployment with defaults, server-set metadata and a 201", async () => {
    await withSim({}, async ({ client, clock, sim }) => {
      const r = await client.post<Deployment>(DEPLOYMENTS, {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", labels: { app: "web" } },
        spec: {
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "web" } },
            spec: { containers: [{ name: "app", image: "registry.example/app:2.0" }] },
          },
        },
      });
      assert.equal(r.status, 201);
      const d = r.json;
      assert.deepEqual(Object.keys(d), ["apiVersion", "kind", "metadata", "spec", "status"]);
      assert.equal(d.metadata.namespace, NS);
      assert.match(d.metadata.uid!, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.equal(d.metadata.generation, 1);
      assert.equal(d.metadata.creationTimestamp, "2026-01-05T10:00:00Z");
      assert.equal(d.spec.replicas, 1);
      assert.deepEqual(d.spec.strategy, {
        type: "RollingUpdate",
        rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" },
      });
      assert.equal(d.spec.revisionHistoryLimit, 10);
      assert.equal(d.spec.progressDeadlineSeconds, 600);
      assert.deepEqual(d.status, {});
      await clock.advance(5000);
      const after = sim.deployment(NS, "web")!;
      assert.equal(after.status.readyReplicas, 1);
      assert.equal(after.metadata.annotations!["deployment.kubernetes.io/revision"], "1");
      assert.deepEqual(
        sim.events(NS).map((e) => e.reason),
        ["ScalingReplicaSet", "SuccessfulCreate"],
      );
    });
  });

  it("lists with label and field selectors, in name order, with the store's resourceVersion", async () => {
    await withSim({}, async ({ client, sim }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 2 });
      sim.seedDeployment({ namespace: NS, name: "api", replicas: 1 });
      sim.seedDeployment({ namespace: "other", name: "web", replicas: 1 });
      const cases: Array<[string, number]> = [
        ["", 3],
        ["?labelSelector=app.kubernetes.io%2Fname%3Dweb", 2],
        ["?labelSelector=app.kubernetes.io%2Fname!%3Dweb", 1],
        ["?labelSelector=app.kubernetes.io%2Fname%20in%20(web%2Capi)", 3],
        ["?labelSelector=app.kubernetes.io%2Fname%20notin%20(web)", 1],
        ["?labelSelector=pod-template-hash", 3],
        ["?labelSelector=!pod-template-hash", 0],
        ["?fieldSelector=status.phase%3DRunning", 3],
        ["?fieldSelector=status.phase!%3DRunning", 0],
        ["?fieldSelector=metadata.namespace%3Dapps", 3],
      ];
      for (const [query, count] of cases) {
        const r = await client.get<List<Pod>>(`${PODS}${query}`);
        assert.equal(r.json.items.length, count, query);
      }
      const all = await client.get<List<Pod>>("/api/v1/pods");
      assert.equal(all.json.items.length, 4);
      assert.equal(all.json.kind, "PodList");
      assert.equal(all.json.metadata.resourceVersion, String(sim.resourceVersion));
      assert.equal((all.json.items[0] as KubeObject).kind, undefined);
      const names = all.json.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
      assert.deepEqual(names, [...names].sort());
    });
  });

  it("paginates with limit and continue", async () => {
    await withSim({}, async ({ sim, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 5 });
      const names: string[] = [];
      const remaining: number[] = [];
      let token: string | undefined;
      do {
        const page = await client.get<List<Pod>>(`${PODS}?limit=2${token ? `&continue=${token}` : ""}`);
        names.push(...page.json.items.map((p) => p.metadata.name!));
        token = page.json.metadata.continue;
        if (token) remaining.push(page.json.metadata.remainingItemCount!);
      } while (token);
      assert.deepEqual(
        names,
        sim.pods(NS).map((p) => p.metadata.name),
      );
      assert.deepEqual(remaining, [3, 1]);
    });
  });

  describe("patch", () => {
    async function seeded<T>(fn: (client: TestClient, rv: string) => Promise<T>): Promise<T> {
      return withSim({}, async ({ sim, client }) => {
        const d = sim.seedDeployment({
          namespace: NS,
          name: "web",
          replicas: 3,
          annotations: { a: "1", b: "2" },
        });
        return fn(client, d.metadata.resourceVersion!);
      });
    }

    it("merge patch: maps merge, null deletes, a Deployment's generation moves with its spec and annotations (as upstream)", async () => {
      await seeded(async (client) => {
        const meta = await client.patch<Deployment>(`${DEPLOYMENTS}/web`, {
          metadata: { annotations: { a: null, c: "3" } },
        });
        assert.deepEqual(meta.json.metadata.annotations, {
          b: "2",
          "deployment.kubernetes.io/revision": "1",
          c: "3",
        });
        assert.equal(meta.json.metadata.generation, 2);
        const spec = await client.patch<Deployment>(`${DEPLOYMENTS}/web?fieldManager=rotor-recycler`, {
          spec: { replicas: 4 },
        });
        assert.equal(spec.json.spec.replicas, 4);
        assert.equal(spec.json.metadata.generation, 3);
      });
    });

    it("strategic merge patch merges containers by name and honours $patch directives", async () => {
      await seeded(async (client) => {
        const r = await client.patch<Deployment>(
          `${DEPLOYMENTS}/web`,
          {
            spec: {
              template: {
                spec: {
                  containers: [
                    { name: "app", image: "registry.example/app:2.0.0", env: [{ name: "A", value: "1" }] },
                    { name: "sidecar", image: "envoy:1" },
                  ],
                },
              },
            },
          },
          "application/strategic-merge-patch+json",
        );
        const containers = r.json.spec.template.spec!.containers!;
        assert.deepEqual(
          containers.map((c) => [c.name, c.image, c.imagePullPolicy]),
          [
            ["app", "registry.example/app:2.0.0", "IfNotPresent"],
            ["sidecar", "envoy:1", "IfNotPresent"],
          ],
        );
        const removed = await client.patch<Deployment>(
          `${DEPLOYMENTS}/web`,
          { spec: { template: { spec: { containers: [{ name: "sidecar", $patch: "delete" }] } } } },
          "application/strategic-merge-patch+json",
        );
        assert.deepEqual(
          removed.json.spec.template.spec!.containers!.map((c) => c.name),
          ["app"],
        );
      });
    });

    it("JSON patch applies operations, and a failed test is 422", async () => {
      await seeded(async (client) => {
        const ok = await client.patch<Deployment>(
          `${DEPLOYMENTS}/web`,
          [
            { op: "test", path: "/spec/replicas", value: 3 },
            { op: "replace", path: "/spec/replicas", value: 2 },
            { op: "add", path: "/metadata/annotations/rotor.dev~1last-run", value: "{}" },
          ],
          "application/json-patch+json",
        );
        assert.equal(ok.json.spec.replicas, 2);
        assert.equal(ok.json.metadata.annotations!["rotor.dev/last-run"], "{}");
        const failed = await client.patch<Status>(
          `${DEPLOYMENTS}/web`,
          [{ op: "test", path: "/spec/replicas", value: 3 }],
          "application/json-patch+json",
        );
        assert.equal(failed.status, 422);
        assert.deepEqual(failed.json, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Failure",
          message: "the server rejected our request due to an error in our request",
          reason: "Invalid",
          details: {},
          code: 422,
        });
      });
    });

    it("409 when a patch carries a stale resourceVersion; server-side apply needs a fieldManager", async () => {
      await seeded(async (client, rv) => {
        assert.equal(
          (
            await client.patch(`${DEPLOYMENTS}/web`, {
              metadata: { resourceVersion: rv, labels: { x: "1" } },
            })
          ).status,
          200,
        );
        const stale = await client.patch<Status>(`${DEPLOYMENTS}/web`, {
          metadata: { resourceVersion: rv, labels: { x: "2" } },
        });
        assert.equal(stale.status, 409);
        assert.equal(stale.json.reason, "Conflict");
        const noManager = await client.patch<Status>(
          `${DEPLOYMENTS}/web`,
          "metadata:\n  labels:\n    y: '1'\n",
          "application/apply-patch+yaml",
        );
        assert.equal(noManager.status, 422);
        assert.equal(
          noManager.json.message,
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
        );
        const applied = await client.patch<Deployment>(
          `${DEPLOYMENTS}/web?fieldManager=rotor&force=true`,
          "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels:\n    y: '1'\n",
          "application/apply-patch+yaml",
        );
        assert.equal(applied.status, 200);
        assert.equal(applied.json.metadata.labels!.y, "1");
      });
    });

    it("404 for a patch of a missing object", async () => {
      await seeded(async (client) => {
        const r = await client.patch<Status>(`${DEPLOYMENTS}/nope`, { spec: { replicas: 1 } });
        assert.equal(r.status, 404);
        assert.equal(r.json.message, 'deployments.apps "nope" not found');
      });
    });
  });

  it("serves the scale subresource and deletes Deployments with a Success Status and their dependents", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      const d = sim.seedDeployment({ namespace: NS, name: "web", replicas: 2 });
      const scale = await client.get(`${DEPLOYMENTS}/web/scale`);
      assert.deepEqual(scale.json, {
        kind: "Scale",
        apiVersion: "autoscaling/v1",
        metadata: {
          name: "web",
          namespace: NS,
          uid: d.metadata.uid,
          resourceVersion: d.metadata.resourceVersion,
          creationTimestamp: d.metadata.creationTimestamp,
        },
        spec: { replicas: 2 },
        status: { replicas: 2, selector: "app.kubernetes.io/instance=web,app.kubernetes.io/name=web" },
      });
      const scaled = await client.patch<{ spec: { replicas: number } }>(`${DEPLOYMENTS}/web/scale`, {
        spec: { replicas: 3 },
      });
      assert.equal(scaled.json.spec.replicas, 3);
      assert.equal(sim.deployment(NS, "web")!.spec.replicas, 3);
      const deleted = await client.delete(`${DEPLOYMENTS}/web`);
      assert.deepEqual(deleted.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Success",
        details: { name: "web", group: "apps", kind: "deployments", uid: d.metadata.uid },
      });
      await clock.advance(60_000);
      assert.deepEqual(sim.replicaSets(NS), []);
      assert.deepEqual(sim.pods(NS), []);
    });
  });

  it("deletes a pod gracefully and answers with the pod", async () => {
    await withSim({}, async ({ sim, clock, client }) => {
      sim.seedDeployment({ namespace: NS, name: "web", replicas: 1, terminationMs: 10_000 });
      const [pod] = sim.pods(NS);
      const r = await client.delete<Pod>(`${PODS}/${pod.metadata.name}?gracePeriodSeconds=5`);
      assert.equal(r.status, 200);
      assert.equal(r.json.metadata.deletionTimestamp, "2026-01-05T10:00:05Z");
      assert.equal(r.json.metadata.deletionGracePeriodSeconds, 5);
      await clock.advanceTo(T0 + 4999);
      assert.ok(sim.pod(NS, pod.metadata.name!));
      await clock.advanceTo(T0 + 5000);
      assert.equal(sim.pod(NS, pod.metadata.name!), undefined);
    });
  });

  it("creates, reads, updates and lists Leases with MicroTime fields kept as sent", async () => {
    await withSim({}, async ({ sim, client }) => {
      sim.seedLease({
        namespace: NS,
        name: "seeded",
        holderIdentity: "old",
        leaseDurationSeconds: 60,
        renewTimeMs: T0 - 1000,
      });
      assert.equal(sim.lease(NS, "seeded")!.spec.renewTime, "2026-01-05T09:59:59.000000Z");
      const path = "/apis/coordination.k8s.io/v1/namespaces/apps/leases";
      const created = await client.post<Lease>(path, {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "web-recycler" },
        spec: {
          holderIdentity: "run-1",
          leaseDurationSeconds: 900,
          acquireTime: "2026-01-05T10:00:00.000000Z",
        },
      });
      const updated = await client.put<Lease>(`${path}/web-recycler`, {
        ...created.json,
        spec: { ...created.json.spec, holderIdentity: "run-2" },
      });
      assert.equal(updated.status, 200);
      assert.equal(updated.json.spec.holderIdentity, "run-2");
      assert.equal(
        Number(updated.json.metadata.resourceVersion) > Number(created.json.metadata.resourceVersion),
        true,
      );
      const list = await client.get<List<Lease>>(path);
      assert.deepEqual(
        list.json.items.map((l) => l.metadata.name),
        ["seeded", "web-recycler"],
      );
      assert.equal(list.json.kind, "LeaseList");
      const invalid = await client.put<Status>(`${path}/web-recycler`, {
        metadata: { name: "web-recycler" },
        spec: { leaseDurationSeconds: 0 },
      });
      assert.equal(invalid.status, 422);
      assert.equal(
        invalid.json.message,
        'Lease.coordination.k8s.io "web-recycler" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      );
    });
  });

  it("stores core/v1 and events.k8s.io/v1 Events together", async () => {
    await withSim({ controllerEvents: false }, async ({ sim, client }) => {
      const core = await client.post(`/api/v1/namespaces/apps/events`, {
        apiVersion: "v1",
        kind: "Event",
        metadata: { generateName: "web." },
        involvedObject: { kind: "Deployment", namespace: NS, name: "web", apiVersion: "apps/v1" },
        reason: "PodRotated",
        message: "Rotated web-abc (age 25h)",
        type: "Normal",
        source: { component: "rotor-recycler" },
        firstTimestamp: "2026-01-05T10:00:00Z",
        lastTimestamp: "2026-01-05T10:00:00Z",
        count: 1,
      });
      assert.equal(core.status, 201);
      const modern = await client.post<KubeObject>(`/apis/events.k8s.io/v1/namespaces/apps/events`, {
        apiVersion: "events.k8s.io/v1",
        kind: "Event",
        metadata: { name: "web.2" },
        eventTime: "2026-01-05T10:00:00.000000Z",
        reportingController: "rotor-recycler",
        reportingInstance: "web-recycler-1",
        action: "Rotate",
        reason: "RotationBlocked",
        regarding: { kind: "Deployment", namespace: NS, name: "web" },
        note: "PodDisruptionBudget web allows no disruption",
        type: "Warning",
      });
      assert.equal(modern.status, 201);
      assert.equal(modern.json.apiVersion, "events.k8s.io/v1");
      assert.equal(modern.json.note, "PodDisruptionBudget web allows no disruption");
      const events: CoreEvent[] = sim.events(NS);
      assert.deepEqual(
        events.map((e) => [
          e.reason,
          e.message,
          e.involvedObject.name,
          e.source?.component ?? e.reportingComponent,
        ]),
        [
          ["PodRotated", "Rotated web-abc (age 25h)", "web", "rotor-recycler"],
          ["RotationBlocked", "PodDisruptionBudget web allows no disruption", "web", "rotor-recycler"],
        ],
      );
      const listed = await client.get<List<CoreEvent>>(
        "/api/v1/namespaces/apps/events?fieldSelector=reason%3DPodRotated",
      );
      assert.equal(listed.json.items.length, 1);
      const mismatch = await client.post<Status>(`/api/v1/namespaces/apps/events`, {
        metadata: { name: "x" },
        involvedObject: { kind: "Deployment", namespace: "default", name: "web" },
      });
      assert.equal(mismatch.status, 422);
      assert.equal(
        mismatch.json.message,
        'Event "x" is invalid: involvedObject.namespace: Invalid value: "default": does not match event.namespace',
      );
    });
  });
});

describe("non-resource paths", () => {
  it("serves /version, /healthz and discovery roots", async () => {
    await withSim({}, async ({ client }) => {
      const version = await client.get<{ major: string; minor: string }>("/version");
      assert.deepEqual([version.status, version.json.major, version.json.minor], [200, "1", "33"]);
      const health = await client.get("/healthz");
      assert.deepEqual(
        [health.status, health.text, health.headers["content-type"]],
        [200, "ok", "text/plain; charset=utf-8"],
      );
      const apis = await client.get<{ groups: Array<{ name: string }> }>("/apis");
      assert.deepEqual(
        apis.json.groups.map((g) => g.name),
        ["apps", "policy", "coordination.k8s.io", "events.k8s.io"],
      );
    });
  });
});

describe("TLS and kubeconfig", () => {
  it("serves HTTPS with the committed CA and writes a kubeconfig that pins it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-sim-"));
    try {
      await withSim({ tls: true }, async ({ sim, clock }) => {
        assert.match(sim.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const path = sim.writeKubeconfig(join(dir, "config"), { namespace: NS });
        const config = parse(readFileSync(path, "utf8")) as {
          clusters: Array<{
            name: string;
            cluster: { server: string; "certificate-authority-data": string };
          }>;
          users: Array<{ name: string; user: { token: string } }>;
          contexts: Array<{ name: string; context: { cluster: string; user: string; namespace: string } }>;
          "current-context": string;
        };
        assert.equal(config.clusters[0].cluster.server, sim.url);
        assert.equal(config.users[0].user.token, "t0k3n");
        assert.deepEqual(config.contexts[0].context, {
          cluster: "rotor-simulator",
          user: "rotor-simulator",
          namespace: NS,
        });
        assert.equal(config["current-context"], "rotor-simulator");
        const ca = Buffer.from(config.clusters[0].cluster["certificate-authority-data"], "base64").toString();
        assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
        const pinned = new TestClient({
          url: config.clusters[0].cluster.server,
          token: config.users[0].user.token,
          ca,
          clock,
        });
        const unpinned = new TestClient({ url: sim.url, token: "t0k3n", clock });
        try {
          assert.equal((await pinned.get(PODS)).status, 200);
          await assert.rejects(unpinned.get(PODS), /self-signed|unable to verify|certificate/i);
        } finally {
          pinned.close();
          unpinned.close();
        }
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes a plain-HTTP kubeconfig without certificate data, with another user's token", async () => {
    await withSim({}, ({ sim }) => {
      const config = parse(sim.kubeconfig({ token: "other" })) as {
        clusters: Array<{ cluster: Record<string, string> }>;
        users: Array<{ user: { token: string } }>;
      };
      assert.deepEqual(Object.keys(config.clusters[0].cluster), ["server"]);
      assert.equal(config.users[0].user.token, "other");
      return Promise.resolve();
    });
  });
});
