import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { installMocks, ofType, settled, valueOf, type Registration } from "../helpers/pulumi-mocks";

import * as components from "../../components";

// Mocks must be installed before any resource is constructed.
let registrations: Registration[];

before(async () => {
  registrations = await installMocks();
});

const base = { image: "ghcr.io/acme/web:1.2.3", ports: [{ name: "http", containerPort: 8080 }] };

function forApp(name: string): Registration[] {
  return registrations.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
}

describe("RotatingApp", () => {
  it("registers the app's Deployment, Service and PDB and a PodRecycler with its six objects", async () => {
    const app = new components.RotatingApp("shop", { ...base, namespace: "prod" });
    await valueOf(app.spec);
    await settled();
    const mine = forApp("shop");
    assert.deepEqual(mine.map((r) => `${r.type} ${r.name}`).sort(), [
      "kubernetes:apps/v1:Deployment shop-deployment",
      "kubernetes:batch/v1:CronJob shop-recycler-cronjob",
      "kubernetes:coordination.k8s.io/v1:Lease shop-recycler-lease",
      "kubernetes:core/v1:ConfigMap shop-recycler-script-configmap",
      "kubernetes:core/v1:Service shop-service",
      "kubernetes:core/v1:ServiceAccount shop-recycler-sa",
      "kubernetes:policy/v1:PodDisruptionBudget shop-pdb",
      "kubernetes:rbac.authorization.k8s.io/v1:Role shop-recycler-role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding shop-recycler-rolebinding",
      "rotor:index:PodRecycler shop-recycler",
      "rotor:index:RecyclerScript shop-recycler-script",
      "rotor:index:RotatingApp shop",
    ]);
    const [deployment] = ofType(mine, "kubernetes:apps/v1:Deployment");
    const spec = deployment?.inputs.spec;
    assert.equal(deployment?.inputs.metadata.name, "shop");
    assert.equal(deployment?.inputs.metadata.namespace, "prod");
    assert.equal(spec.replicas, 2);
    assert.deepEqual(spec.strategy, {
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    assert.equal(spec.minReadySeconds, 10);
    assert.deepEqual(spec.selector, {
      matchLabels: { "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop" },
    });
    const pod = spec.template.spec;
    const container = pod.containers[0];
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.terminationGracePeriodSeconds, 30);
    assert.deepEqual(pod.securityContext, { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
    });
    assert.deepEqual(container.readinessProbe, {
      tcpSocket: { port: "http" },
      periodSeconds: 5,
      failureThreshold: 3,
    });
    assert.equal(container.livenessProbe, undefined);
    assert.deepEqual(container.lifecycle, { preStop: { sleep: { seconds: 5 } } });
    assert.deepEqual(container.resources, {
      requests: { cpu: "100m", memory: "128Mi" },
      limits: { memory: "256Mi" },
    });
    assert.deepEqual(
      pod.topologySpreadConstraints.map((c: { topologyKey: string; whenUnsatisfiable: string }) => [
        c.topologyKey,
        c.whenUnsatisfiable,
      ]),
      [
        ["kubernetes.io/hostname", "ScheduleAnyway"],
        ["topology.kubernetes.io/zone", "ScheduleAnyway"],
      ],
    );
    assert.deepEqual(spec.template.metadata.labels, {
      "app.kubernetes.io/name": "shop",
      "app.kubernetes.io/instance": "shop",
      "app.kubernetes.io/component": "server",
      "app.kubernetes.io/part-of": "shop",
      "app.kubernetes.io/managed-by": "rotor",
      "app.kubernetes.io/version": "1.2.3",
    });

    const [service] = ofType(mine, "kubernetes:core/v1:Service");
    assert.deepEqual(service?.inputs.spec, {
      type: "ClusterIP",
      selector: { "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop" },
      ports: [{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }],
    });
    const [pdb] = ofType(mine, "kubernetes:policy/v1:PodDisruptionBudget");
    assert.deepEqual(pdb?.inputs.spec, {
      maxUnavailable: 1,
      selector: { matchLabels: { "app.kubernetes.io/name": "shop", "app.kubernetes.io/instance": "shop" } },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
  });

  it("selects exactly the pod template's stable labels from the Service and the PDB", async () => {
    const app = new components.RotatingApp("selectors", { ...base, labels: { team: "payments" } });
    await valueOf(app.spec);
    await settled();
    const mine = forApp("selectors");
    const template = ofType(mine, "kubernetes:apps/v1:Deployment")[0]?.inputs.spec.template.metadata.labels;
    const serviceSelector = ofType(mine, "kubernetes:core/v1:Service")[0]?.inputs.spec.selector;
    const pdbSelector = ofType(mine, "kubernetes:policy/v1:PodDisruptionBudget")[0]?.inputs.spec.selector
      .matchLabels;
    assert.equal(template.team, "payments");
    for (const selector of [serviceSelector, pdbSelector]) {
      assert.deepEqual(Object.keys(selector).sort(), [
        "app.kubernetes.io/instance",
        "app.kubernetes.io/name",
      ]);
      for (const [key, value] of Object.entries(selector)) assert.equal(template[key], value);
    }
  });

  it("parents every child to the component and leaves the recycler's annotations out of the Deployment's diff", async () => {
    const app = new components.RotatingApp("owned", base);
    const urn = await valueOf(app.urn);
    const recyclerUrn = await valueOf(app.recycler!.urn);
    const scriptUrn = await valueOf(app.recycler!.script!.urn);
    await settled();
    const children = forApp("owned").filter((r) => r.type !== "rotor:index:RotatingApp");
    assert.equal(children.length, 11);
    for (const child of children) {
      const expected =
        child.name === "owned-recycler-script-configmap"
          ? scriptUrn
          : child.name.startsWith("owned-recycler-")
            ? recyclerUrn
            : urn;
      assert.equal(child.parent, expected, child.name);
    }
    const deployment = ofType(forApp("owned"), "kubernetes:apps/v1:Deployment")[0];
    assert.deepEqual(deployment?.ignoreChanges, [
      'spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]',
    ]);
  });

  it("mounts the namespace's shared recycler script when given its ConfigMap, and makes none of its own", async () => {
    const app = new components.RotatingApp("sharing", {
      ...base,
      recyclerScriptConfigMap: "rotor-recycler-0123abcd",
    });
    await valueOf(app.spec);
    await settled();
    const mine = forApp("sharing");
    assert.equal(app.recycler?.script, undefined);
    assert.deepEqual(ofType(mine, "kubernetes:core/v1:ConfigMap"), []);
    assert.deepEqual(ofType(mine, "rotor:index:RecyclerScript"), []);
    const cronJob = ofType(mine, "kubernetes:batch/v1:CronJob")[0];
    assert.deepEqual(cronJob?.inputs.spec.jobTemplate.spec.template.spec.volumes, [
      { name: "script", configMap: { name: "rotor-recycler-0123abcd", defaultMode: 0o444 } },
    ]);
  });

  it("leaves replicas to a HorizontalPodAutoscaler when autoscaling is set", async () => {
    const app = new components.RotatingApp("scaled", {
      ...base,
      namespace: "shop",
      autoscaling: { minReplicas: pulumi.output(3), maxReplicas: 8 },
    });
    const spec = await valueOf(app.spec);
    await settled();
    const mine = forApp("scaled");
    const deployment = ofType(mine, "kubernetes:apps/v1:Deployment")[0];
    assert.equal("replicas" in (deployment?.inputs.spec ?? {}), false);
    const hpas = ofType(mine, "kubernetes:autoscaling/v2:HorizontalPodAutoscaler");
    assert.deepEqual(
      hpas.map((r) => r.name),
      ["scaled-hpa"],
    );
    const built = components.buildAppManifests(spec).horizontalPodAutoscaler;
    assert.deepEqual(hpas[0]?.inputs, {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: built?.metadata,
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "scaled" },
        minReplicas: 3,
        maxReplicas: 8,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } },
          },
        ],
      },
    });
    assert.equal(spec.replicas, 3);
    assert.equal(app.horizontalPodAutoscaler !== undefined, true);
  });

  it("accepts Outputs of other resources as args and builds the same objects", async () => {
    const ns = new k8s.core.v1.Namespace("ns-for-outputs", { metadata: { name: "from-output" } });
    const app = new components.RotatingApp("outputs", {
      image: pulumi.output("ghcr.io/acme/web:2.0.0"),
      namespace: ns.metadata.name,
      replicas: pulumi.output(3),
      ports: [{ name: "http", containerPort: pulumi.output(8080), servicePort: 80 }],
      rotation: { maxAge: pulumi.output("12h") },
    });
    const spec = await valueOf(app.spec);
    await settled();
    assert.equal(spec.namespace, "from-output");
    assert.equal(spec.rotation.maxAge, "12h");
    assert.equal(await valueOf(app.serviceHost), "outputs.from-output.svc.cluster.local");
    const deployment = ofType(forApp("outputs"), "kubernetes:apps/v1:Deployment")[0];
    assert.equal(deployment?.inputs.metadata.namespace, "from-output");
    assert.equal(deployment?.inputs.spec.replicas, 3);
    assert.equal(deployment?.inputs.spec.template.spec.containers[0].image, "ghcr.io/acme/web:2.0.0");
    const service = ofType(forApp("outputs"), "kubernetes:core/v1:Service")[0];
    assert.deepEqual(service?.inputs.spec.ports, [
      { name: "http", port: 80, targetPort: "http", protocol: "TCP" },
    ]);
  });

  it("passes a provider given in opts to every Kubernetes child", async () => {
    const provider = new k8s.Provider("cluster-b", { kubeconfig: "{}" });
    const app = new components.RotatingApp("provided", base, { providers: [provider] });
    await valueOf(app.spec);
    await settled();
    const children = forApp("provided").filter((r) => r.type.startsWith("kubernetes:"));
    assert.equal(children.length, 9);
    for (const child of children)
      assert.match(child.provider ?? "", /::cluster-b::cluster-b-id$/, child.type);
  });

  it("refuses invalid plain args at construction with every problem named", () => {
    assert.throws(
      () =>
        new components.RotatingApp("broken", {
          image: "nginx:latest",
          replicas: 1,
          ports: [{ name: "http", containerPort: 8080 }],
          disruptionBudget: { maxUnavailable: 0 },
        }),
      (error: Error) => {
        assert.ok(error instanceof pulumi.ResourceError);
        assert.equal(
          error.message,
          [
            'RotatingApp "broken" has invalid args (3 problems):',
            '  - image ("nginx:latest") must be pinned to a version tag or digest: every rotated pod pulls the image again, so a moving tag like latest would silently upgrade the app. Use e.g. "nginx:1.2.3".',
            "  - replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.",
            "  - disruptionBudget.maxUnavailable (0) allows no voluntary disruption: every eviction is refused, so rotation and node drains block forever. Use maxUnavailable: 1.",
          ].join("\n"),
        );
        return true;
      },
    );
  });

  it("fails the deployment with the same message when invalid values arrive as Outputs", () => {
    // In its own process: each child's registration fails too (as `pulumi up` reports), outside any test.
    const program = join(__dirname, "..", "fixtures", "programs", "late-invalid-args.ts");
    const run = spawnSync(process.execPath, ["--import", "tsx", program], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const { spec, failures } = JSON.parse(run.stdout) as { spec: string; failures: string[] };
    const message =
      'RotatingApp "late" has invalid args (1 problem):\n  - replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.';
    assert.equal(spec, `ResourceError: ${message}`);
    assert.ok(failures.length >= 3, `every child fails: saw ${failures.length} failures`);
    // The component's message alone: no "error serializing property" prefixes from @pulumi/pulumi's serializer.
    for (const failure of failures) assert.equal(failure, `Error: ${message}`);
  });

  it("lets every default be overridden, the service-account token included", async () => {
    const app = new components.RotatingApp("custom", {
      ...base,
      automountServiceAccountToken: true,
      serviceAccountName: "api-reader",
      minReadySeconds: 30,
      topologySpread: { nodes: "DoNotSchedule", zones: "Off" },
      securityContext: { readOnlyRootFilesystem: false, runAsUser: 10001 },
      unhealthyPodEvictionPolicy: "IfHealthyBudget",
    });
    await valueOf(app.spec);
    await settled();
    const deployment = ofType(forApp("custom"), "kubernetes:apps/v1:Deployment")[0];
    const pod = deployment?.inputs.spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, true);
    assert.equal(pod.serviceAccountName, "api-reader");
    assert.equal(deployment?.inputs.spec.minReadySeconds, 30);
    assert.deepEqual(
      pod.topologySpreadConstraints.map((c: { topologyKey: string; whenUnsatisfiable: string }) => [
        c.topologyKey,
        c.whenUnsatisfiable,
      ]),
      [["kubernetes.io/hostname", "DoNotSchedule"]],
    );
    assert.deepEqual(pod.securityContext, {
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, false);
    assert.equal(pod.volumes, undefined);
    const pdb = ofType(forApp("custom"), "kubernetes:policy/v1:PodDisruptionBudget")[0];
    assert.equal(pdb?.inputs.spec.unhealthyPodEvictionPolicy, "IfHealthyBudget");
  });

  it("allows one replica only with the restart strategy, which surges before stopping the old pod", async () => {
    const app = new components.RotatingApp("single", {
      ...base,
      replicas: 1,
      rotation: { strategy: "restart" },
    });
    const spec = await valueOf(app.spec);
    assert.equal(spec.replicas, 1);
    assert.equal(spec.maxSurge, 1);
    assert.equal(spec.maxUnavailable, 0);
    assert.equal(spec.rotation.strategy, "restart");
  });
});
