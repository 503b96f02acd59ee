// rotor's CrossGuard policy pack under the real Pulumi engine (`pulumi preview --policy-pack policy-pack`): the engine
// starts @pulumi/pulumi's policy-pack runner in the pack's directory (see policyPack in harness/pulumi.ts), which
// compiles the pack with ts-node and serves its policies to the engine.
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import type { PulumiFn } from "@pulumi/pulumi/automation";
import {
  inlineStack,
  kubeProvider,
  POLICY_PACK_DIR,
  policyPack,
  pulumiEnv,
  removePulumiEnv,
  reported,
  rotorProgram,
  type PulumiEnv,
} from "../harness/pulumi";
import { ROOT } from "../harness/rotor";
import { e2e } from "../harness/context";

/** A stack that breaks the rules: one replica, a budget that allows nothing, no probe, a privileged container. */
const brokenApp: PulumiFn = () => {
  const provider = kubeProvider();
  const labels = { "app.kubernetes.io/name": "broken" };
  const metadata = { name: "broken", namespace: "policy-broken" };
  new k8s.apps.v1.Deployment(
    "broken",
    {
      metadata,
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [
              {
                name: "app",
                image: "registry.example.com/broken:1.0.0",
                ports: [{ name: "http", containerPort: 8080 }],
                securityContext: { privileged: true },
              },
            ],
          },
        },
      },
    },
    { provider },
  );
  new k8s.policy.v1.PodDisruptionBudget(
    "broken",
    { metadata, spec: { maxUnavailable: 0, selector: { matchLabels: labels } } },
    { provider },
  );
  return Promise.resolve();
};

describe("rotor's policy pack under the real Pulumi engine", () => {
  let p: PulumiEnv;
  before(async () => {
    p = await pulumiEnv();
  });
  after(() => removePulumiEnv(p));

  for (const env of ["dev", "staging", "prod"]) {
    it(`finds nothing to report in rotor's own ${env} stack`, async () => {
      const stack = await inlineStack(p, `policy-${env}`, rotorProgram(env));
      const events = reported();
      const preview = await stack.preview({
        policyPacks: [policyPack(p, POLICY_PACK_DIR)],
        onEvent: events.onEvent,
      });
      assert.deepEqual(events.policy, []);
      assert.match(preview.stdout, /Policies:\n\s+✅ rotor@v0\.1\.0 \(local: /, "the pack ran and passed");
      assert.deepEqual(preview.changeSummary, { create: 35 });
    });
  }

  it("blocks a broken app with exactly the expected mandatory violations; advisory ones only print", async () => {
    const stack = await inlineStack(p, "policy-broken", brokenApp);
    // A policy pack config, in the format `pulumi preview --policy-pack-config` reads, that makes one rule advisory.
    const config = join(p.dir, "policy-config.json");
    writeFileSync(config, JSON.stringify({ "resource-requests-limits": "advisory" }));
    const events = reported();
    const failed = await stack
      .preview({
        policyPacks: [policyPack(p, POLICY_PACK_DIR)],
        policyPackConfigs: [config],
        onEvent: events.onEvent,
      })
      .then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    assert.ok(failed, "the preview fails");
    assert.match(failed.message, /Command failed with exit code 1: /);
    assert.match(failed.message, /Policies:\n\s+❌ rotor@v0\.1\.0 \(local: /);
    const found = events.policy.map((v) => `${v.level} ${v.policy}`).sort();
    assert.deepEqual(found, [
      "advisory resource-requests-limits",
      "mandatory deployment-has-recycler",
      "mandatory deployment-min-replicas",
      "mandatory pdb-allows-disruption",
      "mandatory pod-security-restricted",
      "mandatory pod-security-restricted",
      "mandatory readiness-probe",
    ]);
    const message = (policy: string) => events.policy.find((v) => v.policy === policy)?.message ?? "";
    assert.match(
      message("deployment-min-replicas"),
      /spec\.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve\./,
    );
    assert.match(
      message("pdb-allows-disruption"),
      /spec\.maxUnavailable is 0, so no pod can ever be evicted/,
    );
    // Nothing reached the cluster: a preview creates nothing.
    const ns = await e2e().admin.send("GET", "/apis/apps/v1/namespaces/policy-broken/deployments/broken");
    assert.equal(ns.status, 404);
  });

  it("compiles the pack as strictly as `npm run typecheck`: a strict-mode error fails the preview", async () => {
    // A pack whose only fault is one `npm run typecheck` rejects (an implicitly typed parameter), beside the real
    // pack's tsconfig.json; node_modules is the project's, as for rotor's own pack.
    const pack = join(p.dir, "strict-pack");
    mkdirSync(pack);
    symlinkSync(join(ROOT, "node_modules"), join(pack, "node_modules"));
    writeFileSync(join(pack, "PulumiPolicy.yaml"), "runtime: nodejs\n");
    writeFileSync(
      join(pack, "package.json"),
      JSON.stringify({ name: "strict-pack", version: "0.0.1", main: "pack.ts" }),
    );
    writeFileSync(
      join(pack, "pack.ts"),
      [
        'import { PolicyPack } from "@pulumi/policy";',
        "function nameOf(resource) { return String(resource); }",
        'new PolicyPack("strict-pack", { policies: [{ name: "any", description: "d", enforcementLevel: "mandatory",',
        "  validateResource: (args) => { void nameOf(args.type); } }] });",
        "",
      ].join("\n"),
    );
    const stack = await inlineStack(p, "policy-strict", brokenApp);
    const preview = (packDir: string) =>
      stack.preview({ policyPacks: [policyPack(p, packDir, "strict")] }).then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    // Without a tsconfig.json, ts-node's lenient defaults accept it: what the pack's tsconfig.json changes.
    assert.equal((await preview(pack))?.message, undefined);
    writeFileSync(
      join(pack, "tsconfig.json"),
      JSON.stringify({ extends: join(POLICY_PACK_DIR, "tsconfig.json") }),
    );
    const failed = await preview(pack);
    assert.ok(failed, "the preview fails");
    assert.match(
      failed.message,
      /pack\.ts\(2,17\): error TS7006: Parameter 'resource' implicitly has an 'any' type\./,
    );
  });
});
