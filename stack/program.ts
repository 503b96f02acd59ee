/**
 * The body of the stack program, as a function: index.ts runs it for `pulumi up -s <env>`, and an Automation API
 * inline program (`LocalWorkspace.createOrSelectStack({ program: () => rotorStack({...}) })`) runs the same
 * code in its own process, which is how the e2e suite drives it under the real engine (e2e/harness/pulumi.ts).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CatalogError, loadEnvironmentByName, type Environment } from "../catalog";
import {
  buildNamespace,
  describeRotation,
  RecyclerScript,
  recyclerScriptName,
  RotatingApp,
} from "../components";
import { recyclerBundle } from "../recycler/bundle";

export interface RotorStackOptions {
  /** The catalog environment to deploy: `<catalogDir>/<environment>.yaml`. */
  readonly environment: string;
  /** Directory holding the catalog files (an absolute path, or relative to the working directory). */
  readonly catalogDir: string;
  /**
   * The Kubernetes provider every resource is created with, or a function that creates it: called only once the
   * catalog has loaded, so that an invalid catalog registers no resource at all. Default: the stack's default
   * provider, configured by the stack's `kubernetes:*` config (kubeconfig, context, namespace).
   */
  readonly provider?: k8s.Provider | (() => k8s.Provider);
  /** Keep the SDK's per-promise stack traces while declaring resources (slow for large catalogs). @default false */
  readonly stackTraces?: boolean;
}

/** Apps declared between two yields to the event loop; see {@link declare}. */
const BATCH = 25;

function load(options: RotorStackOptions): Environment {
  try {
    return loadEnvironmentByName(options.catalogDir, options.environment);
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
 *   unless `stackTraces` is set; rotor's own errors carry their full context in the message.
 * - Apps are declared in batches with a yield to the event loop between them, so registrations complete as the
 *   program goes instead of all being alive at once (the heap, and the garbage collector's work, stay small).
 */
async function declare(environment: Environment, options: RotorStackOptions) {
  if (!options.stackTraces) {
    Error.stackTraceLimit = 0;
    process.setSourceMapsEnabled(false);
  }
  const given = options.provider;
  const provider = given ? { provider: typeof given === "function" ? given() : given } : {};
  const namespaces = new Map<string, k8s.core.v1.Namespace>();
  if (environment.createNamespace) {
    for (const name of [...new Set(environment.apps.map((app) => app.spec.namespace))].sort()) {
      const metadata = buildNamespace(name).metadata as k8s.types.input.meta.v1.ObjectMeta;
      namespaces.set(name, new k8s.core.v1.Namespace(`namespace-${name}`, { metadata }, provider));
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
        { ...provider, ...(namespace ? { dependsOn: [namespace] } : {}) },
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
      { ...provider, ...(dependsOn.length > 0 ? { dependsOn } : {}) },
    );
    deployed.push({ app, spec });
  }
  return deployed;
}

/** Declares the environment's resources; what it returns becomes the stack's outputs. */
export async function rotorStack(options: RotorStackOptions) {
  const environment = load(options);
  const deployed = await declare(environment, options);
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
}
