// The README's "Use the components in your own Pulumi program", end to end: a separate Pulumi project (its own
// package.json and node_modules, with the @pulumi/pulumi and @pulumi/kubernetes of rotor's lockfile) installs rotor
// from a git URL (`git+file://` of a clone of this repository's HEAD, so npm runs the `prepare` build exactly as for
// a GitHub URL), compiles the README's program (e2e/consumer/index.ts) with its own tsc (not a runner such as tsx,
// which strips types unchecked: compiling checks the program against the declarations rotor ships), and runs it
// through its own Automation API (e2e/consumer/driver.ts) against the real control plane. Then the app is rotated by
// its own recycler, a second up changes nothing, an invalid Output-valued arg is refused with the component's
// message and changes nothing, and destroy leaves nothing. It prints the install, compile and up times. Being a
// clone of HEAD, the installed rotor is the last commit: uncommitted changes are not in it.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { recyclerScriptName } from "../../contract";
import { recyclerBundle } from "../../recycler/bundle";
import { deploymentAvailable, e2e, listPods, run, type DeploymentStatus } from "../harness/context";
import { eventually } from "../harness/kube";
import {
  engineRoot,
  PLUGIN_PROGRAM_COUNTS,
  policyPack,
  PROVIDER_VERSION,
  pulumiEnv,
  removePulumiEnv,
  totalResources,
  withoutPluginProviders,
  type PulumiEnv,
} from "../harness/pulumi";
import { runInCluster } from "../harness/recycler";
import { ROOT, type KubeObject, type LiveCronJob } from "../harness/rotor";

const DAY = 86_400_000;
const HOUR = 3_600_000;
const PROGRAM_DIR = join(ROOT, "e2e", "consumer");
const NS = "payments";
const LEGACY_NS = "legacy";

/**
 * What the README's program holds: the components of the Python and YAML programs, but from TypeScript (no plugin,
 * so none of its default providers, and change summaries count everything), no Deployment of its own (its
 * standalone PodRecycler rotates legacy-api, which rotor did not create) and that recycler in a second Namespace
 * with a RecyclerScript of its own.
 */
const COUNTS: Record<string, number> = {
  ...withoutPluginProviders(PLUGIN_PROGRAM_COUNTS),
  "kubernetes:apps/v1:Deployment": 1,
  "kubernetes:core/v1:ConfigMap": 2,
  "kubernetes:core/v1:Namespace": 2,
  "rotor:index:RecyclerScript": 2,
};
const TOTAL = totalResources(COUNTS);

/** What the driver prints (e2e/consumer/driver.ts). */
interface DriverResult {
  operation: string;
  result: "succeeded" | "failed";
  error?: string;
  changeSummary?: Record<string, number>;
  resourceChanges?: Record<string, number>;
  outputs?: Record<string, unknown>;
  diagnostics: { severity: string; urn: string; message: string }[];
  policy: { policy: string; level: string; urn: string; message: string }[];
  stdout?: string;
  resources: Record<string, number>;
  unhandled: string[];
  durationMs: number;
}

/** The version rotor's own lockfile installed of a package: the consumer gets the same. */
function lockedVersion(name: string): string {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { version?: string }>;
  };
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`package-lock.json has no node_modules/${name}`);
  return version;
}

/**
 * How far ahead the recycler's clock must run so that the app's pods are past maxAge (24h, plus at most a tenth of
 * it as jitter) and the time falls inside its window (Mon-Fri 08:00-18:00, Europe/Berlin): the first whole hour,
 * two days from now, between 10:00 and 16:00 on a weekday there, leaving room on both sides for the runs.
 */
function clockAheadIntoWindow(now = Date.now()): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: "Europe/Berlin",
    weekday: "short",
    hour: "numeric",
    hourCycle: "h23",
  });
  for (let t = Math.ceil((now + 2 * DAY) / HOUR) * HOUR; ; t += HOUR) {
    const p = Object.fromEntries(parts.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    const hour = Number(p.hour);
    if (p.weekday !== "Sat" && p.weekday !== "Sun" && hour >= 10 && hour < 16) return t - now;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

interface Live extends KubeObject {
  metadata: KubeObject["metadata"] & { resourceVersion: string; generation?: number };
}

describe("rotor in a consumer's own Pulumi program, installed from git", () => {
  const started = Date.now();
  const timings: Record<string, string> = {};
  const { admin } = e2e();
  let dir: string;
  let consumer: string;
  let p: PulumiEnv;
  let destroyed = false;

  /** The consumer's driver: one operation of its stack, with replicas 3 unless the config says otherwise. */
  async function driver(
    operation: "preview" | "up" | "destroy",
    config: Record<string, string> = {},
    policy: { policyPacks?: string[]; policyPackConfigs?: string[] } = {},
  ): Promise<DriverResult> {
    const request = {
      operation,
      stackName: "prod",
      workDir: consumer,
      engineRoot: engineRoot(),
      env: p.env,
      config: { kubeconfig: e2e().state.kubeconfig, replicas: "3", ...config },
      ...policy,
    };
    const res = await run(process.execPath, [join(consumer, "bin", "driver.js"), JSON.stringify(request)], {
      cwd: consumer,
    });
    assert.equal(res.code, 0, `the driver failed: ${res.stderr}`);
    const last = res.stdout.trim().split("\n").pop() ?? "";
    return JSON.parse(last) as DriverResult;
  }

  const get = <T>(path: string) => admin.get<T>(path);
  const deployment = () => get<DeploymentStatus>(`/apis/apps/v1/namespaces/${NS}/deployments/payments-api`);

  /**
   * Every object of the kinds the program creates, in both namespaces, with what a write would change: the
   * generation where the kind has one (status updates, such as a CronJob's last schedule, do not count), else the
   * resourceVersion; and the app's pods by name.
   */
  async function snapshot(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    const version = (o: Live) =>
      o.metadata.generation === undefined
        ? `rv ${o.metadata.resourceVersion}`
        : `gen ${o.metadata.generation}`;
    for (const ns of [NS, LEGACY_NS]) {
      out[ns] = version(await get<Live>(`/api/v1/namespaces/${ns}`));
      for (const collection of [
        "/apis/apps/v1/namespaces/{ns}/deployments",
        "/api/v1/namespaces/{ns}/services",
        "/apis/policy/v1/namespaces/{ns}/poddisruptionbudgets",
        "/api/v1/namespaces/{ns}/serviceaccounts",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/roles",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings",
        "/api/v1/namespaces/{ns}/configmaps",
        "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases",
        "/apis/batch/v1/namespaces/{ns}/cronjobs",
      ]) {
        const path = collection.replace("{ns}", ns);
        for (const o of (await get<{ items: Live[] }>(path)).items)
          out[`${path}/${o.metadata.name}`] = version(o);
      }
    }
    for (const pod of await listPods(NS, "app.kubernetes.io/name=payments-api")) {
      out[`pod ${pod.metadata.name}`] = pod.metadata.uid;
    }
    return out;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rotor-consumer-"));
    // A clone of HEAD: what a push to GitHub would serve (committed files only; dist/ is not among them).
    const clone = join(dir, "rotor");
    const cloned = await run("git", ["clone", "--quiet", "--no-local", ROOT, clone]);
    assert.equal(cloned.code, 0, cloned.stderr);
    assert.equal(existsSync(join(clone, "dist")), false, "the clone has no dist/: prepare must build it");

    consumer = join(dir, "payments");
    cpSync(PROGRAM_DIR, consumer, { recursive: true });
    const versions = Object.fromEntries(
      ["@pulumi/pulumi", "@pulumi/kubernetes", "typescript", "@types/node"].map((n) => [n, lockedVersion(n)]),
    );
    writeFileSync(
      join(consumer, "package.json"),
      `${JSON.stringify(
        {
          name: "payments",
          private: true,
          dependencies: versions,
          // npm 11.16 and later list rotor's prepare (a build, for a git dependency) among scripts to review.
          allowScripts: { rotor: true },
        },
        null,
        2,
      )}\n`,
    );
    p = await pulumiEnv();

    const installStarted = Date.now();
    const install = await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", `git+file://${clone}`],
      { cwd: consumer },
    );
    timings["npm install git+file://"] = seconds(Date.now() - installStarted);
    assert.equal(install.code, 0, install.stderr);
    const compileStarted = Date.now();
    const compiled = await run(join(consumer, "node_modules", ".bin", "tsc"), ["-p", "."], { cwd: consumer });
    timings["tsc (the consumer's own)"] = seconds(Date.now() - compileStarted);
    assert.equal(compiled.code, 0, compiled.stdout + compiled.stderr);
  });

  after(async () => {
    if (p && !destroyed) await driver("destroy").catch(() => undefined);
    if (p) removePulumiEnv(p);
    if (dir) rmSync(dir, { recursive: true, force: true });
    timings.total = seconds(Date.now() - started);
    console.log(`consumer timings: ${JSON.stringify(timings)}`);
  });

  it("installs rotor as its package.json says, with dist/ built by prepare and the recycler's sources", () => {
    const pkg = JSON.parse(readFileSync(join(consumer, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    assert.equal(pkg.dependencies.rotor, `git+file://${join(dir, "rotor")}`);
    const rotor = join(consumer, "node_modules", "rotor");
    for (const file of [
      "dist/components/index.js",
      "dist/components/index.d.ts",
      "recycler/main.ts",
      "dist/policy-pack/index.js",
      "dist/policy-pack/PulumiPolicy.yaml",
      "dist/policy-pack/package.json",
    ]) {
      assert.ok(existsSync(join(rotor, file)), `node_modules/rotor/${file}`);
    }
    // policy-pack/ runs rotor's TypeScript sources, which the package does not ship: it ships dist/policy-pack/.
    assert.equal(existsSync(join(rotor, "policy-pack")), false);
    // One copy of each SDK, the consumer's own: rotor's components register with the program's @pulumi/pulumi.
    assert.equal(existsSync(join(rotor, "node_modules", "@pulumi", "pulumi")), false);
    assert.equal(existsSync(join(rotor, "node_modules", "@pulumi", "kubernetes")), false);
  });

  it(`creates ${TOTAL} resources with pulumi up, the Deployment Available`, async () => {
    const up = await driver("up");
    timings["pulumi up"] = seconds(up.durationMs);
    assert.equal(up.result, "succeeded", up.error);
    assert.deepEqual(up.resourceChanges, { create: TOTAL });
    assert.deepEqual(up.resources, COUNTS);
    assert.deepEqual(up.diagnostics, []);
    assert.deepEqual(up.outputs, { url: "payments-api.payments.svc.cluster.local" });

    // The provider awaited the rollout: Available when up returned, not some time later.
    const d = await deployment();
    assert.equal(d.spec.replicas, 3);
    assert.equal(d.status?.availableReplicas, 3);
    assert.ok(d.status?.conditions?.some((c) => c.type === "Available" && c.status === "True"));
    const live = d as unknown as {
      spec: {
        strategy: { rollingUpdate: { maxSurge: number; maxUnavailable: number } };
        template: {
          spec: {
            containers: {
              image: string;
              ports: { name: string; containerPort: number }[];
              readinessProbe: { httpGet: { path: string; port: string } };
            }[];
          };
        };
      };
    };
    assert.deepEqual(live.spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
    const [container] = live.spec.template.spec.containers;
    assert.equal(container.image, "ghcr.io/acme/payments-api:3.4.1");
    assert.deepEqual(
      container.ports.map((x) => [x.name, x.containerPort]),
      [["http", 8080]],
    );
    assert.deepEqual(
      { path: container.readinessProbe.httpGet.path, port: container.readinessProbe.httpGet.port },
      { path: "/ready", port: "http" },
    );
    const service = await get<{ spec: { ports: { port: number; targetPort: string }[] } }>(
      `/api/v1/namespaces/${NS}/services/payments-api`,
    );
    assert.deepEqual(
      service.spec.ports.map((x) => [x.port, x.targetPort]),
      [[80, "http"]],
    );
    const pdb = await get<{ spec: { maxUnavailable: number } }>(
      `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/payments-api`,
    );
    assert.equal(pdb.spec.maxUnavailable, 1);

    // Both recyclers: the app's uses the namespace's shared script, the standalone one its own; the script is the
    // one this checkout bundles (same sources, same esbuild), built from the installed package's recycler/.
    const shared = recyclerScriptName(recyclerBundle());
    const cron = await get<LiveCronJob>(`/apis/batch/v1/namespaces/${NS}/cronjobs/payments-api-recycler`);
    assert.equal(cron.spec.schedule, "*/15 * * * *");
    assert.equal(cron.spec.timeZone, "Europe/Berlin");
    const pod = cron.spec.jobTemplate.spec.template.spec;
    assert.equal(pod.volumes.find((v) => v.configMap)?.configMap?.name, shared);
    const args = pod.containers[0].args;
    assert.equal(args[args.indexOf("--max-age") + 1], "24h");
    assert.equal(args[args.indexOf("--window") + 1], "Mon-Fri 08:00-18:00");
    assert.equal(args[args.indexOf("--deployment") + 1], "payments-api");
    await get(`/api/v1/namespaces/${NS}/configmaps/${shared}`);
    const legacy = await get<LiveCronJob>(`/apis/batch/v1/namespaces/${LEGACY_NS}/cronjobs/legacy-recycler`);
    const legacyArgs = legacy.spec.jobTemplate.spec.template.spec.containers[0].args;
    assert.equal(legacyArgs[legacyArgs.indexOf("--deployment") + 1], "legacy-api");
    assert.equal(legacyArgs[legacyArgs.indexOf("--max-age") + 1], "3d");
    const legacyScript = legacy.spec.jobTemplate.spec.template.spec.volumes.find((v) => v.configMap)
      ?.configMap?.name;
    assert.match(legacyScript ?? "", /^legacy-recycler-[0-9a-f]{8}$/);
    await get(`/api/v1/namespaces/${LEGACY_NS}/configmaps/${legacyScript}`);
  });

  it("is checked by the policy pack rotor ships, run from the installed package", async () => {
    const pack = policyPack(p, join(consumer, "node_modules", "rotor", "dist", "policy-pack"), "installed");
    const preview = await driver("preview", {}, { policyPacks: [pack] });
    // The RotatingApp passes every rule. The standalone recycler does not: the pack sees only this stack, where
    // its Deployment (legacy-api, which rotor did not create) is not; the README says how to lower that rule.
    assert.equal(preview.result, "failed");
    assert.match(preview.error ?? "", /Policies:\n\s+❌ rotor@v0\.1\.0 \(local: /);
    assert.deepEqual(
      preview.policy.map((v) => [v.policy, v.level, v.urn.split("::").pop()]),
      [["recycler-targets-deployment", "mandatory", "legacy-recycler-cronjob"]],
    );
    assert.ok(
      preview.policy[0].message.includes(
        'CronJob legacy/legacy-recycler: rotor.dev/target-deployment is "legacy-api", but there is no Deployment legacy/legacy-api.',
      ),
      preview.policy[0].message,
    );

    // With that rule lowered to advisory in a --policy-pack-config file, as the README says, preview passes.
    const config = join(dir, "policy-config.json");
    writeFileSync(config, JSON.stringify({ "recycler-targets-deployment": "advisory" }));
    const lowered = await driver("preview", {}, { policyPacks: [pack], policyPackConfigs: [config] });
    assert.equal(lowered.result, "succeeded", lowered.error);
    assert.deepEqual(
      lowered.policy.map((v) => [v.policy, v.level, v.urn.split("::").pop()]),
      [["recycler-targets-deployment", "advisory", "legacy-recycler-cronjob"]],
    );
    assert.deepEqual(lowered.changeSummary, { same: TOTAL });
  });

  it("is rotated by its own recycler, one pod a run, and the next up changes nothing", async () => {
    const serving = async () =>
      (await listPods(NS, "app.kubernetes.io/name=payments-api"))
        .filter((x) => !x.metadata.deletionTimestamp)
        .map((x) => x.metadata.name)
        .sort();
    const original = await serving();
    assert.equal(original.length, 3);
    // The recycler runs from the objects the consumer's up created, as its CronJob's pod would.
    const objects = [
      await get<KubeObject>(`/apis/batch/v1/namespaces/${NS}/cronjobs/payments-api-recycler`),
      await get<KubeObject>(`/api/v1/namespaces/${NS}/configmaps/${recyclerScriptName(recyclerBundle())}`),
    ];
    const clockAheadMs = clockAheadIntoWindow();
    const rotationStarted = Date.now();
    for (let run = 1; run <= 3; run++) {
      const before = await serving();
      const r = await runInCluster({ objects, cronJob: "payments-api-recycler", clockAheadMs });
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.equal(r.report?.result, "rotated", r.report?.reason);
      // maxRotationsPerRun defaults to 1: one pod a run, replaced by one new pod, the others untouched. Which pod
      // goes first depends on each pod's jitter (from its UID), so the test follows the report.
      assert.equal(r.report?.rotations.length, 1, `run ${run}`);
      const [{ pod, replacement }] = r.report?.rotations ?? [];
      assert.ok(before.includes(pod), `run ${run} rotated ${pod}, one of ${before.join(", ")}`);
      await deploymentAvailable(NS, "payments-api");
      const after = await serving();
      assert.deepEqual(
        after.filter((x) => !before.includes(x)),
        [replacement],
        `run ${run}`,
      );
      assert.deepEqual(
        before.filter((x) => !after.includes(x)),
        [pod],
        `run ${run}`,
      );
    }
    timings["3 recycler runs"] = seconds(Date.now() - rotationStarted);
    assert.equal((await serving()).length, 3);

    const preview = await driver("preview");
    assert.deepEqual(preview.changeSummary, { same: TOTAL });
    const up = await driver("up");
    assert.equal(up.result, "succeeded", up.error);
    assert.deepEqual(up.resourceChanges, { same: TOTAL });
  });

  it("refuses replicas from an Output resolving to 1 with the component's message, and changes nothing", async () => {
    const before = await snapshot();
    const up = await driver("up", { replicas: "1" });
    assert.equal(up.result, "failed");
    const message =
      'RotatingApp "payments-api" has invalid args (1 problem):\n' +
      "  - replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.";
    // The component's message as the engine shows it: on the component, without a stack trace or prefixes.
    assert.deepEqual(
      up.diagnostics.map((d) => [d.severity, d.urn.split("::").pop(), d.message.trim()]),
      [
        ["error", "payments-api", message],
        ["error", "", message],
      ],
    );
    // And in what the CLI printed, under the component (the CLI indents the message's second line).
    assert.match(
      up.error ?? "",
      /rotor:index:RotatingApp \(payments-api\):\n\s+error: RotatingApp "payments-api" has invalid args \(1 problem\):\n\s+- replicas \(1\) must be at least 2 for zero-downtime rotation/,
    );
    // The same error also rejected the children's inputs; the driver's process saw nothing else.
    assert.deepEqual([...new Set(up.unhandled)], [message]);
    assert.deepEqual(up.resources, COUNTS);
    assert.deepEqual(await snapshot(), before);
    assert.equal((await deployment()).spec.replicas, 3);
    // And with replicas back at 3, nothing to do.
    const preview = await driver("preview");
    assert.deepEqual(preview.changeSummary, { same: TOTAL });
  });

  it("destroys everything it created", async () => {
    const down = await driver("destroy");
    destroyed = true;
    assert.equal(down.result, "succeeded", down.error);
    assert.deepEqual(down.resourceChanges, { delete: TOTAL });
    assert.deepEqual(down.resources, {});
    for (const ns of [NS, LEGACY_NS]) {
      await eventually(`namespace ${ns} gone`, async () => {
        const res = await admin.send("GET", `/api/v1/namespaces/${ns}`);
        return res.status === 404 ? true : undefined;
      });
    }
  });

  it("asks for the provider version the engine has", () => {
    assert.match(
      readFileSync(join(PROGRAM_DIR, "index.ts"), "utf8"),
      new RegExp(`version: "${PROVIDER_VERSION}"`),
    );
  });
});
