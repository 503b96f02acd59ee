// rotor's components from another Pulumi language: a Pulumi YAML program (e2e/programs/yaml/Pulumi.yaml) run by the
// real engine (the CLI and the YAML language host built from pinned Go modules) against the real control plane,
// through rotor's component provider plugin installed as a user installs it (`npm install -g` of the checkout puts
// `pulumi-resource-rotor` on PATH). Preview, up, the live objects, a second up with nothing to do, an invalid input
// refused with the component's own message, and destroy.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import { parse } from "yaml";
import { buildAppManifests } from "../../components/app-manifests";
import { resolveApp } from "../../components/app-spec";
import { resolveRecycler } from "../../components/pod-recycler";
import { e2e } from "../harness/context";
import { eventually } from "../harness/kube";
import {
  PLUGIN_PROGRAM_CHANGES,
  PLUGIN_PROGRAM_COUNTS,
  problems,
  pulumiEnv,
  removePulumiEnv,
  reported,
  resourceCounts,
  type PulumiEnv,
} from "../harness/pulumi";
import { installRotorPlugin } from "../harness/rotor-plugin";
import {
  assertOneSharedScript,
  assertRecyclerLive,
  collectionPath,
  missingFields,
  ROOT,
  type KubeObject,
  type LiveCronJob,
} from "../harness/rotor";

const PROGRAM_DIR = join(ROOT, "e2e", "programs", "yaml");
const NS = "rotor-yaml";

/** What the program's stack holds (the Python program declares the same), and what change summaries count of it. */
const COUNTS = PLUGIN_PROGRAM_COUNTS;
const CHANGES = PLUGIN_PROGRAM_CHANGES;

/** A resource's properties as the program writes them, with the program's references replaced by their values. */
function programProperties(resource: string, values: Record<string, unknown>): Record<string, unknown> {
  const program = parse(readFileSync(join(PROGRAM_DIR, "Pulumi.yaml"), "utf8")) as {
    resources: Record<string, { properties: Record<string, unknown> }>;
  };
  const substitute = (v: unknown): unknown => {
    if (typeof v === "string") {
      const ref = /^\$\{(.+)\}$/.exec(v)?.[1];
      if (ref === undefined) return v;
      if (!(ref in values)) throw new Error(`no value for \${${ref}} in the test`);
      return values[ref];
    }
    if (Array.isArray(v)) return v.map(substitute);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
    }
    return v;
  };
  const found = program.resources[resource];
  if (!found) throw new Error(`the program has no resource ${resource}`);
  return substitute(found.properties) as Record<string, unknown>;
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(1);

/**
 * The warnings and errors of an operation, but for the CLI's notice that it runs a plugin found on PATH: what it
 * says, every time, to a user who installed rotor with npm (the point of this test).
 */
function problemsBesidesPathNotice(events: ReturnType<typeof reported>, plugin: string) {
  const notice = `using pulumi-resource-rotor from $PATH at ${plugin}\n`;
  const found = problems(events);
  assert.ok(
    found.some((d) => d.severity === "warning" && d.message === notice),
    `the PATH notice: ${JSON.stringify(found)}`,
  );
  return found.filter((d) => d.message !== notice);
}

describe("rotor's components from a Pulumi YAML program, through pulumi-resource-rotor", () => {
  let p: PulumiEnv;
  let pathWithPlugin: string;
  let plugin: string;
  const { admin } = e2e();

  /** A stack of the program in its own copy of the program's directory, with the control plane's kubeconfig. */
  async function yamlStack(stackName: string, config: Record<string, string> = {}): Promise<Stack> {
    const workDir = join(p.dir, "work", `yaml-${stackName}`);
    mkdirSync(workDir, { recursive: true });
    copyFileSync(join(PROGRAM_DIR, "Pulumi.yaml"), join(workDir, "Pulumi.yaml"));
    const stack = await LocalWorkspace.createOrSelectStack(
      { stackName, workDir },
      { pulumiCommand: p.cli, envVars: { ...p.env, PATH: pathWithPlugin } },
    );
    await stack.setConfig("kubeconfig", {
      value: readFileSync(e2e().state.kubeconfig, "utf8"),
      secret: true,
    });
    for (const [key, value] of Object.entries(config)) await stack.setConfig(key, { value });
    return stack;
  }

  before(async () => {
    p = await pulumiEnv();
    const installed = await installRotorPlugin(p);
    plugin = installed.binary;
    pathWithPlugin = installed.path;
    await eventually(`namespace ${NS} absent`, async () => {
      const res = await admin.send("GET", `/api/v1/namespaces/${NS}`);
      return res.status === 404 ? true : undefined;
    });
  });
  after(() => removePulumiEnv(p));

  describe("a valid program", () => {
    let stack: Stack;
    before(async () => {
      stack = await yamlStack("dev");
    });

    it(`previews ${CHANGES} creates and no warning but the PATH notice`, async () => {
      const events = reported();
      const started = Date.now();
      const preview = await stack.preview({ onEvent: events.onEvent });
      console.log(`yaml: pulumi preview of ${CHANGES} resources in ${seconds(started)} s`);
      assert.deepEqual(preview.changeSummary, { create: CHANGES });
      assert.deepEqual(problemsBesidesPathNotice(events, plugin), []);
    });

    it("creates every resource with pulumi up, each type as many times as expected", async () => {
      const events = reported();
      const started = Date.now();
      const up = await stack.up({ onEvent: events.onEvent });
      console.log(`yaml: pulumi up created ${CHANGES} resources in ${seconds(started)} s`);
      assert.equal(up.summary.result, "succeeded");
      assert.deepEqual(up.summary.resourceChanges, { create: CHANGES });
      assert.deepEqual(await resourceCounts(stack), COUNTS);
      assert.deepEqual(problemsBesidesPathNotice(events, plugin), []);
    });

    it("returns the components' outputs to the program", async () => {
      const outputs = await stack.outputs();
      const script = outputs.scriptConfigMap?.value as string;
      assert.match(script, /^rotor-recycler-[0-9a-f]{8}$/);
      assert.deepEqual(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.value as unknown])), {
        serviceHost: `web.${NS}.svc.cluster.local`,
        podSelector: { "app.kubernetes.io/instance": "web", "app.kubernetes.io/name": "web" },
        recyclerCronJob: "legacy-recycler",
        scriptConfigMap: script,
      });
    });

    it("leaves on the cluster the app's Deployment, Service and PodDisruptionBudget as RotatingApp builds them", async () => {
      const script = (await stack.outputs()).scriptConfigMap?.value as string;
      const props = programProperties("web", {
        "ns.metadata.name": NS,
        replicas: 2,
        "script.configMapName": script,
      });
      const { recyclerScriptConfigMap, ...app } = props;
      assert.equal(recyclerScriptConfigMap, script);
      const { spec, problems: found } = resolveApp("web", app);
      assert.deepEqual(found, []);
      assert.ok(spec);
      const manifests = buildAppManifests(spec);
      const expected = [
        manifests.deployment,
        manifests.service,
        manifests.podDisruptionBudget,
      ] as KubeObject[];
      for (const o of expected) {
        const live = await admin.get(`${collectionPath(o)}/${o.metadata.name}`);
        assert.deepEqual(missingFields(o, live), [], `${o.kind} ${o.metadata.name}`);
      }
      // The fields that make rotation safe, read back from the cluster.
      const deployment = await admin.get<{
        spec: {
          replicas: number;
          minReadySeconds: number;
          strategy: { rollingUpdate: { maxSurge: number; maxUnavailable: number } };
          template: { spec: { containers: { readinessProbe: unknown }[] } };
        };
        status: { availableReplicas?: number };
      }>(`/apis/apps/v1/namespaces/${NS}/deployments/web`);
      assert.equal(deployment.spec.replicas, 2);
      assert.equal(deployment.status.availableReplicas, 2, "the provider awaited the rollout");
      assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
      assert.deepEqual(deployment.spec.template.spec.containers[0]?.readinessProbe, {
        httpGet: { path: "/ready", port: "http", scheme: "HTTP" },
        periodSeconds: 10,
        timeoutSeconds: 1,
        successThreshold: 1,
        failureThreshold: 3,
      });
      const pdb = await admin.get<{ spec: { maxUnavailable: number; unhealthyPodEvictionPolicy: string } }>(
        `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/web`,
      );
      assert.equal(pdb.spec.maxUnavailable, 1);
      assert.equal(pdb.spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
      const service = await admin.get<{
        spec: { ports: { name: string; port: number; targetPort: unknown }[] };
      }>(`/api/v1/namespaces/${NS}/services/web`);
      assert.deepEqual(
        service.spec.ports.map((port) => [port.name, port.port, port.targetPort]),
        [["http", 80, "http"]],
      );
    });

    it("leaves on the cluster both recyclers' CronJobs, mounting the one shared script", async () => {
      const script = (await stack.outputs()).scriptConfigMap?.value as string;
      const legacy = resolveRecycler(
        "legacy-recycler",
        programProperties("legacyRecycler", {
          "ns.metadata.name": NS,
          "legacy.metadata.name": "legacy",
          "script.configMapName": script,
        }),
      );
      assert.deepEqual(legacy.problems, []);
      assert.ok(legacy.spec);
      await assertRecyclerLive(admin, legacy.spec);
      const cronJob = (name: string) =>
        admin.get<LiveCronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/${name}`);
      const web = await cronJob("web-recycler");
      assert.equal(web.spec.schedule, "*/15 * * * *");
      assert.equal(web.spec.timeZone, "Europe/Berlin");
      assert.equal(web.metadata.annotations["rotor.dev/target-deployment"], "web");
      const args = web.spec.jobTemplate.spec.template.spec.containers[0]?.args ?? [];
      assert.equal(args[args.indexOf("--window") + 1], "Mon-Fri 08:00-18:00");
      assert.equal(args[args.indexOf("--strategy") + 1], "evict");
      await assertOneSharedScript(admin, NS, [web, await cronJob("legacy-recycler")], script);
    });

    it("reports no changes on a second pulumi up", async () => {
      const up = await stack.up({ expectNoChanges: true });
      assert.deepEqual(up.summary.resourceChanges, { same: CHANGES });
    });

    it("leaves no object behind after pulumi destroy", async () => {
      const destroyed = await stack.destroy();
      assert.deepEqual(destroyed.summary.resourceChanges, { delete: CHANGES });
      assert.deepEqual(await resourceCounts(stack), {});
      await eventually(`namespace ${NS} gone`, async () => {
        const res = await admin.send("GET", `/api/v1/namespaces/${NS}`);
        return res.status === 404 ? true : undefined;
      });
      await stack.workspace.removeStack("dev");
    });
  });

  describe("an invalid input", () => {
    it("fails pulumi preview with RotatingApp's own message and creates nothing", async () => {
      const namespace = "rotor-yaml-invalid";
      const stack = await yamlStack("invalid", { replicas: "1", namespace });
      const events = reported();
      const error = await stack.preview({ onEvent: events.onEvent }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      assert.ok(error, "preview fails");
      // One error, the component's message for the resource it names; the other components were fine.
      assert.deepEqual(problemsBesidesPathNotice(events, plugin), [
        {
          severity: "error",
          urn: "",
          message:
            "rotor:index:RotatingApp resource 'web' has a problem: " +
            'RotatingApp "web" has invalid args (1 problem):\n  - replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.\n',
          ephemeral: false,
        },
      ]);
      const res = await admin.send("GET", `/api/v1/namespaces/${namespace}`);
      assert.equal(res.status, 404);
      assert.deepEqual(await resourceCounts(stack), {});
      await stack.workspace.removeStack("invalid");
    });
  });
});
