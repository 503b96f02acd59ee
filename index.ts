// The stack program: `pulumi up -s <env>` deploys environments/<env>.yaml, one RotatingApp per app.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { CatalogError, loadEnvironmentByName } from "./catalog";
import { buildNamespace, describeRotation, RotatingApp } from "./components";

const config = new pulumi.Config();
const environmentName = config.get("environment") ?? pulumi.getStack();
const catalogDir = join(__dirname, config.get("catalogDir") ?? "environments");

function load() {
  try {
    return loadEnvironmentByName(catalogDir, environmentName);
  } catch (error) {
    // A RunError prints its message without a stack trace: the message already points at file:line:col.
    if (error instanceof CatalogError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

const environment = load();

const namespaces = new Map<string, pulumi.Output<string>>();
for (const name of [...new Set(environment.apps.map((app) => app.spec.namespace))].sort()) {
  if (environment.createNamespace) {
    const ns = buildNamespace(name);
    const resource = new k8s.core.v1.Namespace(`namespace-${name}`, {
      metadata: ns.metadata as k8s.types.input.meta.v1.ObjectMeta,
    });
    namespaces.set(name, resource.metadata.name);
  } else {
    namespaces.set(name, pulumi.output(name));
  }
}

const deployed = environment.apps.map(({ name, input, spec }) => {
  const app = new RotatingApp(name, {
    ...input,
    // The Namespace resource's output orders creation: namespace first, then the app's objects.
    namespace: namespaces.get(spec.namespace) ?? spec.namespace,
  });
  return { spec, app };
});

/** The environment this stack deploys and the catalog files it was built from. */
export const catalog = { environment: environment.name, files: environment.files };

/** Per app: where it runs, how it is reached and how its pods rotate. */
export const apps = Object.fromEntries(
  deployed.map(({ spec, app }) => {
    const rotation = describeRotation(spec.rotation);
    return [
      spec.name,
      {
        namespace: app.namespace,
        service: app.serviceHost,
        replicas: spec.replicas,
        image: spec.image,
        rotation: spec.rotation.enabled
          ? {
              maxAge: spec.rotation.maxAge,
              schedule: rotation.schedule,
              maxPodLifetime: rotation.maxLifetime,
            }
          : "disabled",
      },
    ];
  }),
);
