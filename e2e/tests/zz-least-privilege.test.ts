// Least privilege, proven from the API server's audit log after every other e2e file ran (this file sorts
// last): every request any recycler identity (system:serviceaccount:<ns>:<app>-recycler) made, beside the
// Role rotor renders for it. No request was refused, and every verb on every resource the Role grants was used.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { recyclerRoleRules } from "../../contract/rbac";
import { e2e } from "../harness/context";

interface AuditEvent {
  verb: string;
  user: { username: string };
  objectRef?: {
    resource?: string;
    subresource?: string;
    apiGroup?: string;
    name?: string;
    namespace?: string;
  };
  responseStatus?: { code?: number };
  requestURI: string;
}

describe("the recycler's identity, from the audit log", () => {
  it("was never refused, and used every verb the Role grants", () => {
    const events = readFileSync(e2e().state.auditLog, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as AuditEvent)
      .filter((e) => /^system:serviceaccount:[^:]+:[a-z0-9-]+-recycler$/.test(e.user.username));
    assert.ok(
      events.length > 0,
      "no request by a recycler identity: run the whole e2e suite (npm run test:e2e)",
    );

    const refused = events.filter((e) => e.responseStatus?.code === 401 || e.responseStatus?.code === 403);
    assert.deepEqual(
      refused.map((e) => `${e.verb} ${e.requestURI} ${e.responseStatus?.code}`),
      [],
    );

    const key = (group: string, resource: string, verb: string) => `${group || "core"} ${resource} ${verb}`;
    const used = new Map<string, number>();
    for (const e of events) {
      const r = e.objectRef;
      if (!r?.resource) continue;
      const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
      const k = key(r.apiGroup ?? "", resource, e.verb);
      used.set(k, (used.get(k) ?? 0) + 1);
    }
    const granted = recyclerRoleRules("web", "web-recycler").flatMap((rule) =>
      rule.apiGroups.flatMap((g) => rule.resources.flatMap((res) => rule.verbs.map((v) => key(g, res, v)))),
    );
    const rows = granted.map((g) => `${g.padEnd(42)} ${String(used.get(g) ?? 0).padStart(6)}`);
    console.log(`Role rule (group resource verb)            requests\n${rows.join("\n")}`);
    assert.deepEqual(
      granted.filter((g) => !used.has(g)),
      [],
      "granted but never used: narrow the Role or say why the rule stays",
    );
    assert.deepEqual(
      [...used.keys()].filter((u) => !granted.includes(u)).sort(),
      [],
      "used without a rule (it would have been refused)",
    );
    console.log(`${events.length} requests by recycler identities, ${refused.length} refused`);
  });
});
