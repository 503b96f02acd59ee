/**
 * The pods/eviction subresource, following pkg/registry/core/pod/storage/eviction.go:
 * - pods that are Pending, Succeeded, Failed or already terminating are deleted without looking at PDBs;
 * - more than one matching PDB: 500 "This pod has more than one PodDisruptionBudget, ...";
 * - no PDB: the pod is deleted;
 * - a pod that is not Ready is deleted without consuming budget when the PDB says `AlwaysAllow`, or (the
 *   default `IfHealthyBudget`) when currentHealthy >= desiredHealthy > 0;
 * - otherwise the budget is checked and decremented: status older than the spec (observedGeneration <
 *   generation) is a 429 with Retry-After 10; a negative budget or more than 2000 disruptedPods is a 403;
 *   no disruption allowed is a 429 with the DisruptionBudget cause; on success disruptionsAllowed drops by
 *   one and the pod is recorded in disruptedPods before it is deleted gracefully;
 * - success is 201 with a Success Status. Dry-run checks everything and changes nothing.
 */
import type { Cluster } from "./cluster";
import { PDBS, PODS } from "./keys";
import { updateDisruptionAllowedCondition } from "./disruption-controller";
import { isPodReady } from "./objects";
import * as status from "./status";
import type { Json, Pod, PodDisruptionBudget } from "./types";
import { clone, formatTime } from "./types";

/** Most entries `disruptedPods` may hold before evictions are refused. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

/** What happened to an eviction request. */
export type EvictionOutcome = "evicted" | "refused-429" | "error";

/** The result of {@link evictPod}. */
export interface EvictionResult {
  readonly code: number;
  readonly body: status.Status;
  readonly outcome: EvictionOutcome;
  /** Whether the pod was (or in a dry run would have been) deleted. */
  readonly deleted: boolean;
  /** The PDB consulted, if any. */
  readonly pdb?: string;
}

interface DeleteOptions {
  gracePeriodSeconds?: number;
  dryRun?: string[];
  preconditions?: { uid?: string; resourceVersion?: string };
}

function tooManyRequestsProcessing(pdbName: string): status.ApiError {
  return status.tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10, [
    {
      reason: "DisruptionBudget",
      message: `The disruption budget ${pdbName} is still being processed by the server.`,
    },
  ]);
}

/**
 * Evicts pod `name` in `namespace` with an Eviction `body` (already parsed JSON). `dryRunQuery` are the
 * request's `dryRun` query values. Throws ApiErrors for 4xx/5xx answers other than the 500 for several PDBs,
 * which, as upstream, is a returned Failure Status.
 */
export function evictPod(
  cluster: Cluster,
  namespace: string,
  name: string,
  body: Json | undefined,
  dryRunQuery: string[],
): EvictionResult {
  const eviction = (body ?? {}) as {
    kind?: string;
    apiVersion?: string;
    metadata?: { name?: string };
    deleteOptions?: DeleteOptions;
  };
  if (typeof eviction !== "object" || Array.isArray(eviction) || eviction === null) {
    throw status.badRequest("not a Eviction object");
  }
  if (eviction.kind !== undefined && eviction.kind !== "Eviction") {
    throw status.badRequest(`not a Eviction object: ${eviction.kind}`);
  }
  if ((eviction.metadata?.name ?? "") !== name) {
    throw status.badRequest("name in URL does not match name in Eviction object");
  }
  const options: DeleteOptions = { ...(eviction.deleteOptions ?? {}) };
  const bodyDryRun = options.dryRun ?? [];
  if (
    bodyDryRun.length > 0 &&
    dryRunQuery.length > 0 &&
    JSON.stringify(bodyDryRun) !== JSON.stringify(dryRunQuery)
  ) {
    throw status.internalError(
      `Non-matching dry-run options in request and content: [${dryRunQuery.join(" ")}] and [${bodyDryRun.join(" ")}]`,
    );
  }
  const dryRun = (bodyDryRun.length > 0 ? bodyDryRun : dryRunQuery).includes("All");
  const pod = cluster.store.get(PODS, namespace, name) as Pod | undefined;
  if (!pod) throw status.notFound({ group: "", resource: "pods" }, name);

  const phase = pod.status?.phase;
  if (phase === "Pending" || phase === "Succeeded" || phase === "Failed" || pod.metadata.deletionTimestamp) {
    checkPreconditions(pod, options);
    cluster.deletePod(markDisruptionTarget(cluster, pod, dryRun), {
      gracePeriodSeconds: options.gracePeriodSeconds,
      dryRun,
    });
    return { code: 201, body: status.success(201), outcome: "evicted", deleted: true };
  }

  const pdbs = (cluster.store.list(PDBS, namespace) as PodDisruptionBudget[]).filter((p) =>
    cluster.pdbSelects(p, pod.metadata.labels),
  );
  if (pdbs.length > 1) {
    const body: status.Status = {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message:
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
      code: 500,
    };
    return { code: 500, body, outcome: "error", deleted: false };
  }
  const pdb = pdbs[0];
  if (pdb) {
    const st = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
    let skipBudget = false;
    if (!isPodReady(pod)) {
      if (pdb.spec.unhealthyPodEvictionPolicy === "AlwaysAllow") skipBudget = true;
      else if (st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0) skipBudget = true;
    }
    if (!skipBudget) checkAndDecrement(cluster, pod, pdb, dryRun);
  }
  // As upstream: the budget has already recorded the disruption when the delete's preconditions are checked,
  // so a stale UID is refused (409) yet holds one disruption until the disruption controller's timeout.
  checkPreconditions(pod, options);
  cluster.deletePod(markDisruptionTarget(cluster, pod, dryRun), {
    gracePeriodSeconds: options.gracePeriodSeconds,
    dryRun,
  });
  return { code: 201, body: status.success(201), outcome: "evicted", deleted: true, pdb: pdb?.metadata.name };
}

function checkPreconditions(pod: Pod, options: DeleteOptions): void {
  const p = options.preconditions;
  if (p?.uid && p.uid !== pod.metadata.uid) {
    throw status.uidPreconditionFailed("Pod", pod.metadata.name!, p.uid, pod.metadata.uid ?? "");
  }
  if (p?.resourceVersion && p.resourceVersion !== pod.metadata.resourceVersion) {
    throw status.conflict(
      { group: "", resource: "pods" },
      pod.metadata.name!,
      `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${pod.metadata.resourceVersion}`,
    );
  }
}

function checkAndDecrement(cluster: Cluster, pod: Pod, pdb: PodDisruptionBudget, dryRun: boolean): void {
  const st = pdb.status ?? { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  const name = pdb.metadata.name!;
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw tooManyRequestsProcessing(name);
  const policy = { group: "policy", resource: "poddisruptionbudget" };
  if (st.disruptionsAllowed < 0) throw status.forbidden(policy, name, "pdb disruptions allowed is negative");
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
    throw status.forbidden(
      policy,
      name,
      "DisruptedPods map too big - too many evictions not confirmed by PDB controller",
    );
  }
  if (st.disruptionsAllowed === 0) {
    throw status.tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0, [
      {
        reason: "DisruptionBudget",
        message: `The disruption budget ${name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`,
      },
    ]);
  }
  if (dryRun) return;
  const next = clone(pdb);
  const nextStatus = (next.status ??= { ...st });
  nextStatus.disruptionsAllowed--;
  if (nextStatus.disruptionsAllowed === 0) updateDisruptionAllowedCondition(nextStatus, cluster.now());
  nextStatus.disruptedPods = {
    ...(nextStatus.disruptedPods ?? {}),
    [pod.metadata.name!]: formatTime(cluster.now()),
  };
  // Keep the field order of the API (disruptedPods before disruptionsAllowed).
  next.status = {
    observedGeneration: nextStatus.observedGeneration,
    disruptedPods: nextStatus.disruptedPods,
    disruptionsAllowed: nextStatus.disruptionsAllowed,
    currentHealthy: nextStatus.currentHealthy,
    desiredHealthy: nextStatus.desiredHealthy,
    expectedPods: nextStatus.expectedPods,
    conditions: nextStatus.conditions,
  };
  if (next.status.observedGeneration === undefined) delete next.status.observedGeneration;
  if (next.status.conditions === undefined) delete next.status.conditions;
  cluster.store.update(PDBS, next);
}

/** The `DisruptionTarget` condition upstream adds to an evicted pod (PodDisruptionConditions, GA in 1.31). */
function markDisruptionTarget(cluster: Cluster, pod: Pod, dryRun: boolean): Pod {
  if (dryRun || pod.metadata.deletionTimestamp) return pod;
  const copy = clone(pod);
  const conditions = (copy.status ??= {}).conditions ?? [];
  copy.status.conditions = [
    ...conditions.filter((c) => c.type !== "DisruptionTarget"),
    {
      type: "DisruptionTarget",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: formatTime(cluster.now()),
      reason: "EvictionByEvictionAPI",
      message: "Eviction API: evicting",
    },
  ];
  return cluster.store.update(PODS, copy) as Pod;
}
