// rotor's components from Python: the Python program (e2e/python/program.py) run inline by the Python Automation API
// (e2e/python/driver.py, in the venv e2e/build-python.sh made) under the real engine against the real control plane,
// through rotor's component provider plugin installed as a user installs it (`npm install -g` of the checkout puts
// `pulumi-resource-rotor` on PATH). Preview, up, the live objects, a second up with nothing to do, an invalid input
// refused with the component's own message and nothing changed, and destroy.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { buildAppManifests } from "../../components/app-manifests";
import { resolveApp } from "../../components/app-spec";
import { resolveRecycler } from "../../components/pod-recycler";
import { e2e } from "../harness/context";
import { eventually } from "../harness/kube";
import {
  PLUGIN_PROGRAM_CHANGES,
  PLUGIN_PROGRAM_COUNTS,
  pulumiEnv,
  removePulumiEnv,
  totalResources,
  type PulumiEnv,
} from "../harness/pulumi";
import { installRotorPlugin } from "../harness/rotor-plugin";
import { pythonResourceCounts, runPython, type PythonRun } from "../harness/python";
import {
  assertOneSharedScript,
  assertRecyclerLive,
  collectionPath,
  missingFields,
  type KubeObject,
  type LiveCronJob,
} from "../harness/rotor";

const STACK = "dev";
/** The program's default namespace (program.py). */
const NS = "python-demo";

/** What the program's stack holds (the YAML program declares the same), and what change summaries count of it. */
const COUNTS = PLUGIN_PROGRAM_COUNTS;
const TOTAL = totalResources(COUNTS);
const CHANGED = PLUGIN_PROGRAM_CHANGES;

/** RotatingApp "web" as program.py declares it, with the script's ConfigMap name in place of its Output. */
function webArgs(script: string): Record<string, unknown> {
  return {
    namespace: NS,
    image: "ghcr.io/acme/storefront:2.15.0",
    replicas: 2,
    ports: [{ name: "http", containerPort: 8080 }],
    readinessProbe: { httpGet: { path: "/healthz", port: "http" } },
    rotation: { maxAge: "24h", schedule: "0 * * * *" },
    recyclerScriptConfigMap: script,
  };
}

/** PodRecycler "worker-recycler" as program.py declares it. */
function workerRecyclerArgs(script: string): Record<string, unknown> {
  return { namespace: NS, deployment: "worker", replicas: 2, maxAge: "12h", scriptConfigMap: script };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

describe("rotor's components from a Python program, through pulumi-resource-rotor", () => {
  let p: PulumiEnv;
  /** The one warning of every operation: the engine uses the plugin it found on PATH, whatever version is asked. */
  let pluginWarning: PythonRun["problems"][number];
  /** The environment that puts the plugin on PATH, as `npm install -g` does. */
  let withPlugin: Record<string, string>;
  const { admin } = e2e();

  before(async () => {
    p = await pulumiEnv();
    const plugin = await installRotorPlugin(p);
    withPlugin = { PATH: plugin.path };
    pluginWarning = {
      severity: "warning",
      urn: "",
      message: `using pulumi-resource-rotor from $PATH at ${plugin.binary}\n`,
    };
    await eventually(`namespace ${NS} absent`, async () => {
      const res = await admin.send("GET", `/api/v1/namespaces/${NS}`);
      return res.status === 404 ? true : undefined;
    });
  });
  after(() => removePulumiEnv(p));

  /** A run that succeeded, with what it changed and no warning or error but the engine's note on the plugin. */
  function succeeded(r: PythonRun, changes: Record<string, number>): void {
    assert.equal(r.error, undefined, "the operation succeeds");
    const unique = [...new Map(r.problems.map((x) => [JSON.stringify(x), x])).values()];
    assert.deepEqual(
      { ok: r.ok, changes: r.changes, problems: unique },
      { ok: true, changes, problems: [pluginWarning] },
    );
  }

  describe("a valid program", () => {
    let script: string;

    it(`previews ${CHANGED} creates and no warning but the plugin's`, async () => {
      const preview = await runPython(p, "preview", STACK, { env: withPlugin });
      console.log(`python: pulumi preview of ${TOTAL} resources in ${seconds(preview.ms)}`);
      succeeded(preview, { create: CHANGED });
    });

    it("creates every resource with pulumi up, each type as many times as expected", async () => {
      const up = await runPython(p, "up", STACK, { env: withPlugin });
      console.log(`python: pulumi up created ${TOTAL} resources in ${seconds(up.ms)}`);
      succeeded(up, { create: CHANGED });
      assert.deepEqual(await pythonResourceCounts(p, STACK), COUNTS);
      script = String(up.outputs?.scriptConfigMap);
      assert.match(script, /^rotor-recycler-[0-9a-f]{8}$/);
      assert.deepEqual(up.outputs, {
        namespace: NS,
        webHost: `web.${NS}.svc.cluster.local`,
        webSelector: { "app.kubernetes.io/instance": "web", "app.kubernetes.io/name": "web" },
        workerCronJob: "worker-recycler",
        scriptConfigMap: script,
      });
    });

    it("leaves on the cluster the app's Deployment, Service and PodDisruptionBudget as RotatingApp builds them", async () => {
      const { recyclerScriptConfigMap, ...app } = webArgs(script);
      assert.equal(recyclerScriptConfigMap, script);
      const { spec, problems } = resolveApp("web", app);
      assert.deepEqual(problems, []);
      assert.ok(spec);
      const m = buildAppManifests(spec);
      for (const o of [m.deployment, m.service, m.podDisruptionBudget] as KubeObject[]) {
        const live = await admin.get(`${collectionPath(o)}/${o.metadata.name}`);
        assert.deepEqual(missingFields(o, live), [], `${o.kind} ${o.metadata.name}`);
      }
      const deployment = await admin.get<{
        spec: { replicas: number; strategy: { rollingUpdate: { maxSurge: number; maxUnavailable: number } } };
        status: { availableReplicas?: number };
      }>(`/apis/apps/v1/namespaces/${NS}/deployments/web`);
      assert.equal(deployment.spec.replicas, 2);
      assert.equal(deployment.status.availableReplicas, 2, "the provider awaited the rollout");
      assert.deepEqual(deployment.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
      const pdb = await admin.get<{ spec: { maxUnavailable: number } }>(
        `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/web`,
      );
      assert.equal(pdb.spec.maxUnavailable, 1);
    });

    it("leaves on the cluster both recyclers, mounting the one shared script", async () => {
      const worker = resolveRecycler("worker-recycler", workerRecyclerArgs(script));
      assert.deepEqual(worker.problems, []);
      assert.ok(worker.spec);
      await assertRecyclerLive(admin, worker.spec);
      const cronJob = (name: string) =>
        admin.get<LiveCronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/${name}`);
      const web = await cronJob("web-recycler");
      assert.equal(web.spec.schedule, "0 * * * *");
      assert.equal(web.metadata.annotations["rotor.dev/target-deployment"], "web");
      const workerCron = await cronJob("worker-recycler");
      assert.equal(workerCron.metadata.annotations["rotor.dev/target-deployment"], "worker");
      await assertOneSharedScript(admin, NS, [web, workerCron], script);
    });

    it("reports no changes on a second pulumi up", async () => {
      const up = await runPython(p, "up", STACK, { env: withPlugin, expectNoChanges: true });
      succeeded(up, { same: CHANGED });
    });

    it("refuses replicas 1 with RotatingApp's own message and changes nothing", async () => {
      const up = await runPython(p, "up", STACK, { env: withPlugin, replicas: 1 });
      assert.equal(up.ok, false, "up fails");
      assert.match(
        up.error ?? "",
        /RotatingApp "web" has invalid args \(1 problem\):\n\s*- replicas \(1\) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve\. Use 2 or more replicas, or set rotation\.strategy: restart to start a new pod before the old one stops\./,
      );
      assert.deepEqual(await pythonResourceCounts(p, STACK), COUNTS);
      const deployment = await admin.get<{ metadata: { generation: number }; spec: { replicas: number } }>(
        `/apis/apps/v1/namespaces/${NS}/deployments/web`,
      );
      assert.deepEqual([deployment.spec.replicas, deployment.metadata.generation], [2, 1]);
      // The stack still matches the valid program: nothing was half-applied.
      succeeded(await runPython(p, "preview", STACK, { env: withPlugin }), { same: CHANGED });
    });

    it("leaves no object behind after pulumi destroy", async () => {
      const destroyed = await runPython(p, "destroy", STACK, { env: withPlugin });
      succeeded(destroyed, { delete: CHANGED });
      assert.deepEqual(await pythonResourceCounts(p, STACK), {});
      await eventually(`namespace ${NS} gone`, async () => {
        const res = await admin.send("GET", `/api/v1/namespaces/${NS}`);
        return res.status === 404 ? true : undefined;
      });
    });
  });

  it("fails pulumi preview of a new stack with replicas 1 with RotatingApp's own message, creating nothing", async () => {
    const namespace = "python-invalid";
    const preview = await runPython(p, "preview", "invalid", { env: withPlugin, namespace, replicas: 1 });
    assert.equal(preview.ok, false, "preview fails");
    assert.match(
      preview.error ?? "",
      /RotatingApp "web" has invalid args \(1 problem\):\n\s*- replicas \(1\) must be at least 2 for zero-downtime rotation/,
    );
    assert.equal((await admin.send("GET", `/api/v1/namespaces/${namespace}`)).status, 404);
    assert.deepEqual(await pythonResourceCounts(p, "invalid"), {});
  });
});
