import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { recyclerRoleRules } from "../../contract/rbac";

describe("recyclerRoleRules", () => {
  const rules = recyclerRoleRules("web", "web-recycler");

  it("grants exactly what the recycler uses, naming the Deployment and the Lease", () => {
    assert.deepEqual(rules, [
      {
        apiGroups: ["apps"],
        resources: ["deployments"],
        resourceNames: ["web"],
        verbs: ["list", "watch", "patch"],
      },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["list"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
      { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
      { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["list", "watch"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["web-recycler"],
        verbs: ["get", "update"],
      },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
    ]);
  });

  it("has no wildcards, no pod deletion and nothing on secrets", () => {
    for (const rule of rules) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs, rule.resourceNames ?? []]) {
        assert.ok(!field.includes("*"));
      }
      assert.ok(!rule.resources.includes("secrets"));
      if (rule.resources.includes("pods"))
        assert.ok(!rule.verbs.includes("delete") && !rule.verbs.includes("deletecollection"));
    }
  });

  it("stays within the allowance of the design", () => {
    const allowed: Record<string, string[]> = {
      "apps/deployments": ["get", "list", "watch", "patch"],
      "apps/replicasets": ["list"],
      "/pods": ["get", "list", "watch"],
      "/pods/eviction": ["create"],
      "policy/poddisruptionbudgets": ["get", "list", "watch"],
      "coordination.k8s.io/leases": ["get", "update"],
      "/events": ["create"],
    };
    for (const rule of rules) {
      for (const group of rule.apiGroups) {
        for (const resource of rule.resources) {
          const key = `${group}/${resource}`;
          for (const verb of rule.verbs) assert.ok(allowed[key]?.includes(verb), `${verb} ${key}`);
        }
      }
    }
  });
});
