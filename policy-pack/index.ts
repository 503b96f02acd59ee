/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy-pack` (and `pulumi up`) run this file.
 *
 * How Pulumi finds and runs it: the CLI reads policy-pack/PulumiPolicy.yaml (runtime nodejs), starts Node with
 * policy-pack/ as the working directory, resolves `@pulumi/pulumi/cmd/run-policy-pack` from there (Node walks
 * up to the project's node_modules, so the pack needs no install of its own; `npm ci` at the root is enough),
 * registers ts-node with policy-pack/tsconfig.json (the project's strict options), and `require`s the
 * directory, so Node loads the `main` of policy-pack/package.json: this file. `new PolicyPack` reads the version
 * from `<cwd>/package.json` (policy-pack/package.json) and starts the gRPC server the CLI talks to. It lives in
 * its own folder so that importing `policies` (a directory import resolves to policies/index.ts) never does:
 * tests and other modules import `policies/crossguard.ts`, which builds the same policies without a server.
 *
 * Per-rule enforcement levels and settings: `pulumi preview --policy-pack policy-pack --policy-pack-config
 * policy-config.json`, the same file format `rotor check --config` reads (see docs/policies.md).
 */
import { PolicyPack } from "@pulumi/policy";
import { rotorPolicies } from "../policies/crossguard";

new PolicyPack("rotor", {
  description:
    "Zero-downtime pod rotation for every Kubernetes Deployment: rotor's rule catalog (docs/policies.md).",
  displayName: "rotor: rotation built in",
  provider: "kubernetes",
  tags: ["kubernetes", "availability", "security"],
  enforcementLevel: "mandatory",
  policies: rotorPolicies(),
});
