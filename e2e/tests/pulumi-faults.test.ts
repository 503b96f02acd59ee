// Faults under the real Pulumi engine against the real control plane: a PULUMI_HOME without the Kubernetes plugin,
// a wrong stack config, the kube-apiserver gone in the middle of `pulumi up`, and the CLI killed in the middle of
// one. Each stops with a clear message and changes nothing it should not. After the lost connection `pulumi up`
// again converges with no manual step; after a killed CLI it takes one (`pulumi cancel`, for the lock it left).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import type { EngineEvent, PulumiFn, Stack } from "@pulumi/pulumi/automation";
import { e2e, kubeApiserver } from "../harness/context";
import { eventually } from "../harness/kube";
import {
  expectProgramError,
  inlineStack,
  problems,
  pulumiEnv,
  PROVIDER_VERSION,
  removePulumiEnv,
  reported,
  resourceCounts,
  rotorProgram,
  ROTOR_STACK_COUNTS,
  type PulumiEnv,
} from "../harness/pulumi";
import { ROOT } from "../harness/rotor";
import rotorIndex from "../../index";

/** How many requests the Kubernetes provider has made to the control plane so far, from the audit log. */
function providerRequests(): number {
  return readFileSync(e2e().state.auditLog, "utf8")
    .split("\n")
    .filter((line) => line.includes(`"userAgent":"pulumi-kubernetes/${PROVIDER_VERSION} `)).length;
}

/** A string as a regular expression that matches it literally. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

async function namespaceStatus(name: string): Promise<number> {
  return (await e2e().admin.send("GET", `/api/v1/namespaces/${name}`)).status;
}

/**
 * rotor's dev stack as an inline program in which every object but the namespace waits (dependsOn) for a gate the
 * test opens: so a fault the test injects once the namespace is created meets the next create for certain, with no
 * race. The gate changes neither inputs nor URNs: a plain `rotorProgram("dev")` is the same stack.
 */
function gatedProgram(): { program: PulumiFn; open: () => void } {
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const program: PulumiFn = async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const held =
        args.resource instanceof pulumi.CustomResource &&
        args.type !== "kubernetes:core/v1:Namespace" &&
        !args.type.startsWith("pulumi:providers:");
      if (!held) return undefined;
      // rotor declares dependsOn as plain arrays (or not at all).
      const before = (args.opts.dependsOn ?? []) as pulumi.Resource[];
      const dependsOn: Promise<pulumi.Resource[]> = gate.then(() => before);
      return { props: args.props, opts: { ...args.opts, dependsOn } };
    });
    return rotorProgram("dev")();
  };
  return { program, open };
}

/** A process's children (PID and command name), from /proc: for this process, the CLIs the Automation API started. */
function childProcesses(parent: number): { pid: number; comm: string }[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const m = /^(\d+) \((.*)\) \S+ (\d+)/.exec(readFileSync(`/proc/${d}/stat`, "utf8"));
        return m && Number(m[3]) === parent ? [{ pid: Number(m[1]), comm: m[2] ?? "" }] : [];
      } catch {
        return []; // gone meanwhile
      }
    });
}

/** The pending operations in a stack's state, as "<type> <urn>". */
async function pendingOperations(stack: Stack): Promise<string[]> {
  const state = await stack.exportStack();
  const ops = (state.deployment as { pending_operations?: { type: string; resource: { urn: string } }[] })
    .pending_operations;
  return (ops ?? []).map((o) => `${o.type} ${o.resource.urn}`);
}

const CONFIG_MAP_URN =
  "urn:pulumi:dev::rotor::rotor:index:RecyclerScript$kubernetes:core/v1:ConfigMap::recycler-script-shop-dev-configmap";

/** What rotor's dev stack holds once up has converged. */
const DEV_COUNTS = ROTOR_STACK_COUNTS;

/** Every Deployment of the dev stack Available, read once (up has awaited them). */
async function assertDeploymentsAvailable(): Promise<void> {
  for (const name of ["catalog-api", "order-worker", "storefront"]) {
    const d = await e2e().admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      `/apis/apps/v1/namespaces/shop-dev/deployments/${name}`,
    );
    assert.equal(d.status?.conditions?.find((c) => c.type === "Available")?.status, "True", name);
  }
}

describe("a PULUMI_HOME without the Kubernetes plugin, downloads off", () => {
  let p: PulumiEnv;
  before(async () => {
    p = await pulumiEnv({ installProvider: false });
  });
  after(() => removePulumiEnv(p));

  it("fails preview naming the plugin and its version, and downloads nothing", async () => {
    const stack = await inlineStack(p, "no-plugin", rotorProgram("dev"));
    const requests = providerRequests();
    const events = reported();
    const { error } = await expectProgramError(() => stack.preview({ onEvent: events.onEvent }));
    const message = `no resource plugin 'pulumi-resource-kubernetes' found in the workspace at version v${PROVIDER_VERSION} or on your $PATH`;
    assert.deepEqual(problems(events), [
      {
        severity: "error",
        urn: "urn:pulumi:no-plugin::rotor::pulumi:providers:kubernetes::e2e-control-plane",
        message: `${message}\n`,
        ephemeral: false,
      },
    ]);
    assert.ok(error?.message.includes(`error: ${message}`), error?.message);
    // Nothing was downloaded: PULUMI_HOME has no plugin directory at all.
    const home = p.env.PULUMI_HOME ?? "";
    assert.equal(existsSync(join(home, "plugins")), false);
    assert.deepEqual(readdirSync(home).sort(), ["logs", "workspaces"]);
    assert.equal(providerRequests(), requests, "no provider ran, so it sent the control plane nothing");
    assert.deepEqual(await resourceCounts(stack), {});
  });
});

describe("a wrong stack config under the real engine", () => {
  let p: PulumiEnv;
  before(async () => {
    p = await pulumiEnv();
  });
  after(() => removePulumiEnv(p));

  // index.ts, the program `pulumi up -s <stack>` runs, as an inline program.
  const program: PulumiFn = () => rotorIndex();
  const cases: {
    stack: string;
    config: Record<string, string>;
    /** With rotor's Pulumi.yaml, which declares the keys: the engine checks their types and presence first. */
    projectFile: boolean;
    /** The error the program reports (twice: so the engine reports an inline program's RunError). */
    programError?: string;
    /** The engine's own message, when it stops before the program runs. */
    engineError?: string;
  }[] = [
    {
      stack: "qa",
      config: { "rotor:environment": "qa" },
      projectFile: true,
      programError:
        'stack qa: the config has 1 problem:\n  rotor:environment ("qa") must name a catalog file in environments, but environments/qa.yaml does not exist. Environments in environments/: dev, prod, staging. Run pulumi config set rotor:environment dev -s qa (or another of them), or create environments/qa.yaml.',
    },
    {
      stack: "nowhere",
      config: { "rotor:environment": "dev", "rotor:catalogDir": "nowhere" },
      projectFile: true,
      programError:
        'stack nowhere: the config has 1 problem:\n  rotor:catalogDir ("nowhere") must be the directory of the catalog files, relative to the project directory, but it is nowhere, which does not exist. Run pulumi config set rotor:catalogDir environments -s nowhere (or the directory that holds them), or pulumi config rm rotor:catalogDir -s nowhere for the default, environments.',
    },
    {
      stack: "traces",
      config: { "rotor:environment": "dev", "rotor:stackTraces": "yes" },
      projectFile: true,
      engineError:
        "validating stack config: Stack 'traces' with configuration key 'stackTraces' must be of type 'boolean'",
    },
    {
      // Without rotor's Pulumi.yaml (an Automation API program with its own project settings) the program checks it.
      stack: "traces-inline",
      config: { "rotor:environment": "dev", "rotor:stackTraces": "yes" },
      projectFile: false,
      programError:
        'stack traces-inline: the config has 1 problem:\n  rotor:stackTraces ("yes") must be true or false. Run pulumi config set rotor:stackTraces true -s traces-inline (or false), or pulumi config rm rotor:stackTraces -s traces-inline for the default, false.',
    },
    {
      // Pulumi.yaml declares rotor:environment without a default: the engine requires it.
      stack: "typo",
      config: { "rotor:enviroment": "dev" },
      projectFile: true,
      engineError: "validating stack config: Stack 'typo' is missing configuration value 'environment'",
    },
    {
      stack: "typo-inline",
      config: { "rotor:environment": "dev", "rotor:enviroment": "prod" },
      projectFile: false,
      programError:
        "stack typo-inline: the config has 1 problem:\n  rotor:enviroment is not a setting of rotor's stack: it reads only rotor:environment, rotor:catalogDir, rotor:stackTraces. Did you mean rotor:environment? Move the value there and run pulumi config rm rotor:enviroment -s typo-inline.",
    },
  ];
  for (const c of cases) {
    it(`fails preview of ${JSON.stringify(c.config)}${c.projectFile ? "" : " (no project config declarations)"} with ${c.engineError ? "the engine's" : "rotor's"} message, registering nothing`, async () => {
      const stack = await inlineStack(p, c.stack, program, {
        config: c.config,
        ...(c.projectFile ? { projectFile: join(ROOT, "Pulumi.yaml") } : {}),
      });
      const requests = providerRequests();
      const events = reported();
      const { error, unhandled } = await expectProgramError(() => stack.preview({ onEvent: events.onEvent }));
      assert.ok(error, "preview fails");
      if (c.programError) {
        assert.deepEqual(
          problems(events).map((d) => `${d.severity}: ${d.message}`),
          [`error: ${c.programError}\n`, `error: ${c.programError}\n`],
        );
        assert.deepEqual(unhandled, [c.programError, c.programError]);
      } else {
        assert.ok(error.message.includes(`error: ${c.engineError}\n`), error.message);
        assert.deepEqual(problems(events), [], "the engine stopped before the program ran");
        assert.deepEqual(unhandled, []);
      }
      assert.deepEqual(await resourceCounts(stack), {}, "nothing registered, not even the provider");
      assert.equal(providerRequests(), requests, "the control plane got no request from a provider");
      assert.equal(await namespaceStatus("shop-dev"), 404);
      assert.equal(await namespaceStatus("shop-qa"), 404);
    });
  }
});

describe("the kube-apiserver gone in the middle of pulumi up", () => {
  let p: PulumiEnv;
  let stack: Stack;
  before(async () => {
    p = await pulumiEnv();
    // Earlier test files may have used the namespace and deleted it without waiting.
    await eventually("namespace shop-dev absent", async () =>
      (await namespaceStatus("shop-dev")) === 404 ? true : undefined,
    );
    stack = await inlineStack(p, "dev", rotorProgram("dev"));
  });
  after(async () => {
    // Whatever happened, the control plane is shared by every e2e file: it must be whole again.
    await kubeApiserver("start").catch(() => undefined);
    await stack.destroy().catch(() => undefined);
    await eventually("namespace shop-dev deleted", async () =>
      (await namespaceStatus("shop-dev")) === 404 ? true : undefined,
    );
    removePulumiEnv(p);
  });

  /** The interrupted up's error and its error diagnostics. */
  let failed: Error | undefined;
  const failures: { urn: string; message: string }[] = [];

  it("fails pulumi up when the kube-apiserver dies after the first object, naming the refused connection", async () => {
    const { program: gated, open } = gatedProgram();
    const gatedStack = await inlineStack(p, "dev", gated);
    let killing: Promise<void> | undefined;
    const onEvent = (event: EngineEvent) => {
      const out = event.resOutputsEvent?.metadata;
      if (out?.type === "kubernetes:core/v1:Namespace" && !killing) {
        killing = kubeApiserver("stop").finally(open);
      }
      const d = event.diagnosticEvent;
      if (d && !d.ephemeral && d.severity === "error")
        failures.push({ urn: d.urn ?? "", message: d.message });
    };
    // Bounded: the gate opens at the latest after 60 s, so a lost event cannot hang the test.
    const bound = setTimeout(open, 60_000);
    const started = Date.now();
    failed = await gatedStack.up({ onEvent }).then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    clearTimeout(bound);
    await killing;
    console.log(`interrupted up: failed after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assert.ok(killing, "the namespace was created, so the kube-apiserver was stopped");
    assert.ok(failed, "pulumi up fails");
    // The first create after the namespace (the recycler script's ConfigMap; everything else waits for it) meets
    // the dead server; the engine starts nothing more and fails the update.
    const server = e2e().state.server;
    const configMap = CONFIG_MAP_URN;
    assert.deepEqual(
      failures.map((f) => f.urn),
      [configMap, ""],
    );
    assert.match(
      failures[0]?.message ?? "",
      new RegExp(
        `^resource "${escape(configMap)}" was not successfully created by the Kubernetes API server: Patch "${escape(server)}/api/v1/namespaces/shop-dev/configmaps/rotor-recycler-[0-9a-f]{8}\\?fieldManager=pulumi-kubernetes-[0-9a-f]{8}&fieldValidation=Warn&force=false": dial tcp ${escape(new URL(server).host)}: connect: connection refused\n$`,
      ),
    );
    assert.equal(failures[1]?.message, "update failed\n");
    assert.ok(
      failed.message.includes(`dial tcp ${new URL(server).host}: connect: connection refused`),
      failed.message,
    );
  });

  it("leaves in the state what was created before, and no pending operation", async () => {
    // A create that fails with an error is finished for the engine: only a CLI killed mid-step leaves one pending.
    assert.deepEqual(await pendingOperations(stack), []);
    assert.deepEqual(await resourceCounts(stack), {
      "kubernetes:core/v1:Namespace": 1,
      "pulumi:providers:kubernetes": 1,
      "pulumi:pulumi:Stack": 1,
      "rotor:index:RecyclerScript": 1,
    });
  });

  it("converges with a plain pulumi up once the kube-apiserver is back, and a third up changes nothing", async () => {
    await kubeApiserver("start");
    // Once, the next up could not start its CLI (spawn ENOENT): this says whether its working directory was gone.
    assert.ok(existsSync(stack.workspace.workDir), `${stack.workspace.workDir} exists`);
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
    assert.deepEqual(await resourceCounts(stack), DEV_COUNTS);
    await assertDeploymentsAvailable();
    assert.deepEqual(up.summary.resourceChanges, { create: 31, same: 4 });
    const third = await stack.up({ expectNoChanges: true });
    assert.deepEqual(third.summary.resourceChanges, { same: 35 });
  });
});

describe("pulumi up killed while a create hangs on a frozen kube-apiserver", () => {
  let p: PulumiEnv;
  let stack: Stack;
  let lockDir: string;
  before(async () => {
    p = await pulumiEnv();
    lockDir = join(p.dir, "state", ".pulumi", "locks", "organization", "rotor", "dev");
    await eventually("namespace shop-dev absent", async () =>
      (await namespaceStatus("shop-dev")) === 404 ? true : undefined,
    );
    stack = await inlineStack(p, "dev", rotorProgram("dev"));
  });
  after(async () => {
    await kubeApiserver("resume").catch(() => undefined);
    await stack.destroy().catch(() => undefined);
    await eventually("namespace shop-dev deleted", async () =>
      (await namespaceStatus("shop-dev")) === 404 ? true : undefined,
    );
    removePulumiEnv(p);
  });

  it("leaves a pending create and the killed CLI's lock in the state", async () => {
    const { program, open } = gatedProgram();
    const gatedStack = await inlineStack(p, "dev", program);
    let pausing: Promise<void> | undefined;
    const onEvent = (event: EngineEvent) => {
      if (event.resOutputsEvent?.metadata.type === "kubernetes:core/v1:Namespace" && !pausing) {
        pausing = kubeApiserver("pause").finally(open);
      }
    };
    const bound = setTimeout(open, 60_000);
    const stateFile = join(p.dir, "state", ".pulumi", "stacks", "rotor", "dev.json");
    const { error } = await expectProgramError(async () => {
      const up = gatedStack.up({ onEvent });
      // The ConfigMap's create hangs on the frozen server; the engine has recorded it as pending before calling
      // the provider. Then the CLI and its provider are killed (by PID: the CLI is this process's child).
      await eventually(
        "the ConfigMap's pending create in the state file",
        async () => {
          const file = JSON.parse(await readFile(stateFile, "utf8")) as {
            checkpoint: { latest?: { pending_operations?: { resource: { urn: string } }[] } };
          };
          const ops = file.checkpoint.latest?.pending_operations ?? [];
          return ops.some((o) => o.resource.urn === CONFIG_MAP_URN) ? true : undefined;
        },
        60_000,
        100,
      );
      const clis = childProcesses(process.pid).filter((c) => c.comm === "pulumi");
      assert.equal(clis.length, 1, JSON.stringify(clis));
      const plugins = clis.flatMap((c) => childProcesses(c.pid));
      assert.deepEqual(
        plugins.map((c) => c.comm),
        ["pulumi-resource"],
      );
      for (const c of [...plugins, ...clis]) process.kill(c.pid, "SIGKILL");
      await up;
    });
    clearTimeout(bound);
    await pausing;
    assert.match(error?.message ?? "", /Command was killed with SIGKILL/);
    await kubeApiserver("resume");
    assert.deepEqual(await pendingOperations(stack), [`creating ${CONFIG_MAP_URN}`]);
    assert.deepEqual(await resourceCounts(stack), {
      "kubernetes:core/v1:Namespace": 1,
      "pulumi:providers:kubernetes": 1,
      "pulumi:pulumi:Stack": 1,
      "rotor:index:RecyclerScript": 1,
    });
    assert.equal(readdirSync(lockDir).filter((f) => f.endsWith(".json")).length, 1);
  });

  it("refuses the next up until pulumi cancel removes the lock (a manual step)", async () => {
    const refused = await stack.up().then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    assert.ok(
      refused?.message.includes(
        "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
      ),
      refused?.message,
    );
    await stack.cancel();
    assert.deepEqual(readdirSync(lockDir), []);
  });

  it("then converges with pulumi up, which warns about the pending create and keeps it until a refresh clears it", async () => {
    const warnings: string[] = [];
    const up = await stack.up({
      onEvent: (event) => {
        const d = event.diagnosticEvent;
        if (d && !d.ephemeral && d.severity === "warning") warnings.push(d.message);
      },
    });
    assert.deepEqual(up.summary.resourceChanges, { create: 31, same: 4 });
    assert.deepEqual(await resourceCounts(stack), DEV_COUNTS);
    await assertDeploymentsAvailable();
    assert.equal(warnings.length, 1, warnings.join("\n"));
    assert.ok(
      warnings[0]?.startsWith(
        "Attempting to deploy or update resources with 1 pending operations from previous deployment.",
      ),
      warnings[0],
    );
    assert.ok(warnings[0]?.includes(`${CONFIG_MAP_URN}, interrupted while creating`), warnings[0]);
    // The up created the ConfigMap but left the pending create in the state; a third up changes nothing.
    assert.deepEqual(await pendingOperations(stack), [`creating ${CONFIG_MAP_URN}`]);
    const third = await stack.up({ expectNoChanges: true });
    assert.deepEqual(third.summary.resourceChanges, { same: 35 });
    // A refresh with --clear-pending-creates drops it.
    await stack.refresh({ clearPendingCreates: true });
    assert.deepEqual(await pendingOperations(stack), []);
    const fourth = await stack.up({ expectNoChanges: true });
    assert.deepEqual(fourth.summary.resourceChanges, { same: 35 });
  });
});
