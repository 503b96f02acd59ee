// Runs the consumer's program (index.ts) through this project's own Automation API (its own @pulumi/pulumi) as an
// inline program, and prints what happened as one JSON line: the test drives it as a user's deploy script would.
//
//   node bin/driver.js '<request as JSON>'
//
// The request names the operation, the stack, the engine (a directory with bin/pulumi), the workspace's
// environment (backend, PULUMI_HOME, passphrase, no plugin downloads), the stack config and, for preview, policy
// packs.
import { LocalWorkspace, PulumiCommand, type EngineEvent } from "@pulumi/pulumi/automation";
import { program } from "./index";

interface Request {
  readonly operation: "preview" | "up" | "destroy";
  readonly stackName: string;
  readonly workDir: string;
  readonly engineRoot: string;
  readonly env: Record<string, string>;
  readonly config: Record<string, string>;
  /** Policy packs for preview: executables that start a pack (see policyPack in e2e/harness/pulumi.ts). */
  readonly policyPacks?: string[];
  /** Their configuration files (`--policy-pack-config`). */
  readonly policyPackConfigs?: string[];
}

interface Diagnostic {
  readonly severity: string;
  readonly urn: string;
  readonly message: string;
}

async function main(request: Request) {
  const diagnostics: Diagnostic[] = [];
  const policy: { policy: string; level: string; urn: string; message: string }[] = [];
  const onEvent = (event: EngineEvent) => {
    const v = event.policyEvent;
    if (v)
      policy.push({
        policy: v.policyName,
        level: v.enforcementLevel,
        urn: v.resourceUrn ?? "",
        message: v.message,
      });
    const d = event.diagnosticEvent;
    // Warnings and errors; not the ephemeral status lines the provider shows while it awaits a rollout.
    if (d && !d.ephemeral && (d.severity === "warning" || d.severity === "error")) {
      diagnostics.push({ severity: d.severity, urn: d.urn ?? "", message: d.message });
    }
  };
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: request.stackName, projectName: "payments", program },
    {
      workDir: request.workDir,
      pulumiCommand: await PulumiCommand.get({ root: request.engineRoot }),
      envVars: request.env,
      projectSettings: { name: "payments", runtime: "nodejs" },
    },
  );
  await stack.setConfig("pulumi:disable-default-providers[0]", { value: "kubernetes" }, true);
  for (const [key, value] of Object.entries(request.config)) await stack.setConfig(key, { value });

  const started = Date.now();
  const result: Record<string, unknown> = { operation: request.operation };
  try {
    if (request.operation === "preview") {
      const preview = await stack.preview({
        onEvent,
        policyPacks: request.policyPacks ?? [],
        policyPackConfigs: request.policyPackConfigs ?? [],
      });
      result.changeSummary = preview.changeSummary;
      result.stdout = preview.stdout;
    } else if (request.operation === "up") {
      const up = await stack.up({ onEvent });
      result.resourceChanges = up.summary.resourceChanges;
      result.outputs = Object.fromEntries(Object.entries(up.outputs).map(([k, v]) => [k, v.value]));
    } else {
      result.resourceChanges = (await stack.destroy({ onEvent })).summary.resourceChanges;
    }
    result.result = "succeeded";
  } catch (error) {
    result.result = "failed";
    result.error = error instanceof Error ? error.message : String(error);
  }
  result.durationMs = Date.now() - started;
  result.diagnostics = diagnostics;
  result.policy = policy;
  const state = await stack.exportStack();
  const counts: Record<string, number> = {};
  for (const r of (state.deployment as { resources?: { type: string }[] }).resources ?? []) {
    counts[r.type] = (counts[r.type] ?? 0) + 1;
  }
  result.resources = counts;
  return result;
}

// An inline program's error also rejects the promises of the outputs it never returned, after the Automation API
// has stopped listening: they are reported, not left to end the process before it prints its result.
const unhandled: string[] = [];
process.on("unhandledRejection", (reason) => {
  unhandled.push(reason instanceof Error ? reason.message : String(reason));
});

main(JSON.parse(process.argv[2] ?? "{}") as Request).then(
  (result) => {
    process.stdout.write(`${JSON.stringify({ ...result, unhandled })}\n`);
  },
  (error: unknown) => {
    process.stderr.write(
      `driver: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
