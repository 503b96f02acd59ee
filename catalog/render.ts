import { stringify } from "yaml";
import type { AppSpec } from "../components/app-spec";
import { buildAppManifests } from "../components/app-manifests";
import { buildNamespace } from "../components/namespace";
import { buildRecyclerManifests, recyclerName } from "../components/recycler-manifests";
import { recyclerBundle } from "../recycler/bundle";
import { schemaErrors } from "../components/openapi";
import type { Environment } from "./load";

/**
 * Renders an environment to plain Kubernetes YAML for GitOps tools (Argo CD, Flux, kubectl apply -k), with the
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
export function appObjects(spec: AppSpec): KubeObject[] {
  const app = buildAppManifests(spec);
  const objects: unknown[] = [app.deployment, app.service, app.podDisruptionBudget];
  if (spec.rotation.enabled) {
    const recycler = buildRecyclerManifests(
      {
        name: recyclerName(spec.name),
        namespace: spec.namespace,
        deployment: spec.name,
        partOf: spec.partOf,
        rotation: spec.rotation,
      },
      recyclerBundle(),
    );
    objects.push(
      recycler.serviceAccount,
      recycler.role,
      recycler.roleBinding,
      recycler.configMap,
      recycler.lease,
      recycler.cronJob,
    );
  }
  return objects as KubeObject[];
}

/**
 * Renders an environment: `namespaces.yaml` (when the catalog creates namespaces), one `<app>.yaml` per app and a
 * `kustomization.yaml` listing them. Throws when an object fails the Kubernetes schema, which would be a bug.
 */
export function renderEnvironment(env: Environment): RenderedEnvironment {
  const header = `# Rendered by rotor from ${env.files.join(", ")}. Do not edit: change the catalog and render again.\n`;
  const files: RenderedFile[] = [];
  const add = (path: string, objects: KubeObject[]) => {
    const invalid = objects.flatMap((o) => schemaErrors(o));
    if (invalid.length > 0)
      throw new Error(`rendered objects fail the Kubernetes schema:\n  ${invalid.join("\n  ")}`);
    files.push({ path, objects, content: header + objects.map((o) => `---\n${toYaml(o)}`).join("") });
  };
  if (env.createNamespace) {
    const names = [...new Set(env.apps.map((a) => a.spec.namespace))].sort();
    add(
      "namespaces.yaml",
      names.map((n) => buildNamespace(n) as unknown as KubeObject),
    );
  }
  for (const app of env.apps) add(`${app.name}.yaml`, appObjects(app.spec));
  const kustomization = {
    apiVersion: "kustomize.config.k8s.io/v1beta1",
    kind: "Kustomization",
    resources: files.map((f) => f.path),
  };
  files.push({ path: "kustomization.yaml", objects: [], content: header + toYaml(kustomization) });
  return { files, objects: files.flatMap((f) => f.objects) };
}

/** YAML as kubectl users expect it: no line folding, keys in builder order. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, aliasDuplicateObjects: false });
}
