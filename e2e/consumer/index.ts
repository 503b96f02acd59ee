// The README's example ("Use the components in your own Pulumi program"), as the e2e test runs it from its own
// project (e2e/tests/pulumi-consumer.test.ts). Adapted only where the test needs it: the program is a function
// (the driver runs it inline, there is no Node.js language host here); the provider gets the control plane's
// kubeconfig and the provider version the engine has (4.25.0; the default provider is disabled); the replica
// count comes from stack config as an Output, so that one test can make it resolve to an invalid value; and the
// legacy recycler's namespace is created, since nothing else makes it.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RotatingApp, PodRecycler, RecyclerScript } from "rotor/components";

export async function program() {
  const config = new pulumi.Config();
  const provider = new k8s.Provider(
    "prod",
    { kubeconfig: config.require("kubeconfig"), context: "rotor-e2e" },
    { version: "4.25.0" },
  );
  const ns = new k8s.core.v1.Namespace("payments", { metadata: { name: "payments" } }, { provider });
  // One copy of the recycler script for every recycler in the namespace.
  const script = new RecyclerScript("payments-script", { namespace: ns.metadata.name }, { provider });

  // A Deployment, a Service, a PodDisruptionBudget and a PodRecycler, with zero-downtime defaults.
  const api = new RotatingApp(
    "payments-api",
    {
      namespace: ns.metadata.name, // Outputs of other resources are fine
      image: "ghcr.io/acme/payments-api:3.4.1",
      replicas: pulumi.output(config.requireNumber("replicas")),
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

  // Rotation for a Deployment rotor did not create (with a script ConfigMap of its own).
  const legacy = new k8s.core.v1.Namespace("legacy", { metadata: { name: "legacy" } }, { provider });
  new PodRecycler(
    "legacy-recycler",
    { namespace: legacy.metadata.name, deployment: "legacy-api", replicas: 4, maxAge: "3d" },
    { provider },
  );

  return { url: api.serviceHost };
}
