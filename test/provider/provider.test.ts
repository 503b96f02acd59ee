// The Provider object the plugin serves, driven directly under Pulumi's mocks (no engine): what construct creates,
// what it returns, and every error it answers with.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RotorProvider } from "../../provider";
import { packageSchema } from "../../provider/schema";
import { installMocks, settled, valueOf, type Registration } from "../helpers/pulumi-mocks";

let registrations: Registration[];
const provider = new RotorProvider();
const version = (JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version;

before(async () => {
  registrations = await installMocks();
});

const of = (name: string) => registrations.filter((r) => r.name === name || r.name.startsWith(`${name}-`));

const APP = {
  image: "ghcr.io/acme/web:1.4.2",
  replicas: 2,
  ports: [{ name: "http", containerPort: 8080, servicePort: 80 }],
};

describe("RotorProvider", () => {
  it("reports rotor's package.json version and serves the schema generated for it", () => {
    assert.equal(provider.version, version);
    assert.deepEqual(JSON.parse(provider.schema), packageSchema(version));
  });

  it("constructs a RotatingApp whose children use the Kubernetes provider the program passed", async () => {
    const cluster = new k8s.Provider("cluster", { kubeconfig: "{}" });
    const result = await provider.construct(
      "web",
      "rotor:index:RotatingApp",
      { ...APP, namespace: "shop" },
      {
        providers: { kubernetes: cluster },
      },
    );
    assert.equal(
      await valueOf(pulumi.output(result.urn)),
      "urn:pulumi:test::rotor::rotor:index:RotatingApp::web",
    );
    assert.deepEqual(
      {
        namespace: await valueOf(result.state.namespace as pulumi.Output<string>),
        serviceHost: await valueOf(result.state.serviceHost as pulumi.Output<string>),
        podSelector: await valueOf(result.state.podSelector as pulumi.Output<Record<string, string>>),
      },
      {
        namespace: "shop",
        serviceHost: "web.shop.svc.cluster.local",
        podSelector: { "app.kubernetes.io/instance": "web", "app.kubernetes.io/name": "web" },
      },
    );
    await settled();
    const children = of("web").filter((r) => r.custom);
    assert.deepEqual(children.map((r) => r.type).sort(), [
      "kubernetes:apps/v1:Deployment",
      "kubernetes:batch/v1:CronJob",
      "kubernetes:coordination.k8s.io/v1:Lease",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:core/v1:Service",
      "kubernetes:core/v1:ServiceAccount",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:rbac.authorization.k8s.io/v1:Role",
      "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    ]);
    const providerRef = `${await valueOf(cluster.urn)}::${await valueOf(cluster.id)}`;
    assert.deepEqual([...new Set(children.map((r) => r.provider))], [providerRef]);
  });

  it("constructs a PodRecycler and a RecyclerScript, each returning its registered output", async () => {
    const script = await provider.construct(
      "shared",
      "rotor:index:RecyclerScript",
      { namespace: "legacy" },
      {},
    );
    const name = await valueOf(script.state.configMapName as pulumi.Output<string>);
    assert.match(name, /^rotor-recycler-[0-9a-f]{8}$/);
    const recycler = await provider.construct(
      "legacy-recycler",
      "rotor:index:PodRecycler",
      { namespace: "legacy", deployment: "legacy-api", replicas: 3, maxAge: "3d", scriptConfigMap: name },
      {},
    );
    assert.equal(await valueOf(recycler.state.cronJobName as pulumi.Output<string>), "legacy-recycler");
    await settled();
    assert.deepEqual(
      of("legacy-recycler")
        .map((r) => r.type)
        .sort(),
      [
        "kubernetes:batch/v1:CronJob",
        "kubernetes:coordination.k8s.io/v1:Lease",
        "kubernetes:core/v1:ServiceAccount",
        "kubernetes:rbac.authorization.k8s.io/v1:Role",
        "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
        "rotor:index:PodRecycler",
      ],
    );
  });

  // Errors: the component's own message, and nothing registered (not even the component).
  const refused: [string, string, Record<string, unknown>, string][] = [
    [
      "one replica",
      "rotor:index:RotatingApp",
      { ...APP, replicas: 1 },
      'RotatingApp "bad-replicas" has invalid args (1 problem):\n  - replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.',
    ],
    [
      "a strategy outside the enum",
      "rotor:index:PodRecycler",
      { namespace: "legacy", deployment: "legacy-api", strategy: "delete" },
      'PodRecycler "bad-strategy" has invalid args (1 problem):\n  - strategy ("delete") must be one of "evict", "restart".',
    ],
    [
      "a namespace that is no DNS label",
      "rotor:index:RecyclerScript",
      { namespace: "Legacy" },
      'RecyclerScript "bad-namespace" has invalid args (1 problem):\n  - namespace ("Legacy") must be lowercase letters, digits and \'-\', starting and ending with a letter or digit.',
    ],
  ];
  for (const [what, type, inputs, message] of refused) {
    it(`refuses ${what} with the component's message and registers nothing`, async () => {
      const name = message.split('"')[1] ?? "";
      await assert.rejects(provider.construct(name, type, inputs, {}), { message });
      await settled();
      assert.deepEqual(of(name), []);
    });
  }

  it("validates inputs that are outputs of other resources once known, before registering anything", async () => {
    const namespace = new k8s.core.v1.Namespace("ns-of-late-app", { metadata: { name: "late" } }).metadata
      .name;
    await assert.rejects(
      provider.construct("late-app", "rotor:index:RotatingApp", { ...APP, namespace, replicas: 1 }, {}),
      {
        message:
          'RotatingApp "late-app" has invalid args (1 problem):\n  - replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.',
      },
    );
    await settled();
    assert.deepEqual(of("late-app"), []);
  });

  it("refuses rotation given as an output of another resource: it decides which resources exist", async () => {
    const rotation = pulumi.output({ enabled: false });
    await assert.rejects(provider.construct("late", "rotor:index:RotatingApp", { ...APP, rotation }, {}), {
      message:
        'RotatingApp "late" has invalid args (1 problem):\n  - rotation is an output of another resource (or a secret), but it must be a plain value: it decides which resources RotatingApp creates. Write its fields as values in the program.',
    });
    await settled();
    assert.deepEqual(of("late"), []);
  });

  it("refuses a type it does not serve, naming the ones it does", async () => {
    await assert.rejects(provider.construct("x", "rotor:index:RotatingApps", {}, {}), {
      message: `rotor ${version} has no resource type "rotor:index:RotatingApps": it serves rotor:index:RotatingApp, rotor:index:PodRecycler, rotor:index:RecyclerScript. Check the type token in your program (and that it asks for this version of rotor).`,
    });
  });
});
