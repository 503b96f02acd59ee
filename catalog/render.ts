import { stringify } from "yaml";
import { recyclerName, recyclerScriptName } from "../contract/names";
import type { AppSpec } from "../components/app-spec";
import { buildAppManifests } from "../components/app-manifests";
import { buildNamespace } from "../components/namespace";
import { buildRecyclerManifests, buildRecyclerScript } from "../components/recycler-manifests";
import { recyclerBundle, type RecyclerBundle } from "../recycler/bundle";
import { schemaErrors } from "../components/openapi";
import type { Environment } from "./load";

/**
 * Renders an environment to plain Kubernetes YAML for GitOps tools (Argo CD, Flux, kubectl apply -f or -k), with the
 * same builders the Pulumi components use. Deterministic: the same catalog gives the same bytes.
 */

/** The minimum every Kubernetes object has. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** One output file: a multi-document YAML file and the objects in it. */
export interface RenderedFile {
  readonly path: string;
  readonly content: string;
  readonly objects: readonly KubeObject[];
}

export interface RenderedEnvironment {
  readonly files: readonly RenderedFile[];
  /** Every object, in file order. */
  readonly objects: readonly KubeObject[];
}

/** Every object rotor deploys for one app, in apply order: the app, then its recycler unless rotation is off. */
export function appObjects(spec: AppSpec, scriptConfigMap: string): KubeObject[] {
  const app = buildAppManifests(spec);
  const objects: unknown[] = [
    app.deployment,
    ...(app.horizontalPodAutoscaler ? [app.horizontalPodAutoscaler] : []),
    app.service,
    app.podDisruptionBudget,
  ];
  if (spec.rotation.enabled) {
    const recycler = buildRecyclerManifests({
      name: recyclerName(spec.name),
      namespace: spec.namespace,
      deployment: spec.name,
      partOf: spec.partOf,
      rotation: spec.rotation,
      scriptConfigMap,
    });
    objects.push(
      recycler.serviceAccount,
      recycler.role,
      recycler.roleBinding,
      recycler.lease,
      recycler.cronJob,
    );
  }
  return objects as KubeObject[];
}

/** File names of the render directory, in the order `kubectl apply -f <dir>` reads them (by name). */
export const RENDER_FILES = {
  /** The Namespaces, first: everything else lives in them. */
  namespaces: "00-namespaces.yaml",
  /** The recycler script ConfigMap of one namespace, before the CronJobs that mount it. */
  recyclerScript: (namespace: string) => `01-recycler-${namespace}.yaml`,
  /** One app's objects; the prefix keeps every app after the files above, whatever its name. */
  app: (name: string) => `app-${name}.yaml`,
  /**
   * The kustomization for `kubectl apply -k`, Argo CD and Flux. Kustomize also reads this name, and `kubectl apply
   * -f <dir>` skips it: it reads only .json, .yaml and .yml files, so a kustomization.yaml would reach the server.
   */
  kustomization: "Kustomization",
} as const;

/**
 * Renders an environment (see {@link RENDER_FILES}): the namespaces when the catalog creates them, one recycler
 * script ConfigMap per namespace that has a recycler, one file per app, and the kustomization listing them. Throws
 * when an object fails the Kubernetes schema, which would be a bug.
 */
export function renderEnvironment(
  env: Environment,
  bundle: RecyclerBundle = recyclerBundle(),
): RenderedEnvironment {
  const header = `# Rendered by rotor from ${env.files.join(", ")}. Do not edit: change the catalog and render again.\n`;
  const files: RenderedFile[] = [];
  const add = (path: string, objects: KubeObject[]) => {
    const invalid = objects.flatMap((o) => schemaErrors(o));
    if (invalid.length > 0)
      throw new Error(`rendered objects fail the Kubernetes schema:\n  ${invalid.join("\n  ")}`);
    files.push({ path, objects, content: header + objects.map((o) => `---\n${toYaml(o)}`).join("") });
  };
  const namespacesOf = (apps: Environment["apps"]) => [...new Set(apps.map((a) => a.spec.namespace))].sort();
  if (env.createNamespace) {
    add(
      RENDER_FILES.namespaces,
      namespacesOf(env.apps).map((n) => buildNamespace(n) as unknown as KubeObject),
    );
  }
  const script = recyclerScriptName(bundle);
  for (const namespace of namespacesOf(env.apps.filter((a) => a.spec.rotation.enabled))) {
    add(RENDER_FILES.recyclerScript(namespace), [
      buildRecyclerScript(namespace, script, bundle) as unknown as KubeObject,
    ]);
  }
  for (const app of env.apps) add(RENDER_FILES.app(app.name), appObjects(app.spec, script));
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: files.map((f) => f.path),
  };
  files.push({ path: RENDER_FILES.kustomization, objects: [], content: header + toYaml(kustomization) });
  return { files, objects: files.flatMap((f) => f.objects) };
}

/** YAML as kubectl users expect it: no line folding, keys in builder order. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
