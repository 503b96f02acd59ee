// The README documents exactly the rules `rotor status` is tested with (under the simulator's RBAC and on the real
// control plane): a change to one without the other fails here.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { statusRoleRules } from "../../status/rbac";

describe("the rotor-status Role in the README", () => {
  it("is statusRoleRules(), read-only, without wildcards", () => {
    const readme = readFileSync(join(__dirname, "..", "..", "README.md"), "utf8");
    const after = readme.split("<!-- rotor-status-rbac -->")[1] ?? "";
    const block = /```yaml\n([^]*?)```/.exec(after)?.[1] ?? "";
    const [role, binding] = parseAllDocuments(block).map((d) => d.toJS() as Record<string, unknown>);
    assert.equal(role?.kind, "Role");
    assert.deepEqual(role?.rules, statusRoleRules());
    assert.deepEqual((binding?.roleRef as Record<string, string>).name, "rotor-status");
    const verbs = new Set(statusRoleRules().flatMap((r) => r.verbs));
    assert.deepEqual([...verbs].sort(), ["get", "list"]);
    assert.ok(statusRoleRules().every((r) => !r.resources.includes("*") && !r.apiGroups.includes("*")));
  });
});
