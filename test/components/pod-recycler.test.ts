import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import * as components from "../../components";
import { formatProblem } from "../../components/problems";
import { recyclerBundle } from "../../recycler/bundle";
import { installMocks, ofType, settled, valueOf, type Registration } from "../helpers/pulumi-mocks";

let registrations: Registration[];

before(async () => {
  registrations = await installMocks();
});

function of(name: string): Registration[] {
  return registrations.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

describe("PodRecycler", () => {
  it("rotates an existing Deployment with exactly six objects and least-privilege RBAC", async () => {
    const script = `legacy-recycler-${recyclerBundle().sha256.slice(0, 8)}`;
    const recycler = new components.PodRecycler("legacy-recycler", {
      namespace: "billing",
      deployment: "legacy-api",
      replicas: 3,
      maxAge: "12h",
      schedule: "*/10 * * * *",
      timeZone: "Europe/Berlin",
      windows: ["Mon-Fri 08:00-18:00"],
      maxRotationsPerRun: 2,
    });
    await valueOf(recycler.spec);
    await settled();
    const mine = of("legacy-recycler");
    assert.deepEqual(mine.map((r) => `${r.type} ${r.name}`).sort(), [
      "kubernetes:batch/v1:CronJob legacy-recycler-cronjob",
      "kubernetes:coordination.k8s.io/v1:Lease legacy-recycler-lease",
      "kubernetes:core/v1:ConfigMap legacy-recycler-script-configmap",
      "kubernetes:core/v1:ServiceAccount legacy-recycler-sa",
      "kubernetes:rbac.authorization.k8s.io/v1:Role legacy-recycler-role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding legacy-recycler-rolebinding",
      "rotor:index:PodRecycler legacy-recycler",
      "rotor:index:RecyclerScript legacy-recycler-script",
    ]);

    const role = ofType(mine, "kubernetes:rbac.authorization.k8s.io/v1:Role")[0];
    assert.deepEqual(role?.inputs.rules, [
      {
        apiGroups: ["apps"],
        resources: ["deployments"],
        resourceNames: ["legacy-api"],
        verbs: ["list", "watch", "patch"],
      },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["list"] },
      { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
      { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
      { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["list", "watch"] },
      {
        apiGroups: ["coordination.k8s.io"],
        resources: ["leases"],
        resourceNames: ["legacy-recycler"],
        verbs: ["get", "update"],
      },
      { apiGroups: [""], resources: ["events"], verbs: ["create"] },
    ]);
    const binding = ofType(mine, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")[0];
    assert.deepEqual(binding?.inputs.roleRef, {
      apiGroup: "rbac.authorization.k8s.io",
      kind: "Role",
      name: "legacy-recycler",
    });
    assert.deepEqual(binding?.inputs.subjects, [
      { kind: "ServiceAccount", name: "legacy-recycler", namespace: "billing" },
    ]);

    // Standalone, it makes its own script ConfigMap, named after itself so two standalone recyclers never share one.
    const configMap = ofType(mine, "kubernetes:core/v1:ConfigMap")[0];
    assert.deepEqual(configMap?.inputs, {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: script,
        namespace: "billing",
        labels: {
          "app.kubernetes.io/name": "pod-recycler",
          "app.kubernetes.io/component": "pod-recycler",
          "app.kubernetes.io/managed-by": "rotor",
        },
        annotations: { "rotor.dev/recycler-sha256": recyclerBundle().sha256 },
      },
      immutable: true,
      data: { "recycler.js": recyclerBundle().code },
    });
    assert.equal(await valueOf(recycler.script!.configMapName), script);

    const lease = ofType(mine, "kubernetes:coordination.k8s.io/v1:Lease")[0];
    // The recycler holds the Lease and writes its run report there.
    assert.deepEqual(lease?.ignoreChanges, ["spec", 'metadata.annotations["rotor.dev/last-run"]']);

    const cronJob = ofType(mine, "kubernetes:batch/v1:CronJob")[0];
    assert.deepEqual(cronJob?.inputs.metadata.annotations, {
      "rotor.dev/target-deployment": "legacy-api",
      "rotor.dev/max-pod-age": "12h",
    });
    const spec = cronJob?.inputs.spec;
    assert.equal(spec.schedule, "*/10 * * * *");
    assert.equal(spec.timeZone, "Europe/Berlin");
    assert.equal(spec.concurrencyPolicy, "Forbid");
    assert.equal(spec.startingDeadlineSeconds, 300);
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 3);
    const job = spec.jobTemplate.spec;
    assert.equal(job.backoffLimit, 0);
    // Two rotations of at most 10 minutes each, plus five minutes for the lease, listing and reports.
    assert.equal(job.activeDeadlineSeconds, 2 * 600 + 300);
    assert.equal(job.ttlSecondsAfterFinished, 86_400);
    const pod = job.template.spec;
    assert.equal(pod.serviceAccountName, "legacy-recycler");
    assert.equal(pod.restartPolicy, "Never");
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(job.template.metadata.annotations, undefined);
    const container = pod.containers[0];
    assert.equal(container.image, "docker.io/library/node:24.11.1-alpine3.22");
    assert.deepEqual(container.command, ["node"]);
    assert.deepEqual(container.args, [
      "/opt/rotor/recycler.js",
      "--namespace",
      "billing",
      "--deployment",
      "legacy-api",
      "--max-age",
      "12h",
      "--jitter",
      "1h12m",
      "--max-rotations",
      "2",
      "--time-zone",
      "Europe/Berlin",
      "--window",
      "Mon-Fri 08:00-18:00",
      "--strategy",
      "evict",
      "--ready-timeout",
      "10m",
      "--lease",
      "legacy-recycler",
    ]);
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    assert.deepEqual(container.resources, {
      requests: { cpu: "10m", memory: "64Mi" },
      limits: { memory: "128Mi" },
    });
    assert.deepEqual(pod.volumes, [{ name: "script", configMap: { name: script, defaultMode: 0o444 } }]);
    // The recycler's pods must never match the app's selector.
    assert.equal(job.template.metadata.labels["app.kubernetes.io/name"], "pod-recycler");
    assert.equal(job.template.metadata.labels["app.kubernetes.io/instance"], "legacy-recycler");
  });

  it("mounts a shared RecyclerScript when given one, and makes no script of its own", async () => {
    const shared = new components.RecyclerScript("team-script", { namespace: "team" });
    const recycler = new components.PodRecycler("team-recycler", {
      namespace: "team",
      deployment: "api",
      scriptConfigMap: shared.configMapName,
    });
    await valueOf(recycler.spec);
    await settled();
    const name = `rotor-recycler-${recyclerBundle().sha256.slice(0, 8)}`;
    assert.equal(await valueOf(shared.configMapName), name);
    assert.equal(recycler.script, undefined);
    assert.deepEqual(
      of("team-recycler")
        .map((r) => r.type)
        .filter((t) => t.includes("ConfigMap") || t.includes("Script")),
      [],
    );
    const sharedMap = ofType(of("team-script"), "kubernetes:core/v1:ConfigMap");
    assert.deepEqual(
      sharedMap.map((r): unknown[] => [r.name, r.inputs.metadata.name, r.inputs.metadata.namespace]),
      [["team-script-configmap", name, "team"]],
    );
    const cronJob = ofType(of("team-recycler"), "kubernetes:batch/v1:CronJob")[0];
    assert.deepEqual(cronJob?.inputs.spec.jobTemplate.spec.template.spec.volumes, [
      { name: "script", configMap: { name, defaultMode: 0o444 } },
    ]);
  });

  it("refuses RecyclerScript args that cannot name a ConfigMap", () => {
    assert.deepEqual(
      components.resolveRecyclerScript({ namespace: "Team A" }).problems.map((p) => formatProblem(p)),
      [
        "namespace (\"Team A\") must be lowercase letters, digits and '-', starting and ending with a letter or digit.",
      ],
    );
  });

  it("starts late runs no later than half the schedule's period", async () => {
    const recycler = new components.PodRecycler("minutely-recycler", {
      namespace: "a",
      deployment: "b",
      schedule: "* * * * *",
      maxAge: "1h",
      dryRun: true,
    });
    await valueOf(recycler.spec);
    await settled();
    const cronJob = ofType(of("minutely-recycler"), "kubernetes:batch/v1:CronJob")[0];
    assert.equal(cronJob?.inputs.spec.startingDeadlineSeconds, 30);
    assert.equal(cronJob?.inputs.spec.jobTemplate.spec.template.spec.containers[0].args.at(-1), "--dry-run");
  });

  it("accepts Outputs of other resources", async () => {
    const recycler = new components.PodRecycler("late-recycler", {
      namespace: pulumi.output("shop"),
      deployment: pulumi.output("web"),
      maxAge: pulumi.output("36h"),
    });
    const spec = await valueOf(recycler.spec);
    assert.equal(spec.rotation.maxAgeMs, 36 * 3_600_000);
    assert.equal(spec.partOf, "web");
  });

  it("refuses settings that cannot work, naming each one", () => {
    assert.throws(
      () =>
        new components.PodRecycler("x-recycler", {
          namespace: "shop",
          deployment: "web",
          replicas: 8,
          maxAge: "1h",
          schedule: "0 3 * * 1-5",
          timeZone: "Mars/Olympus",
          windows: ["Sat 10:00-11:00"],
        }),
      (error: Error) => {
        assert.equal(
          error.message,
          [
            'PodRecycler "x-recycler" has invalid args (2 problems):',
            '  - timeZone ("Mars/Olympus") is not an IANA time-zone name; use one like "Europe/Berlin", "America/New_York" or "Etc/UTC".',
            '  - maxAge ("1h") is shorter than a full rotation can take: 8 pods, one at a time, each allowed readyTimeout 10m, need up to 1h20m, so pods would be due again before the last one is replaced. Use a maxAge of at least 1h20m or a shorter readyTimeout.',
          ].join("\n"),
        );
        return true;
      },
    );
  });

  it("names the field, the value, the rule and the fix for each invalid arg", () => {
    const check = (input: Record<string, unknown>, name = "r") =>
      components
        .resolveRecycler(name, { namespace: "shop", deployment: "web", ...input })
        .problems.map((p) => formatProblem(p));
    assert.deepEqual(check({ schedule: "0 3 * * *", windows: ["Mon-Fri 09:00-17:00"] }), [
      'windows[0] ("Mon-Fri 09:00-17:00") contains no run of schedule "0 3 * * *" on Mon, Tue, Wed, Thu, Fri (Etc/UTC): the window is shorter than the schedule\'s period or misses its times. Run the schedule more often or widen the window.',
    ]);
    assert.deepEqual(check({ deployment: "Web App" }), [
      "deployment (\"Web App\") must be lowercase letters, digits and '-', starting and ending with a letter or digit.",
    ]);
    assert.deepEqual(check({ enabled: true }), [
      "enabled is not a known field. Known fields here: maxAge, jitter, schedule, timeZone, windows, maxRotationsPerRun, strategy, readyTimeout, dryRun, suspend, image, namespace, deployment, replicas, partOf, scriptConfigMap.",
    ]);
    assert.deepEqual(check({}, "a-name-that-is-far-too-long-to-be-the-name-of-a-cronjob"), [
      "name \"a-name-that-is-far-too-long-to-be-the-name-of-a-cronjob\" is not valid: it names the recycler's CronJob, so it must be lowercase letters, digits and '-', at most 52 characters. Choose a shorter name.",
    ]);
    assert.deepEqual(check({ namespace: undefined }), [
      "namespace is required. Set the namespace, e.g. namespace: shop.",
    ]);
  });
});
