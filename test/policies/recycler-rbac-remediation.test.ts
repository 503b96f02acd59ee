import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { recyclerRoleRules } from "../../contract/rbac";
import { describeRoleRules, recyclerRbacLeastPrivilege } from "../../policies/rules/recycler-rbac";

describe("recycler-rbac-least-privilege remediation", () => {
  test("lists exactly the verbs of the Role rotor renders, no get on deployments, pods or budgets", () => {
    assert.equal(
      recyclerRbacLeastPrivilege.remediation,
      "Bind a namespaced Role to a dedicated ServiceAccount with exactly: deployments list/watch/patch (resourceNames: the app), replicasets list, pods list/watch, pods/eviction create, poddisruptionbudgets list/watch, leases get/update (resourceNames: the lease), events create.",
    );
  });

  test("describeRoleRules follows the rules it is given", () => {
    assert.equal(
      describeRoleRules(recyclerRoleRules("web", "web-recycler")).split(", ")[0],
      "deployments list/watch/patch (resourceNames: web)",
    );
    assert.equal(
      describeRoleRules([{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get"] }]),
      "pods, pods/log get",
    );
  });
});
