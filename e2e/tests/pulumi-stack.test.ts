// rotor's stack program under the real Pulumi engine (the CLI and Kubernetes provider built from pinned Go modules)
// against the real control plane, for every shipped environment: preview, up, the provider's own await, a second
// up with nothing to do, the live objects against `rotor render`, and destroy.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { e2e } from "../harness/context";
import { eventually } from "../harness/kube";
import {
  inlineStack,
  problems,
  pulumiEnv,
  removePulumiEnv,
  reported,
  resourceCounts,
  rotorProgram,
  ROTOR_STACK_COUNTS,
  totalResources,
  type PulumiEnv,
} from "../harness/pulumi";
import { collectionPath, missingFields, renderEnvironment, type KubeObject } from "../harness/rotor";

const ENVIRONMENTS = ["dev", "staging", "prod"];

const COUNTS = ROTOR_STACK_COUNTS;
const TOTAL = totalResources(COUNTS);

function objectPath(o: KubeObject): string {
  return `${collectionPath(o)}/${o.metadata.name}`;
}

describe("rotor's stack under the real Pulumi engine", () => {
  let p: PulumiEnv;
  before(async () => {
    p = await pulumiEnv();
  });
  after(() => removePulumiEnv(p));

  for (const env of ENVIRONMENTS) {
    describe(`environment ${env}`, () => {
      let stack: Stack;
      let rendered: KubeObject[];
      before(async () => {
        rendered = (await renderEnvironment(env)).objects;
        const namespace = rendered.find((o) => o.kind === "Namespace");
        assert.ok(namespace, `environments/${env}.yaml renders its namespace`);
        // Earlier test files may have used the same namespace and deleted it without waiting.
        await eventually(`namespace ${namespace.metadata.name} absent`, async () => {
          const res = await e2e().admin.send("GET", objectPath(namespace));
          return res.status === 404 ? true : undefined;
        });
        stack = await inlineStack(p, env, rotorProgram(env));
      });

      it(`previews ${TOTAL} creates and no warning`, async () => {
        const events = reported();
        const started = Date.now();
        const preview = await stack.preview({ onEvent: events.onEvent });
        console.log(
          `${env}: pulumi preview of ${TOTAL} creates in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        assert.deepEqual(preview.changeSummary, { create: TOTAL });
        assert.deepEqual(problems(events), []);
      });

      it("creates every resource with pulumi up, each type as many times as expected", async () => {
        const events = reported();
        const started = Date.now();
        const up = await stack.up({ onEvent: events.onEvent });
        console.log(
          `${env}: pulumi up created ${TOTAL} resources in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
        assert.equal(up.summary.result, "succeeded");
        assert.deepEqual(up.summary.resourceChanges, { create: TOTAL });
        assert.deepEqual(await resourceCounts(stack), COUNTS);
        assert.deepEqual(problems(events), []);
      });

      it("has every Deployment Available when up returns: the provider awaited them", async () => {
        const deployments = rendered.filter((o) => o.kind === "Deployment");
        assert.equal(deployments.length, 3);
        for (const d of deployments) {
          // Read once, no polling: up has already waited.
          const live = await e2e().admin.get<{
            spec: { replicas: number };
            status?: { availableReplicas?: number; conditions?: { type: string; status: string }[] };
          }>(objectPath(d));
          const available = live.status?.conditions?.find((c) => c.type === "Available");
          assert.equal(available?.status, "True", d.metadata.name);
          assert.equal(live.status?.availableReplicas, live.spec.replicas, d.metadata.name);
        }
      });

      it("leaves on the cluster every field `rotor render` writes, object for object", async () => {
        for (const o of rendered) {
          const live = await e2e().admin.get(objectPath(o));
          assert.deepEqual(missingFields(o, live), [], `${o.kind} ${o.metadata.name}`);
        }
      });

      it("reports no changes on a second pulumi up", async () => {
        const up = await stack.up({ expectNoChanges: true });
        assert.deepEqual(up.summary.resourceChanges, { same: TOTAL });
      });

      it("leaves no object behind after pulumi destroy", async () => {
        const destroyed = await stack.destroy();
        assert.deepEqual(destroyed.summary.resourceChanges, { delete: TOTAL });
        for (const o of rendered) {
          const res = await e2e().admin.send("GET", objectPath(o));
          assert.equal(res.status, 404, `${o.kind} ${o.metadata.name} is gone`);
        }
        assert.deepEqual(await resourceCounts(stack), {});
        await stack.workspace.removeStack(env);
      });
    });
  }
});
