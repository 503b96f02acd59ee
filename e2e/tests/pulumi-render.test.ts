// The stack program with the provider's renderYamlToDirectory (no cluster): what the engine writes is, object for
// object and field for field, what `rotor render` writes for GitOps.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import {
  inlineStack,
  PROVIDER_VERSION,
  pulumiEnv,
  removePulumiEnv,
  rotorProgram,
  type PulumiEnv,
} from "../harness/pulumi";
import { readRendered, renderEnvironment, type KubeObject } from "../harness/rotor";

const key = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

describe("the stack rendered by the provider's renderYamlToDirectory", () => {
  let p: PulumiEnv;
  before(async () => {
    p = await pulumiEnv();
  });
  after(() => removePulumiEnv(p));

  for (const env of ["dev", "staging", "prod"]) {
    it(`writes for ${env} the same objects as rotor render`, async () => {
      const out = join(p.dir, `rendered-${env}`);
      const stack = await inlineStack(
        p,
        `render-${env}`,
        rotorProgram(
          env,
          undefined,
          () => new k8s.Provider("render", { renderYamlToDirectory: out }, { version: PROVIDER_VERSION }),
        ),
      );
      const preview = await stack.preview();
      assert.deepEqual(preview.changeSummary, { create: 35 });
      const up = await stack.up();
      assert.deepEqual(up.summary.resourceChanges, { create: 35 });
      // The provider writes CustomResourceDefinitions to 0-crd/ (rotor has none) and everything else to 1-manifest/.
      assert.deepEqual(readdirSync(out), ["0-crd", "1-manifest"]);
      assert.deepEqual(readdirSync(join(out, "0-crd")), []);
      const byProvider = readRendered(join(out, "1-manifest"));
      const byRotor = (await renderEnvironment(env)).objects;
      assert.deepEqual(byProvider.map(key).sort(), byRotor.map(key).sort());
      for (const o of byRotor) {
        assert.deepEqual(
          byProvider.find((x) => key(x) === key(o)),
          o,
          key(o),
        );
      }
      const destroyed = await stack.destroy();
      assert.deepEqual(destroyed.summary.resourceChanges, { delete: 35 });
    });
  }
});
