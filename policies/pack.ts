/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policies` (and `pulumi up`) run this file.
 *
 * How Pulumi finds and runs it: the CLI reads policies/PulumiPolicy.yaml (runtime nodejs), starts Node with
 * policies/ as the working directory, resolves `@pulumi/pulumi/cmd/run-policy-pack` from there (Node walks up
 * to the project's node_modules, so the pack needs no install of its own; `npm ci` at the root is enough),
 * registers ts-node for TypeScript, and `require`s the directory, so Node loads the `main` of
 * policies/package.json: this file. `new PolicyPack` reads the version from `<cwd>/package.json`
 * (policies/package.json) and starts the gRPC server the CLI talks to. Nothing else may construct it: tests and
 * other modules import `crossguard.ts`, which builds the same policies without starting a server.
 *
 * Per-rule enforcement levels and settings: `pulumi preview --policy-pack policies --policy-pack-config
 * policy-config.json`, the same file format `rotor check --config` reads (see docs/policies.md).
 */
import { PolicyPack } from "@pulumi/policy";
import { rotorPolicies } from "./crossguard";

new PolicyPack("rotor", {
  description:
    "Zero-downtime pod rotation for every Kubernetes Deployment: rotor's rule catalog (docs/policies.md).",
  displayName: "rotor: rotation built in",
  provider: "kubernetes",
  tags: ["kubernetes", "availability", "security"],
  enforcementLevel: "mandatory",
  policies: rotorPolicies(),
});
