import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { PolicyRule, Status } from "../../simulator";
import { rulesAllow } from "../../simulator/rbac";
import { parseRequestInfo } from "../../simulator/resources";
import { TestClient } from "./client";
import { withSim, type Harness } from "./helpers";

const USER = "system:serviceaccount:apps:web-recycler";
const TOKEN = "recycler-token";

/** A Role like the one rotor gives its recycler. */
const ROLE: PolicyRule[] = [
  {
    apiGroups: ["apps"],
    resources: ["deployments"],
    resourceNames: ["web"],
    verbs: ["get", "list", "watch", "patch"],
  },
  { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
  { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "list"] },
  { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
  {
    apiGroups: ["coordination.k8s.io"],
    resources: ["leases"],
    resourceNames: ["web-recycler"],
    verbs: ["get", "update"],
  },
  { apiGroups: ["", "events.k8s.io"], resources: ["events"], verbs: ["create"] },
];

async function asRecycler<T>(fn: (h: Harness, recycler: TestClient) => Promise<T>, rules = ROLE): Promise<T> {
  return withSim({ authorize: { token: TOKEN, user: USER, namespace: "apps", rules } }, async (h) => {
    h.sim.seedDeployment({ namespace: "apps", name: "web", replicas: 2 });
    h.sim.seedDeployment({ namespace: "apps", name: "api", replicas: 1 });
    const recycler = new TestClient({ url: h.sim.url, token: TOKEN, clock: h.clock });
    try {
      return await fn(h, recycler);
    } finally {
      recycler.close();
    }
  });
}

describe("RBAC", () => {
  it("allows what the Role grants and answers 403 with upstream's message otherwise", async () => {
    await asRecycler(async ({ sim }, recycler) => {
      const deployments = "/apis/apps/v1/namespaces/apps/deployments";
      assert.equal((await recycler.get(`${deployments}/web`)).status, 200);
      const other = await recycler.get<Status>(`${deployments}/api`);
      assert.equal(other.status, 403);
      assert.deepEqual(other.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `deployments.apps "api" is forbidden: User "${USER}" cannot get resource "deployments" in API group "apps" in the namespace "apps"`,
        reason: "Forbidden",
        details: { name: "api", group: "apps", kind: "deployments" },
        code: 403,
      });
      const pod = sim.pods("apps", { "app.kubernetes.io/name": "web" })[0].metadata.name!;
      const evicted = await recycler.evict("apps", pod);
      assert.equal(evicted.status, 201);
      const deleted = await recycler.delete<Status>(`/api/v1/namespaces/apps/pods/${pod}`);
      assert.equal(deleted.status, 403);
      assert.equal(
        deleted.json.message,
        `pods "${pod}" is forbidden: User "${USER}" cannot delete resource "pods" in API group "" in the namespace "apps"`,
      );
      assert.deepEqual(
        sim.log.denials.map((d) => [d.verb, d.resource, d.name]),
        [
          ["get", "deployments", "api"],
          ["delete", "pods", pod],
        ],
      );
    });
  });

  it("authorizes a list or watch restricted by resourceNames only with a matching metadata.name field selector", async () => {
    await asRecycler(async ({ clock }, recycler) => {
      const deployments = "/apis/apps/v1/namespaces/apps/deployments";
      const list = await recycler.get<Status>(deployments);
      assert.equal(list.status, 403);
      assert.deepEqual(list.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `deployments.apps is forbidden: User "${USER}" cannot list resource "deployments" in API group "apps" in the namespace "apps"`,
        reason: "Forbidden",
        details: { group: "apps", kind: "deployments" },
        code: 403,
      });
      assert.equal((await recycler.get(`${deployments}?fieldSelector=metadata.name%3Dweb`)).status, 200);
      assert.equal((await recycler.get(`${deployments}?fieldSelector=metadata.name%3Dapi`)).status, 403);
      const [allowed, denied] = await clock.runActors([
        async () => {
          const w = await recycler.watch(`${deployments}?watch=1&fieldSelector=metadata.name%3Dweb`);
          const first = await w.next(1000);
          w.close();
          return [w.status, typeof first === "string" ? first : first.object.metadata.name];
        },
        async () => {
          const w = await recycler.watch(`${deployments}?watch=1`);
          w.close();
          return [w.status];
        },
      ]);
      assert.deepEqual(allowed, [200, "web"]);
      assert.deepEqual(denied, [403]);
    });
  });

  it("cannot restrict create by name, and the Role only applies in its namespace", async () => {
    const byName: PolicyRule[] = [
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["web-recycler"],
        verbs: ["create", "get", "update"],
      },
    ];
    await asRecycler(async (_h, recycler) => {
      const leases = "/apis/coordination.k8s.io/v1/namespaces/apps/leases";
      const create = await recycler.post<Status>(leases, { metadata: { name: "web-recycler" }, spec: {} });
      assert.equal(create.status, 403);
      assert.equal(
        create.json.message,
        `leases.coordination.k8s.io is forbidden: User "${USER}" cannot create resource "leases" in API group "coordination.k8s.io" in the namespace "apps"`,
      );
    }, byName);
    await asRecycler(async (_h, recycler) => {
      const leases = "/apis/coordination.k8s.io/v1/namespaces/apps/leases";
      assert.equal(
        (await recycler.post(leases, { metadata: { name: "web-recycler" }, spec: {} })).status,
        201,
      );
      assert.equal(
        (
          await recycler.put(`${leases}/web-recycler`, {
            metadata: { name: "web-recycler" },
            spec: { holderIdentity: "me" },
          })
        ).status,
        200,
      );
      assert.equal((await recycler.post(leases, { metadata: { name: "other" }, spec: {} })).status, 201);
      assert.equal(
        (await recycler.put(`${leases}/other`, { metadata: { name: "other" }, spec: {} })).status,
        403,
      );
      assert.equal((await recycler.get("/api/v1/namespaces/default/pods")).status, 403);
      const clusterWide = await recycler.get<Status>("/api/v1/pods");
      assert.equal(
        clusterWide.json.message,
        `pods is forbidden: User "${USER}" cannot list resource "pods" in API group "" at the cluster scope`,
      );
      assert.equal((await recycler.post("/apis/events.k8s.io/v1/namespaces/apps/events", {})).status, 422);
    });
  });

  it("lets the unrestricted token do anything", async () => {
    await asRecycler(async ({ client, sim }) => {
      const pod = sim.pods("apps")[0].metadata.name!;
      assert.equal((await client.delete(`/api/v1/namespaces/apps/pods/${pod}`)).status, 200);
      assert.equal(sim.log.denials.length, 0);
    });
  });

  it("matches resources, subresources, wildcards and */subresource as RuleAllows does", () => {
    const info = (method: string, path: string, query = "") =>
      parseRequestInfo(method, path, new URLSearchParams(query), undefined);
    const scale = info("PATCH", "/apis/apps/v1/namespaces/a/deployments/web/scale");
    assert.equal(
      rulesAllow([{ apiGroups: ["apps"], resources: ["*/scale"], verbs: ["patch"] }], scale),
      true,
    );
    assert.equal(
      rulesAllow([{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"] }], scale),
      false,
    );
    assert.equal(rulesAllow([{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }], scale), true);
    const eviction = info("POST", "/api/v1/namespaces/a/pods/p1/eviction");
    assert.equal(
      rulesAllow(
        [{ apiGroups: [""], resources: ["pods/eviction"], resourceNames: ["p1"], verbs: ["create"] }],
        eviction,
      ),
      true,
    );
    assert.equal(rulesAllow([{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }], eviction), false);
    assert.equal(info("GET", "/api/v1/namespaces/a/pods", "watch=1").verb, "watch");
    assert.equal(info("GET", "/api/v1/watch/namespaces/a/pods").verb, "watch");
    assert.equal(info("DELETE", "/api/v1/namespaces/a/pods").verb, "deletecollection");
    assert.equal(
      rulesAllow([{ verbs: ["get"], nonResourceURLs: ["/version"] }], info("GET", "/version")),
      true,
    );
  });
});
