import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import * as k8s from "@pulumi/kubernetes";
import { PodRecycler, RecyclerScript, RotatingApp } from "../../components";
import { installMocks, settled, valueOf, type Registration } from "../helpers/pulumi-mocks";

let registrations: Registration[];
before(async () => {
  registrations = await installMocks();
});

describe("the README's example program", () => {
  it("runs as written (with ../../components for rotor/components)", async () => {
    const provider = new k8s.Provider("prod", { context: "prod-cluster" });
    const ns = new k8s.core.v1.Namespace("payments", { metadata: { name: "payments" } }, { provider });
    const script = new RecyclerScript("payments-script", { namespace: ns.metadata.name }, { provider });

    const api = new RotatingApp(
      "payments-api",
      {
        namespace: ns.metadata.name,
        image: "ghcr.io/acme/payments-api:3.4.1",
        replicas: 3,
        ports: [{ name: "http", containerPort: 8080, servicePort: 80 }],
        readinessProbe: { httpGet: { path: "/ready", port: "http" } },
        rotation: {
          maxAge: "24h",
          schedule: "*/15 * * * *",
          timeZone: "Europe/Berlin",
          windows: ["Mon-Fri 08:00-18:00"],
        },
        recyclerScriptConfigMap: script.configMapName,
      },
      { providers: [provider] },
    );
    const legacy = new PodRecycler(
      "legacy-recycler",
      { namespace: "legacy", deployment: "legacy-api", replicas: 4, maxAge: "3d" },
      { provider },
    );

    assert.equal(await valueOf(api.serviceHost), "payments-api.payments.svc.cluster.local");
    assert.equal(await valueOf(legacy.cronJobName), "legacy-recycler");
    await settled();
    const kubernetes = registrations.filter(
      (r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes",
    );
    // Namespace + the shared script + 3 app objects + 5 recycler objects + 6 objects of the standalone recycler.
    assert.equal(kubernetes.length, 16);
    const configMaps = kubernetes.filter((r) => r.type === "kubernetes:core/v1:ConfigMap").map((r) => r.name);
    assert.deepEqual(configMaps.sort(), ["legacy-recycler-script-configmap", "payments-script-configmap"]);
    for (const r of kubernetes) assert.match(r.provider ?? "", /::prod::prod-id$/, `${r.type} ${r.name}`);
  });
});
