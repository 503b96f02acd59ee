// The stack program: `pulumi up -s <env>` deploys environments/<env>.yaml, one RotatingApp per app.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { CatalogError, loadEnvironmentByName, type Environment } from "./catalog";
import {
  buildNamespace,
  describeRotation,
  RecyclerScript,
  recyclerScriptName,
  RotatingApp,
} from "./components";
import { recyclerBundle } from "./recycler/bundle";

/** Apps declared between two yields to the event loop; see {@link declare}. */
const BATCH = 25;

function load(config: pulumi.Config): Environment {
  const environmentName = config.get("environment") ?? pulumi.getStack();
  const catalogDir = resolve(__dirname, config.get("catalogDir") ?? "environments");
  try {
    return loadEnvironmentByName(catalogDir, environmentName);
  } catch (error) {
    // A RunError prints its message without a stack trace: the message already points at file:line:col.
    if (error instanceof CatalogError) throw new pulumi.RunError(error.message);
    throw error;
  }
}

/**
 * Declares every resource of the environment. Two things keep large catalogs fast (1,000 apps: about 15 s under
 * mocks instead of over 50 s):
 * - The Pulumi SDK records a stack trace for every promise it creates (its leak diagnostics) and one per resource
 *   (its source position); under ts-node or tsx each is mapped through source maps. Traces are off for the run
 *   unless `rotor:stackTraces` is true; rotor's own errors carry their full context in the message.
 * - Apps are declared in batches with a yield to the event loop between them, so registrations complete as the
 *   program goes instead of all being alive at once (the heap, and the garbage collector's work, stay small).
 */
async function declare(environment: Environment, config: pulumi.Config) {
  if (!config.getBoolean("stackTraces")) {
    Error.stackTraceLimit = 0;
    process.setSourceMapsEnabled(false);
  }
  const namespaces = new Map<string, k8s.core.v1.Namespace>();
  if (environment.createNamespace) {
    for (const name of [...new Set(environment.apps.map((app) => app.spec.namespace))].sort()) {
      const metadata = buildNamespace(name).metadata as k8s.types.input.meta.v1.ObjectMeta;
      namespaces.set(name, new k8s.core.v1.Namespace(`namespace-${name}`, { metadata }));
    }
  }
  // One script ConfigMap per namespace, mounted by every recycler there, as `rotor render` writes it.
  const scripts = new Map<string, RecyclerScript>();
  const rotating = environment.apps.filter((app) => app.spec.rotation.enabled);
  for (const name of [...new Set(rotating.map((app) => app.spec.namespace))].sort()) {
    const namespace = namespaces.get(name);
    scripts.set(
      name,
      new RecyclerScript(
        `recycler-script-${name}`,
        { namespace: name },
        namespace ? { dependsOn: [namespace] } : {},
      ),
    );
  }
  const scriptConfigMap = recyclerScriptName(recyclerBundle());
  const deployed: { app: RotatingApp; spec: Environment["apps"][number]["spec"] }[] = [];
  for (const [i, { name, input, spec }] of environment.apps.entries()) {
    if (i > 0 && i % BATCH === 0) await new Promise((resolveBatch) => setImmediate(resolveBatch));
    const dependsOn = [namespaces.get(spec.namespace), scripts.get(spec.namespace)].filter(
      (r) => r !== undefined,
    );
    // Plain args keep construction cheap; dependsOn orders the namespace and the script before the app's objects.
    const app = new RotatingApp(
      name,
      { ...input, namespace: spec.namespace, recyclerScriptConfigMap: scriptConfigMap },
      dependsOn.length > 0 ? { dependsOn } : {},
    );
    deployed.push({ app, spec });
  }
  return deployed;
}

/** The program Pulumi runs; what it returns becomes the stack's outputs. */
export = async () => {
  const config = new pulumi.Config();
  const environment = load(config);
  const deployed = await declare(environment, config);
  return {
    /** The environment this stack deploys and the catalog files it was built from. */
    catalog: { environment: environment.name, files: environment.files },
    /** Per app: where it runs, how it is reached and how its pods rotate. */
    apps: Object.fromEntries(
      deployed.map(({ spec, app }) => {
        const rotation = describeRotation(spec.rotation, spec.replicas);
        return [
          spec.name,
          {
            namespace: app.namespace,
            service: app.serviceHost,
            replicas: spec.autoscaling
              ? { min: spec.autoscaling.minReplicas, max: spec.autoscaling.maxReplicas }
              : spec.replicas,
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
    ),
  };
};
