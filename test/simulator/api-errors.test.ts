import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestClient } from "./client";
import { withSim } from "./helpers";

const LEASES = "/apis/coordination.k8s.io/v1/namespaces/apps/leases";

describe("Status bodies of error paths", () => {
  it("401 Unauthorized without a token and with a wrong one", async () => {
    await withSim({}, async ({ sim, clock }) => {
      for (const token of [undefined, "wrong"]) {
        const client = new TestClient({ url: sim.url, token, clock });
        try {
          const r = await client.get("/api/v1/namespaces/apps/pods");
          assert.equal(r.status, 401);
          assert.deepEqual(r.json, {
            kind: "Status",
            apiVersion: "v1",
            metadata: {},
            status: "Failure",
            message: "Unauthorized",
            reason: "Unauthorized",
            code: 401,
          });
        } finally {
          client.close();
        }
      }
      assert.deepEqual(
        sim.log.requests.map((r) => [r.status, r.token]),
        [
          [401, undefined],
          [401, "wrong"],
        ],
      );
    });
  });

  it("404 NotFound for a missing pod, a missing Deployment and an unknown path", async () => {
    await withSim({}, async ({ client }) => {
      const pod = await client.get("/api/v1/namespaces/apps/pods/web-1");
      assert.equal(pod.status, 404);
      assert.deepEqual(pod.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'pods "web-1" not found',
        reason: "NotFound",
        details: { name: "web-1", kind: "pods" },
        code: 404,
      });
      const deployment = await client.get("/apis/apps/v1/namespaces/apps/deployments/web");
      assert.deepEqual(deployment.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'deployments.apps "web" not found',
        reason: "NotFound",
        details: { name: "web", group: "apps", kind: "deployments" },
        code: 404,
      });
      const unknown = await client.get("/apis/autoscaling/v2/namespaces/apps/horizontalpodautoscalers");
      assert.equal(unknown.status, 404);
      assert.deepEqual(unknown.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "the server could not find the requested resource",
        reason: "NotFound",
        details: {},
        code: 404,
      });
    });
  });

  it("409 AlreadyExists on a second create and 409 Conflict on a stale Lease update", async () => {
    await withSim({}, async ({ client }) => {
      const lease = {
        apiVersion: "coordination.k8s.io/v1",
        kind: "Lease",
        metadata: { name: "web-recycler" },
        spec: { holderIdentity: "run-1", leaseDurationSeconds: 900 },
      };
      const created = await client.post<{ metadata: { resourceVersion: string } }>(LEASES, lease);
      assert.equal(created.status, 201);
      const again = await client.post(LEASES, lease);
      assert.equal(again.status, 409);
      assert.deepEqual(again.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'leases.coordination.k8s.io "web-recycler" already exists',
        reason: "AlreadyExists",
        details: { name: "web-recycler", group: "coordination.k8s.io", kind: "leases" },
        code: 409,
      });
      const staleRv = created.json.metadata.resourceVersion;
      const first = await client.put(`${LEASES}/web-recycler`, {
        ...lease,
        metadata: { name: "web-recycler", resourceVersion: staleRv },
        spec: { holderIdentity: "run-2", leaseDurationSeconds: 900 },
      });
      assert.equal(first.status, 200);
      const second = await client.put(`${LEASES}/web-recycler`, {
        ...lease,
        metadata: { name: "web-recycler", resourceVersion: staleRv },
        spec: { holderIdentity: "run-3", leaseDurationSeconds: 900 },
      });
      assert.equal(second.status, 409);
      assert.deepEqual(second.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message:
          'Operation cannot be fulfilled on leases.coordination.k8s.io "web-recycler": the object has been modified; please apply your changes to the latest version and try again',
        reason: "Conflict",
        details: { name: "web-recycler", group: "coordination.k8s.io", kind: "leases" },
        code: 409,
      });
    });
  });

  it("422 Invalid for a Deployment whose selector does not match its template", async () => {
    await withSim({}, async ({ client }) => {
      const r = await client.post("/apis/apps/v1/namespaces/apps/deployments", {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web" },
        spec: {
          replicas: -1,
          selector: { matchLabels: { app: "web" } },
          template: {
            metadata: { labels: { app: "other" } },
            spec: { containers: [{ name: "app", image: "x:1" }] },
          },
        },
      });
      assert.equal(r.status, 422);
      assert.deepEqual(r.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message:
          'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`]',
        reason: "Invalid",
        details: {
          name: "web",
          group: "apps",
          kind: "Deployment",
          causes: [
            {
              reason: "FieldValueInvalid",
              message: "Invalid value: -1: must be greater than or equal to 0",
              field: "spec.replicas",
            },
            {
              reason: "FieldValueInvalid",
              message: 'Invalid value: {"app":"other"}: `selector` does not match template `labels`',
              field: "spec.template.metadata.labels",
            },
          ],
        },
        code: 422,
      });
    });
  });

  it("400 BadRequest for selectors it cannot parse or fields it does not support", async () => {
    await withSim({}, async ({ client }) => {
      const field = await client.get("/api/v1/namespaces/apps/pods?fieldSelector=spec.foo%3Dbar");
      assert.equal(field.status, 400);
      assert.deepEqual(field.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "field label not supported: spec.foo",
        reason: "BadRequest",
        code: 400,
      });
      const label = await client.get("/api/v1/namespaces/apps/pods?labelSelector=a%20in%20b");
      assert.equal(label.status, 400);
      assert.equal((label.json as { reason: string }).reason, "BadRequest");
    });
  });

  it("405 MethodNotAllowed and 415 UnsupportedMediaType", async () => {
    await withSim({}, async ({ client }) => {
      const collection = await client.delete("/apis/coordination.k8s.io/v1/namespaces/apps/leases");
      assert.equal(collection.status, 405);
      assert.deepEqual(collection.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: 'deletecollection is not supported on resources of kind "leases.coordination.k8s.io"',
        reason: "MethodNotAllowed",
        details: { group: "coordination.k8s.io", kind: "leases" },
        code: 405,
      });
      await client.post(LEASES, { metadata: { name: "l" }, spec: {} });
      const patch = await client.patch(`${LEASES}/l`, { spec: {} }, "text/plain");
      assert.equal(patch.status, 415);
      assert.deepEqual(patch.json, {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message:
          "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json",
        reason: "UnsupportedMediaType",
        code: 415,
      });
    });
  });
});
