// rotor's Python program (e2e/python/) under the real Pulumi engine against the real control plane: the Python
// Automation API runs it inline with the venv e2e/build-python.sh made; preview, up, a second up with no changes,
// destroy.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { e2e } from "../harness/context";
import { eventually } from "../harness/kube";
import { pulumiEnv, removePulumiEnv, type PulumiEnv } from "../harness/pulumi";
import { pythonResourceCounts, runPython } from "../harness/python";

const STACK = "dev";
const NAMESPACE = "python-demo";

const COUNTS: Record<string, number> = {
  "kubernetes:core/v1:Namespace": 1,
  "pulumi:providers:kubernetes": 1,
  "pulumi:pulumi:Stack": 1,
};
const TOTAL = Object.values(COUNTS).reduce((a, b) => a + b, 0);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

describe("rotor's Python program under the real Pulumi engine", () => {
  let p: PulumiEnv;
  before(async () => {
    p = await pulumiEnv();
    await eventually(`namespace ${NAMESPACE} absent`, async () => {
      const res = await e2e().admin.send("GET", `/api/v1/namespaces/${NAMESPACE}`);
      return res.status === 404 ? true : undefined;
    });
  });
  after(() => removePulumiEnv(p));

  it(`previews ${TOTAL} creates and no warning`, async () => {
    const preview = await runPython(p, "preview", STACK);
    console.log(`python: preview in ${seconds(preview.ms)}`);
    assert.deepEqual(preview, { ok: true, changes: { create: TOTAL }, problems: [], ms: preview.ms });
  });

  it("creates every resource with pulumi up, each type as many times as expected", async () => {
    const up = await runPython(p, "up", STACK);
    console.log(`python: up in ${seconds(up.ms)}`);
    assert.deepEqual(up, { ok: true, changes: { create: TOTAL }, problems: [], ms: up.ms });
    assert.deepEqual(await pythonResourceCounts(p, STACK), COUNTS);
    const ns = await e2e().admin.get<{ metadata: { labels?: Record<string, string> } }>(
      `/api/v1/namespaces/${NAMESPACE}`,
    );
    assert.equal(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted");
  });

  it("reports no changes on a second pulumi up", async () => {
    const up = await runPython(p, "up", STACK, { expectNoChanges: true });
    assert.deepEqual(up, { ok: true, changes: { same: TOTAL }, problems: [], ms: up.ms });
  });

  it("leaves no object behind after pulumi destroy", async () => {
    const destroyed = await runPython(p, "destroy", STACK);
    assert.deepEqual(destroyed, { ok: true, changes: { delete: TOTAL }, problems: [], ms: destroyed.ms });
    assert.deepEqual(await pythonResourceCounts(p, STACK), {});
  });
});
