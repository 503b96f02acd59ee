import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { rotorPolicies } from "../../policies/crossguard";
import type { Registration } from "../helpers/pulumi-mocks";
import { runResourcePolicies, runStackPolicies, urnFor, type FakeResource } from "./pulumi-args";

/**
 * The stack program (index.ts) deploys what the policy pack demands: run it under Pulumi mocks for each
 * environment (test/fixtures/programs/stack.ts, in its own process), hand every registered resource to the
 * pack's policies as `pulumi preview --policy-pack policy-pack` would, and expect zero violations.
 */

const root = join(__dirname, "..", "..");
const policies = rotorPolicies();
const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p);

function registrations(stack: string): Registration[] {
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", join(root, "test", "fixtures", "programs", "stack.ts"), stack],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    },
  );
  assert.equal(run.status, 0, run.stderr);
  return (JSON.parse(run.stdout) as { registrations: Registration[] }).registrations;
}

describe("stack program under the policy pack", () => {
  for (const stack of ["dev", "staging", "prod"]) {
    test(`${stack}: every registered resource passes every policy`, async () => {
      const registered = registrations(stack);
      // Under mocks a resource's state is its inputs, so the same props serve the resource and the stack policies.
      const resources: FakeResource[] = registered.map((r) => ({
        type: r.type,
        name: r.name,
        urn: urnFor(r.type, r.name, stack),
        props: r.inputs,
      }));
      const kinds = new Set(resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => r.type));
      for (const type of [
        "kubernetes:apps/v1:Deployment",
        "kubernetes:core/v1:Service",
        "kubernetes:policy/v1:PodDisruptionBudget",
        "kubernetes:batch/v1:CronJob",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
      ]) {
        assert.ok(kinds.has(type), `the program registers a ${type}`);
      }
      assert.deepEqual(await runResourcePolicies(resourcePolicies, resources), []);
      assert.deepEqual(await runStackPolicies(stackPolicies, resources), []);
    });
  }
});
