/**
 * Running rotor itself from the e2e tests: its CLI from the source tree (through tsx, as `npm start` does), and
 * what `rotor render` wrote, read back as objects.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { buildRecyclerManifests, type RecyclerSpec } from "../../components/recycler-manifests";
import { applyRendered, deploymentAvailable, run, type CommandResult } from "./context";
import type { Kube } from "./kube";

export const ROOT = join(__dirname, "..", "..");

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // The rest of the object, as rendered.
  [key: string]: unknown;
}

/** `rotor <args>` from the source tree. */
export function rotor(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return run(process.execPath, ["--import", "tsx", join(ROOT, "cli", "main.ts"), ...args], {
    env,
    cwd: ROOT,
  });
}

/** Renders an environment into a new directory and returns the directory and every object in it. */
export async function renderEnvironment(env: string): Promise<{ dir: string; objects: KubeObject[] }> {
  const dir = mkdtempSync(join(tmpdir(), `rotor-render-${env}-`));
  const res = await rotor(["render", "--env", env, "--out", dir]);
  if (res.code !== 0)
    throw new Error(`rotor render --env ${env} exited ${res.code}: ${res.stderr}${res.stdout}`);
  return { dir, objects: readRendered(dir) };
}

/** Every Kubernetes object in a render directory (the kustomization is not one). */
export function readRendered(dir: string): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const file of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(file) || /^kustomization\.ya?ml$/.test(file)) continue;
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const value = doc.toJS() as KubeObject | null;
      if (value && typeof value === "object" && value.kind) objects.push(value);
    }
  }
  return objects;
}

/** The REST path of a rendered object's collection. */
export function collectionPath(o: Pick<KubeObject, "apiVersion" | "kind" | "metadata">): string {
  const plural: Record<string, string> = {
    Namespace: "namespaces",
    Deployment: "deployments",
    Service: "services",
    PodDisruptionBudget: "poddisruptionbudgets",
    ServiceAccount: "serviceaccounts",
    Role: "roles",
    RoleBinding: "rolebindings",
    ConfigMap: "configmaps",
    Lease: "leases",
    CronJob: "cronjobs",
    HorizontalPodAutoscaler: "horizontalpodautoscalers",
  };
  const resource = plural[o.kind];
  if (!resource) throw new Error(`no REST path known for kind ${o.kind}`);
  const base = o.apiVersion.includes("/") ? `/apis/${o.apiVersion}` : `/api/${o.apiVersion}`;
  return o.kind === "Namespace"
    ? `${base}/${resource}`
    : `${base}/namespaces/${o.metadata.namespace}/${resource}`;
}

/**
 * Writes a one-file catalog (`<env>.yaml` in a new directory), renders it with `rotor render`, applies it
 * server-side with kubectl and waits until every Deployment is Available. Returns the rendered objects.
 */
export async function deployCatalog(
  env: string,
  catalog: string,
): Promise<{ dir: string; objects: KubeObject[] }> {
  const catalogDir = mkdtempSync(join(tmpdir(), `rotor-catalog-${env}-`));
  writeFileSync(join(catalogDir, `${env}.yaml`), catalog);
  const out = mkdtempSync(join(tmpdir(), `rotor-render-${env}-`));
  const res = await rotor(["render", "--env", env, "--catalog-dir", catalogDir, "--out", out]);
  if (res.code !== 0)
    throw new Error(`rotor render --env ${env} exited ${res.code}: ${res.stderr}${res.stdout}`);
  const applied = await applyRendered("-k", out);
  if (applied.code !== 0) throw new Error(`kubectl apply -k ${out}: ${applied.stderr}`);
  const objects = readRendered(out);
  for (const d of objects.filter((o) => o.kind === "Deployment")) {
    await deploymentAvailable(d.metadata.namespace ?? "", d.metadata.name);
  }
  return { dir: out, objects };
}

/**
 * Where `actual` does not carry `expected`: every field of `expected` must be in `actual` with the same value
 * (objects may have more fields, which is what the API server's defaults add; arrays must have the same length,
 * compared element by element). Returns one line per difference, by path; none means `actual` carries it all.
 */
export function missingFields(expected: unknown, actual: unknown, path = ""): string[] {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return [`${path}: expected an array, found ${JSON.stringify(actual)}`];
    if (actual.length !== expected.length) {
      return [`${path}: expected ${expected.length} items, found ${actual.length}`];
    }
    return expected.flatMap((e, i) => missingFields(e, actual[i], `${path}[${i}]`));
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) {
      return [`${path}: expected an object, found ${JSON.stringify(actual)}`];
    }
    return Object.entries(expected).flatMap(([k, v]) =>
      missingFields(v, (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k),
    );
  }
  return expected === actual
    ? []
    : [`${path}: expected ${JSON.stringify(expected)}, found ${JSON.stringify(actual)}`];
}

/** The fields of a live recycler CronJob that the tests read. */
export interface LiveCronJob {
  metadata: { annotations: Record<string, string> };
  spec: {
    schedule: string;
    timeZone?: string;
    jobTemplate: {
      spec: {
        template: {
          spec: { containers: { args: string[] }[]; volumes: { configMap?: { name: string } }[] };
        };
      };
    };
  };
}

/** Every one of the CronJobs mounts the one script ConfigMap, and it is the only ConfigMap rotor manages in the namespace. */
export async function assertOneSharedScript(
  admin: Kube,
  namespace: string,
  cronJobs: readonly LiveCronJob[],
  script: string,
): Promise<void> {
  for (const c of cronJobs) {
    const volumes = c.spec.jobTemplate.spec.template.spec.volumes.flatMap((v) => v.configMap?.name ?? []);
    assert.deepEqual(volumes, [script]);
  }
  const configMaps = await admin.get<{ items: { metadata: { name: string } }[] }>(
    `/api/v1/namespaces/${namespace}/configmaps?labelSelector=app.kubernetes.io%2Fmanaged-by%3Drotor`,
  );
  assert.deepEqual(
    configMaps.items.map((c) => c.metadata.name),
    [script],
  );
}

/**
 * A recycler's ServiceAccount, Role, RoleBinding, Lease and CronJob are on the cluster with every field
 * buildRecyclerManifests gives them, but the Lease's spec (the recycler's to write).
 */
export async function assertRecyclerLive(admin: Kube, spec: RecyclerSpec): Promise<void> {
  const m = buildRecyclerManifests(spec);
  for (const o of [m.serviceAccount, m.role, m.roleBinding, m.lease, m.cronJob] as KubeObject[]) {
    const live = await admin.get(`${collectionPath(o)}/${o.metadata.name}`);
    assert.deepEqual(missingFields({ ...o, spec: o.kind === "Lease" ? {} : o.spec }, live), [], o.kind);
  }
}
