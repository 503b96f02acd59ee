// The control plane itself is what the other e2e tests stand on: nodes in three zones, Pod Security
// admission enforcing "restricted", RBAC, ServiceAccount tokens from the TokenRequest API, an audit log.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { e2e, namespace } from "../harness/context";

describe("the e2e control plane", () => {
  it("has three Ready fake nodes, one per zone, and reports its start-up time", async () => {
    const { admin, state } = e2e();
    const nodes = await admin.get<{
      items: {
        metadata: { name: string; labels: Record<string, string> };
        status: { conditions: { type: string; status: string }[] };
      }[];
    }>("/api/v1/nodes");
    assert.deepEqual(
      nodes.items.map((n) => [n.metadata.name, n.metadata.labels["topology.kubernetes.io/zone"]]).sort(),
      [
        ["kwok-node-0", "zone-a"],
        ["kwok-node-1", "zone-b"],
        ["kwok-node-2", "zone-c"],
      ],
    );
    for (const n of nodes.items) {
      assert.equal(n.status.conditions.find((c) => c.type === "Ready")?.status, "True", n.metadata.name);
    }
    const version = await admin.get<{ gitVersion: string }>("/version");
    assert.equal(version.gitVersion, "v1.35.4");
    console.log(`control plane healthy ${(state.startupMs / 1000).toFixed(1)} s after start`);
  });

  it("enforces Pod Security restricted: a privileged pod is refused with the admission plugin's message", async () => {
    const { admin } = e2e();
    const ns = await namespace("e2e-psa");
    const res = await admin.send<{ message: string; reason: string }>(
      "POST",
      `/api/v1/namespaces/${ns}/pods`,
      {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "privileged" },
        spec: { containers: [{ name: "c", image: "busybox:1.36", securityContext: { privileged: true } }] },
      },
    );
    assert.equal(res.status, 403);
    assert.match(
      res.body.message,
      /^pods "privileged" is forbidden: violates PodSecurity "restricted:latest": privileged \(container "c" must not set securityContext\.privileged=true\)/,
    );
  });

  it("issues ServiceAccount tokens and authorizes them with RBAC (no Role: 403), and audits every request", async () => {
    const { admin, state } = e2e();
    const ns = await namespace("e2e-rbac");
    await admin.must("POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: "nobody" } });
    const tr = await admin.must<{ status: { token: string } }>(
      "POST",
      `/api/v1/namespaces/${ns}/serviceaccounts/nobody/token`,
      { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } },
    );
    const res = await admin
      .withToken(tr.status.token)
      .send<{ message: string }>("GET", `/api/v1/namespaces/${ns}/pods`);
    assert.equal(res.status, 403);
    assert.equal(
      res.body.message,
      `pods is forbidden: User "system:serviceaccount:${ns}:nobody" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
    );
    const audited = readFileSync(state.auditLog, "utf8")
      .split("\n")
      .filter((l) => l.includes(`system:serviceaccount:${ns}:nobody`))
      .map(
        (l) =>
          JSON.parse(l) as {
            verb: string;
            objectRef?: { resource?: string };
            responseStatus?: { code?: number };
          },
      );
    assert.deepEqual(
      audited.map((e) => [e.verb, e.objectRef?.resource, e.responseStatus?.code]),
      [["list", "pods", 403]],
    );
  });
});
