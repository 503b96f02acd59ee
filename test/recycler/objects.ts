/** Builders of Kubernetes objects for the recycler's pure-logic tests. */
import type { Snapshot } from "../../recycler/decide";
import { resolveSettings, type RawSettings, type RecyclerSettings } from "../../recycler/settings";
import type { Deployment, Pod, PodDisruptionBudget, ReplicaSet } from "../../recycler/types";

export const T0 = Date.parse("2026-01-05T10:00:00Z");
export const HOUR = 3_600_000;
export const LABELS = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };

export function deployment(
  overrides: { replicas?: number; generation?: number; observed?: number; uid?: string } = {},
): Deployment {
  const replicas = overrides.replicas ?? 3;
  const generation = overrides.generation ?? 2;
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop", uid: overrides.uid ?? "dep-uid", generation },
    spec: {
      replicas,
      selector: { matchLabels: LABELS },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels: { ...LABELS, "app.kubernetes.io/version": "1.0" } } },
    },
    status: {
      observedGeneration: overrides.observed ?? generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        { type: "Available", status: "True" },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
      ],
    },
  };
}

export function replicaSet(hash: string, revision: number, ownerUid = "dep-uid"): ReplicaSet {
  return {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `web-${hash}`,
      namespace: "shop",
      uid: `rs-${hash}`,
      labels: { ...LABELS, "pod-template-hash": hash },
      annotations: { "deployment.kubernetes.io/revision": String(revision) },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "Deployment", name: "web", uid: ownerUid, controller: true },
      ],
    },
  };
}

export interface PodOptions {
  readonly hash?: string;
  readonly ageMs: number;
  readonly now?: number;
  readonly ready?: boolean;
  readonly terminating?: boolean;
  readonly labels?: Record<string, string>;
  readonly uid?: string;
  readonly phase?: string;
}

export function pod(name: string, options: PodOptions): Pod {
  const hash = options.hash ?? "aaa";
  const now = options.now ?? T0;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "shop",
      uid: options.uid ?? `uid-${name}`,
      creationTimestamp: new Date(now - options.ageMs).toISOString(),
      labels: options.labels ?? { ...LABELS, "pod-template-hash": hash },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `web-${hash}`,
          uid: `rs-${hash}`,
          controller: true,
        },
      ],
      ...(options.terminating ? { deletionTimestamp: new Date(now).toISOString() } : {}),
    },
    spec: { nodeName: "node-1" },
    status: {
      phase: options.phase ?? "Running",
      conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }],
    },
  };
}

export function pdb(
  allowed: number,
  overrides: {
    generation?: number;
    observed?: number;
    name?: string;
    selector?: Record<string, string>;
  } = {},
): PodDisruptionBudget {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name: overrides.name ?? "web", namespace: "shop", generation: overrides.generation ?? 1 },
    spec: { selector: { matchLabels: overrides.selector ?? LABELS }, maxUnavailable: 1 },
    status: {
      observedGeneration: overrides.observed ?? overrides.generation ?? 1,
      disruptionsAllowed: allowed,
      currentHealthy: 3,
      desiredHealthy: 3 - allowed,
      expectedPods: 3,
    },
  };
}

/** Settings of a run for Deployment shop/web: max age 1d, no jitter, unless `raw` says otherwise. */
export function settings(raw: RawSettings = {}): RecyclerSettings {
  const r = resolveSettings({ namespace: "shop", deployment: "web", maxAge: "1d", jitter: "0s", ...raw });
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join("\n"));
  return r.settings;
}

/** What a run observes: by default one PodDisruptionBudget that allows one disruption and ReplicaSet web-aaa. */
export function snapshot(
  d: Deployment | undefined,
  pods: readonly Pod[],
  pdbs: readonly PodDisruptionBudget[] = [pdb(1)],
  now = T0,
  replicaSets: readonly ReplicaSet[] = [replicaSet("aaa", 2)],
): Snapshot {
  return {
    deployment: d,
    replicaSets,
    pods: new Map(pods.map((p) => [p.metadata?.name ?? "", p])),
    pdbs,
    now,
  };
}
