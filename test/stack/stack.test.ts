import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadEnvironmentByName, type Environment } from "../../catalog";
import { renderEnvironment } from "../../catalog/render";
import type { Registration } from "../helpers/pulumi-mocks";

const root = join(__dirname, "..", "..");

interface StackRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly registrations: Registration[];
  readonly outputs: Record<string, any>;
}

const runs = new Map<string, StackRun>();

/**
 * Runs the stack program under mocks in its own process, with the stack's Pulumi.<stack>.yaml config; once per
 * stack, environment and catalog directory (each run loads the Pulumi SDK, seconds of CPU).
 */
function runStack(stack: string, environment?: string, catalogDir?: string): StackRun {
  const key = `${stack}:${environment ?? ""}:${catalogDir ?? ""}`;
  const known = runs.get(key);
  if (known) return known;
  const run = spawnStack(stack, environment, catalogDir);
  runs.set(key, run);
  return run;
}

function spawnStack(stack: string, environment?: string, catalogDir?: string): StackRun {
  const program = join(root, "test", "fixtures", "programs", "stack.ts");
  const args = [
    "--import",
    "tsx",
    program,
    stack,
    ...(environment ? [environment] : []),
    ...(catalogDir ? [catalogDir] : []),
  ];
  const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
  const parsed =
    run.stdout === "" ? undefined : (JSON.parse(run.stdout) as Pick<StackRun, "registrations" | "outputs">);
  return {
    status: run.status,
    stderr: run.stderr,
    registrations: parsed?.registrations ?? [],
    outputs: parsed?.outputs ?? {},
  };
}

function countByType(registrations: readonly Registration[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of registrations) counts[r.type] = (counts[r.type] ?? 0) + 1;
  return counts;
}

/** What Pulumi registers is, object for object, what `rotor render` writes for GitOps. */
function assertSameAsRender(run: StackRun, environment: Environment): void {
  const rendered = renderEnvironment(environment).objects;
  const registered = run.registrations.filter((r) => r.custom);
  assert.equal(registered.length, rendered.length);
  for (const object of rendered) {
    const match = registered.find(
      (r) =>
        r.inputs.kind === object.kind &&
        r.inputs.metadata?.name === object.metadata.name &&
        r.inputs.metadata?.namespace === object.metadata.namespace,
    );
    assert.ok(match, `${object.kind}/${object.metadata.name} is registered`);
    assert.deepEqual(match.inputs, object);
  }
}

describe("stack program", () => {
  for (const stack of ["dev", "staging", "prod"]) {
    it(`deploys every app of environments/${stack}.yaml with its own stack config`, () => {
      const run = runStack(stack);
      assert.equal(run.status, 0, run.stderr);
      const environment = loadEnvironmentByName(join(root, "environments"), stack);
      const apps = environment.apps.length;
      assert.equal(apps, 3);
      assert.deepEqual(countByType(run.registrations), {
        "kubernetes:apps/v1:Deployment": apps,
        "kubernetes:batch/v1:CronJob": apps,
        "kubernetes:coordination.k8s.io/v1:Lease": apps,
        "kubernetes:core/v1:ConfigMap": 1,
        "kubernetes:core/v1:Namespace": 1,
        "kubernetes:core/v1:Service": apps,
        "kubernetes:core/v1:ServiceAccount": apps,
        "kubernetes:policy/v1:PodDisruptionBudget": apps,
        "kubernetes:rbac.authorization.k8s.io/v1:Role": apps,
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": apps,
        "rotor:index:PodRecycler": apps,
        "rotor:index:RecyclerScript": 1,
        "rotor:index:RotatingApp": apps,
      });

      assertSameAsRender(run, environment);

      assert.deepEqual(run.outputs.catalog, {
        environment: stack,
        files: ["environments/base.yaml", `environments/${stack}.yaml`],
      });
      assert.deepEqual(Object.keys(run.outputs.apps), ["catalog-api", "order-worker", "storefront"]);
      assert.equal(run.outputs.apps.storefront.namespace, `shop-${stack}`);
      assert.equal(run.outputs.apps.storefront.service, `storefront.shop-${stack}.svc.cluster.local`);
    });
  }

  it("declares autoscaled apps, several namespaces and one script per namespace with a recycler, as render writes them", () => {
    const run = runStack("test", "autoscaling", "test/fixtures/catalog");
    assert.equal(run.status, 0, run.stderr);
    const environment = loadEnvironmentByName(join(root, "test", "fixtures", "catalog"), "autoscaling");
    assert.deepEqual(countByType(run.registrations), {
      "kubernetes:apps/v1:Deployment": 3,
      "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": 1,
      "kubernetes:batch/v1:CronJob": 2,
      "kubernetes:coordination.k8s.io/v1:Lease": 2,
      "kubernetes:core/v1:ConfigMap": 2,
      "kubernetes:core/v1:Namespace": 3,
      "kubernetes:core/v1:Service": 3,
      "kubernetes:core/v1:ServiceAccount": 2,
      "kubernetes:policy/v1:PodDisruptionBudget": 3,
      "kubernetes:rbac.authorization.k8s.io/v1:Role": 2,
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": 2,
      "rotor:index:PodRecycler": 2,
      "rotor:index:RecyclerScript": 2,
      "rotor:index:RotatingApp": 3,
    });
    assertSameAsRender(run, environment);
    const web = run.registrations.find(
      (r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "web-deployment",
    );
    assert.equal("replicas" in (web?.inputs.spec ?? {}), false);
  });

  it("reports per-app rotation outputs in words", () => {
    const run = runStack("prod");
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.outputs.apps["order-worker"], {
      namespace: "shop-prod",
      service: "order-worker.shop-prod.svc.cluster.local",
      replicas: 3,
      image: "ghcr.io/acme/order-worker:0.9.4",
      rotation: {
        maxAge: "48h",
        schedule: "every 20 minutes, Monday through Thursday (America/New_York), only Mon-Thu 09:00-16:00",
        // 48h + 6h jitter + 3 runs (3 pods, 1 per run) from Thu 15:00 EDT to Mon 09:00 EST across the fall-back
        // weekend (3d19h) + a 5m late start.
        maxPodLifetime: "6 days 1 hour 5 minutes",
      },
    });
  });

  it("fails naming rotor:environment and the environments there, and registers nothing, when the environment has no catalog", () => {
    const run = runStack("qa", "qa");
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      'stack qa: the config has 1 problem:\n  rotor:environment ("qa") must name a catalog file in environments, but environments/qa.yaml does not exist. Environments in environments/: dev, prod, staging. Run pulumi config set rotor:environment dev -s qa (or another of them), or create environments/qa.yaml.',
    );
    assert.deepEqual(run.registrations, []);
  });

  it("fails with every config problem at once, and registers nothing, not even the provider", () => {
    const config = {
      "rotor:environment": "dev",
      "rotor:catalogDir": "nowhere",
      "rotor:stackTraces": "yes",
      "rotor:enviroment": "dev",
    };
    const run = runStack("dev", JSON.stringify(config));
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      [
        "stack dev: the config has 3 problems:",
        "  rotor:enviroment is not a setting of rotor's stack: it reads only rotor:environment, rotor:catalogDir, rotor:stackTraces. Did you mean rotor:environment? Move the value there and run pulumi config rm rotor:enviroment -s dev.",
        '  rotor:stackTraces ("yes") must be true or false. Run pulumi config set rotor:stackTraces true -s dev (or false), or pulumi config rm rotor:stackTraces -s dev for the default, false.',
        '  rotor:catalogDir ("nowhere") must be the directory of the catalog files, relative to the project directory, but it is nowhere, which does not exist. Run pulumi config set rotor:catalogDir environments -s dev (or the directory that holds them), or pulumi config rm rotor:catalogDir -s dev for the default, environments.',
      ].join("\n"),
    );
    assert.deepEqual(run.registrations, []);
  });
});
