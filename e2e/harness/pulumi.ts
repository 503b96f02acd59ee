/**
 * The real Pulumi engine for the e2e tests: the CLI and the Kubernetes provider built from pinned Go modules by
 * e2e/build-pulumi.sh (its directory comes in as ROTOR_E2E_PULUMI from `npm run test:e2e`), driven through the
 * Automation API against the e2e control plane.
 *
 * - Programs are inline (`LocalWorkspace` with a `program` function): the program runs in the test's own Node
 *   process and hands the CLI its language runtime, so no Node.js language host is needed (none can be built
 *   here: the proxy does not serve its module).
 * - Every test file gets its own directory with a file backend (`file://<dir>/state`), its own PULUMI_HOME and a
 *   passphrase secrets provider; plugin downloads and update checks are off, so a missing plugin is an error, not
 *   a download.
 * - Policy packs run as executable analyzer plugins (see {@link policyPack}).
 * - The provider is installed into that PULUMI_HOME's plugin cache under its own version with
 *   `pulumi plugin install resource kubernetes v4.25.0 --file <binary>`, as a user installs a locally built
 *   plugin, and is never on PATH (a plugin on PATH would be used whatever version a program asks for).
 *
 * The provider version skew, and how it is handled: @pulumi/kubernetes (the SDK in package.json) is 4.34.2 and
 * asks for a provider of at least 4.34.2 by default, but the only provider the module proxy serves is the
 * commit tagged v4.25.0. The engine picks a cached plugin only if its version is at least the one asked for, so
 * rather than install 4.25.0 under a version it is not (which makes the provider warn on every run that it is
 * 4.25.0), the programs here create their Kubernetes provider explicitly with `version: "4.25.0"`, and
 * `pulumi:disable-default-providers` makes any resource that would reach for the default 4.34.2 provider fail
 * the run. What the tests prove therefore holds for provider 4.25.0; the README's deploy section says what
 * differs in the 4.34 line a full installation would download.
 */
import * as k8s from "@pulumi/kubernetes";
import {
  LocalWorkspace,
  PulumiCommand,
  type EngineEvent,
  type PulumiFn,
  type Stack,
} from "@pulumi/pulumi/automation";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rotorStack } from "../../stack/program";
import { e2e, ENGINE_ENV, run, type CommandResult } from "./context";
import { ROOT } from "./rotor";

/** The policy pack as users load it (`--policy-pack <dir>`): the one place its location is spelled. */
export const POLICY_PACK_DIR = join(ROOT, "policy-pack");

/** The provider the engine runs: the release e2e/build-pulumi.sh builds (see the skew above). */
export const PROVIDER_VERSION = "4.25.0";

/** The project every stack here belongs to: rotor's own (Pulumi.yaml). */
export const PROJECT = "rotor";

/** A passphrase for the test stacks' secrets (the kubeconfig is one): nothing here is secret. */
const PASSPHRASE = "rotor-e2e";

export interface PulumiEnv {
  /** The test file's directory: backend, PULUMI_HOME, workspaces. */
  readonly dir: string;
  readonly cli: PulumiCommand;
  /** Environment of every CLI run. */
  readonly env: Record<string, string>;
  readonly backendUrl: string;
}

/** The engine's directory from e2e/build-pulumi.sh, or an error that says how to get it. */
export function engineRoot(): string {
  const root = process.env[ENGINE_ENV];
  if (!root) {
    throw new Error(
      `${ENGINE_ENV} is not set: the Pulumi e2e tests need the engine built by e2e/build-pulumi.sh. Run them with \`npm run test:e2e -- pulumi-\`, which builds it (or finds it in the cache) and sets ${ENGINE_ENV}.`,
    );
  }
  return root;
}

/**
 * A fresh Pulumi environment for one test file (or one bench size): its own backend and PULUMI_HOME, the built
 * CLI, and the provider installed in the plugin cache (unless `installProvider` is false: a PULUMI_HOME without
 * any plugin). `root` is the engine's directory (e2e/build-pulumi.sh).
 */
export async function pulumiEnv(
  options: { installProvider?: boolean; root?: string } = {},
): Promise<PulumiEnv> {
  const root = options.root ?? engineRoot();
  const dir = mkdtempSync(join(tmpdir(), "rotor-pulumi-"));
  const home = join(dir, "home");
  const state = join(dir, "state");
  mkdirSync(home);
  mkdirSync(state);
  const backendUrl = `file://${state}`;
  const env: Record<string, string> = {
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: backendUrl,
    PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_UPDATE_CHECK: "true",
  };
  const cli = await PulumiCommand.get({ root });
  const p = { dir, cli, env, backendUrl };
  if (options.installProvider === false) return p;
  const plugin = join(root, "plugins", "pulumi-resource-kubernetes");
  const installed = await pulumi(p, [
    "plugin",
    "install",
    "resource",
    "kubernetes",
    `v${PROVIDER_VERSION}`,
    "--file",
    plugin,
  ]);
  if (installed.code !== 0) {
    throw new Error(
      `pulumi plugin install resource kubernetes v${PROVIDER_VERSION} --file ${plugin} exited ${installed.code}: ${installed.stderr}`,
    );
  }
  return p;
}

/** The built CLI with the test file's environment, as a user runs it from a shell. */
export function pulumi(p: PulumiEnv, args: readonly string[], cwd = p.dir): Promise<CommandResult> {
  return run(p.cli.command, args, { cwd, env: { ...process.env, ...p.env } });
}

/** Removes the test file's directory (the stacks must have been destroyed first). */
export function removePulumiEnv(p: PulumiEnv): void {
  rmSync(p.dir, { recursive: true, force: true });
}

/**
 * The Kubernetes provider of every program here: the e2e control plane's admin kubeconfig, the version the
 * engine has (the default provider is disabled). Call it inside a program.
 */
export function kubeProvider(name = "e2e-control-plane"): k8s.Provider {
  return new k8s.Provider(
    name,
    { kubeconfig: readFileSync(e2e().state.kubeconfig, "utf8") },
    { version: PROVIDER_VERSION },
  );
}

/**
 * rotor's stack program for an environment, as an inline program: by default with the e2e control plane's
 * provider, made only once the catalog has loaded (an invalid catalog registers nothing).
 */
export function rotorProgram(
  environment: string,
  catalogDir = join(ROOT, "environments"),
  provider: () => k8s.Provider = () => kubeProvider(),
  // true by default, because this runs in the test's own process: the fast path turns its stack traces off. The
  // bench, which runs it in a process of its own, takes the fast path `pulumi up` takes (index.ts).
  { stackTraces = true }: { stackTraces?: boolean } = {},
): PulumiFn {
  return () => rotorStack({ environment, catalogDir, provider, stackTraces });
}

/**
 * A stack of an inline program in its own workspace, with the default Kubernetes provider disabled. With
 * `projectFile`, the workspace's Pulumi.yaml is a copy of that file (rotor's own declares its config keys and
 * their types, which the engine checks), otherwise a minimal one.
 */
export async function inlineStack(
  p: PulumiEnv,
  stackName: string,
  program: PulumiFn,
  options: { project?: string; config?: Record<string, string>; projectFile?: string } = {},
): Promise<Stack> {
  const project = options.project ?? PROJECT;
  const workDir = join(p.dir, "work", `${project}-${stackName}`);
  mkdirSync(workDir, { recursive: true });
  if (options.projectFile) copyFileSync(options.projectFile, join(workDir, "Pulumi.yaml"));
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName, projectName: project, program },
    {
      workDir,
      pulumiCommand: p.cli,
      envVars: p.env,
      ...(options.projectFile
        ? {}
        : { projectSettings: { name: project, runtime: "nodejs", backend: { url: p.backendUrl } } }),
    },
  );
  await stack.setConfig("pulumi:disable-default-providers[0]", { value: "kubernetes" }, true);
  for (const [key, value] of Object.entries(options.config ?? {})) await stack.setConfig(key, { value });
  return stack;
}

/** What the engine reported during one operation, from its event stream. */
export interface Reported {
  readonly onEvent: (event: EngineEvent) => void;
  /** Policy violations, with their enforcement level (mandatory or advisory). */
  readonly policy: { pack: string; policy: string; level: string; urn: string; message: string }[];
  /** Diagnostics; an ephemeral one is a status line the CLI shows while a step runs, then drops. */
  readonly diagnostics: { severity: string; urn: string; message: string; ephemeral: boolean }[];
}

export function reported(): Reported {
  const r: Reported = {
    policy: [],
    diagnostics: [],
    onEvent: (event) => {
      if (event.policyEvent) {
        const e = event.policyEvent;
        r.policy.push({
          pack: e.policyPackName,
          policy: e.policyName,
          level: e.enforcementLevel,
          urn: e.resourceUrn ?? "",
          message: e.message,
        });
      }
      if (event.diagnosticEvent) {
        const d = event.diagnosticEvent;
        r.diagnostics.push({
          severity: d.severity,
          urn: d.urn ?? "",
          message: d.message,
          ephemeral: d.ephemeral === true,
        });
      }
    },
  };
  return r;
}

/**
 * The warnings and errors among the diagnostics: not the info and debug lines, nor the ephemeral status lines (the
 * provider shows a new Deployment's MinimumReplicasUnavailable condition as one while it awaits the rollout).
 */
export function problems(r: Reported): Reported["diagnostics"] {
  return r.diagnostics.filter((d) => !d.ephemeral && (d.severity === "warning" || d.severity === "error"));
}

/** The state's resources counted by type, from `pulumi stack export`. */
export async function resourceCounts(stack: Stack): Promise<Record<string, number>> {
  const state = await stack.exportStack();
  const resources = (state.deployment as { resources?: { type: string }[] }).resources ?? [];
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

/** How many resources a table of counts by type (as resourceCounts returns) adds up to. */
export function totalResources(counts: Record<string, number>): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** What each shipped environment's stack of rotor's program (index.ts) holds: three apps, each with its recycler, in one namespace. */
export const ROTOR_STACK_COUNTS: Readonly<Record<string, number>> = {
  "kubernetes:apps/v1:Deployment": 3,
  "kubernetes:batch/v1:CronJob": 3,
  "kubernetes:coordination.k8s.io/v1:Lease": 3,
  "kubernetes:core/v1:ConfigMap": 1,
  "kubernetes:core/v1:Namespace": 1,
  "kubernetes:core/v1:Service": 3,
  "kubernetes:core/v1:ServiceAccount": 3,
  "kubernetes:policy/v1:PodDisruptionBudget": 3,
  "kubernetes:rbac.authorization.k8s.io/v1:Role": 3,
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 3,
  "pulumi:providers:kubernetes": 1,
  "pulumi:pulumi:Stack": 1,
  "rotor:index:PodRecycler": 3,
  "rotor:index:RecyclerScript": 1,
  "rotor:index:RotatingApp": 3,
};

/**
 * The default providers in the state of a program that uses rotor's components through the plugin
 * (pulumi-resource-rotor), which the engine's change summaries leave out (they count every other resource):
 * - `pulumi:providers:rotor`: rotor's own, as the program names no provider for rotor's components;
 * - `pulumi:providers:pulumi`: the default provider of @pulumi/pulumi's own package. The plugin rehydrates the
 *   program's Kubernetes provider from its reference (it reads it back by its URN, a getResource invoke), which the
 *   engine serves through that provider.
 */
export const PLUGIN_DEFAULT_PROVIDERS = ["pulumi:providers:pulumi", "pulumi:providers:rotor"] as const;

/** A table of counts by type without the plugin's default providers. */
export function withoutPluginProviders(counts: Readonly<Record<string, number>>): Record<string, number> {
  const defaults: readonly string[] = PLUGIN_DEFAULT_PROVIDERS;
  return Object.fromEntries(Object.entries(counts).filter(([type]) => !defaults.includes(type)));
}

/**
 * What the stack of the Python program (e2e/python/program.py) and the YAML program (e2e/programs/yaml/Pulumi.yaml)
 * holds: the two declare the same things on purpose (a Namespace, their shared RecyclerScript, one RotatingApp, a
 * Deployment of the program's own and a standalone PodRecycler for it, through the plugin), so one table.
 */
export const PLUGIN_PROGRAM_COUNTS: Readonly<Record<string, number>> = {
  "kubernetes:apps/v1:Deployment": 2,
  "kubernetes:batch/v1:CronJob": 2,
  "kubernetes:coordination.k8s.io/v1:Lease": 2,
  "kubernetes:core/v1:ConfigMap": 1,
  "kubernetes:core/v1:Namespace": 1,
  "kubernetes:core/v1:Service": 1,
  "kubernetes:core/v1:ServiceAccount": 2,
  "kubernetes:policy/v1:PodDisruptionBudget": 1,
  "kubernetes:rbac.authorization.k8s.io/v1:Role": 2,
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 2,
  "pulumi:providers:kubernetes": 1,
  "pulumi:providers:pulumi": 1,
  "pulumi:providers:rotor": 1,
  "pulumi:pulumi:Stack": 1,
  "rotor:index:PodRecycler": 2,
  "rotor:index:RecyclerScript": 1,
  "rotor:index:RotatingApp": 1,
};

/** What the engine's change summaries count for the Python and YAML programs: all but the plugin's default providers. */
export const PLUGIN_PROGRAM_CHANGES = totalResources(withoutPluginProviders(PLUGIN_PROGRAM_COUNTS));

/**
 * Runs an operation whose inline program is expected to throw, and returns its error and the unhandled rejections
 * the program's error caused in this process. Why there are any: the Automation API runs an inline program in
 * this process and listens for unhandled rejections only while the program runs; the program's error also
 * rejects the stack's output promises, which Node reports once that listener is gone, and the test runner would
 * count them as a failure of the test file. So during the operation they are collected here instead (every other
 * listener is set aside and put back afterwards), for the test to assert.
 */
export async function expectProgramError(
  operation: () => Promise<unknown>,
): Promise<{ error: Error | undefined; unhandled: string[] }> {
  const unhandled: string[] = [];
  const collect = (reason: unknown) => {
    unhandled.push(reason instanceof Error ? reason.message : String(reason));
  };
  const listeners = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", collect);
  try {
    const error = await operation().then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    // Rejections are reported after the microtasks of the turn they happen in; the operation ended turns later.
    await new Promise((resolve) => setImmediate(resolve));
    return { error, unhandled };
  } finally {
    process.off("unhandledRejection", collect);
    for (const l of listeners) process.on("unhandledRejection", l);
  }
}

/**
 * A Node.js policy pack directory as an executable analyzer plugin, for `policyPacks`. With a full installation
 * `--policy-pack <dir>` works as is: the CLI (v3.274) runs a pack directory through its Node.js language host, which
 * starts @pulumi/pulumi's policy-pack runner in the pack's directory. The engine built here has no Node.js
 * language host (the proxy does not serve its module), and this CLI no longer falls back to a
 * `pulumi-analyzer-policy` script on PATH; but `--policy-pack` also takes an executable, which it starts with the
 * engine's address. This one starts the same runner, in the pack's directory, on the pack: what the language host
 * does, so the pack loads, compiles (ts-node, with the pack's tsconfig.json) and runs as under a full installation.
 */
export function policyPack(p: PulumiEnv, packDir: string, name = "rotor"): string {
  const dir = join(p.dir, "policy-packs", name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "analyzer");
  const quoted = `'${packDir.replaceAll("'", `'\\''`)}'`;
  writeFileSync(
    file,
    [
      "#!/bin/sh",
      `# The policy pack in ${packDir}, started as the Node.js language host starts a policy pack.`,
      "set -e",
      `cd ${quoted}`,
      `runner="$(node -e "process.stdout.write(require.resolve('@pulumi/pulumi/cmd/run-policy-pack'))")"`,
      'exec node "$runner" "$@" .',
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return file;
}
