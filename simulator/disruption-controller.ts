/**
 * The disruption controller (pkg/controller/disruption): computes a PodDisruptionBudget's status from the
 * pods its selector matches. `expectedPods` is the scale of the pods' controllers (a Deployment's
 * `spec.replicas`, found through the pods' ReplicaSet) for maxUnavailable and percentage minAvailable, or
 * the number of matching pods for an integer minAvailable; percentages round up; `currentHealthy` counts Ready
 * pods that are not terminating and not in `disruptedPods` (entries expire after two minutes);
 * `disruptionsAllowed` is `currentHealthy - desiredHealthy` when positive and some pods are expected.
 * It runs a configurable delay after each change, as the real controller lags behind evictions.
 */
import type { ClusterContext } from "./context";
import { DEPLOYMENTS, PDBS, PODS, REPLICASETS } from "./keys";
import { controllerOf, isPodReady, jsonEqual, scaledValue } from "./objects";
import type {
  Condition,
  Deployment,
  Pod,
  PodDisruptionBudget,
  PodDisruptionBudgetStatus,
  ReplicaSet,
} from "./types";
import { clone, formatTime, parseTime } from "./types";

/** How long an evicted pod stays in `disruptedPods` before the controller stops waiting for its deletion. */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

/** `pdbhelper.UpdateDisruptionAllowedCondition` (with apimeta.SetStatusCondition semantics). */
export function updateDisruptionAllowedCondition(status: PodDisruptionBudgetStatus, nowMs: number): void {
  const allowed = status.disruptionsAllowed > 0;
  setStatusCondition(
    status,
    {
      type: "DisruptionAllowed",
      status: allowed ? "True" : "False",
      observedGeneration: status.observedGeneration ?? 0,
      reason: allowed ? "SufficientPods" : "InsufficientPods",
      message: "",
    },
    nowMs,
  );
}

/** `apimeta.SetStatusCondition`: lastTransitionTime changes only with status. */
export function setStatusCondition(
  status: { conditions?: Condition[] },
  c: Omit<Condition, "lastTransitionTime">,
  nowMs: number,
): void {
  const conditions = (status.conditions ??= []);
  const existing = conditions.find((x) => x.type === c.type);
  if (!existing) {
    conditions.push({
      type: c.type,
      status: c.status,
      observedGeneration: c.observedGeneration,
      lastTransitionTime: formatTime(nowMs),
      reason: c.reason,
      message: c.message ?? "",
    });
    return;
  }
  if (existing.status !== c.status) {
    existing.status = c.status;
    existing.lastTransitionTime = formatTime(nowMs);
  }
  existing.reason = c.reason;
  existing.message = c.message ?? "";
  existing.observedGeneration = c.observedGeneration;
}

/** The disruption controller. */
export class DisruptionController {
  constructor(
    private readonly cluster: Pick<
      ClusterContext,
      "store" | "now" | "withCause" | "recordEvent" | "enqueuePdb" | "pdbSelects"
    >,
  ) {}

  sync(namespace: string, name: string): void {
    const cluster = this.cluster;
    const pdb = cluster.store.get(PDBS, namespace, name) as PodDisruptionBudget | undefined;
    if (!pdb) return;
    const now = cluster.now();
    const pods = (cluster.store.list(PODS, namespace) as Pod[]).filter((p) =>
      cluster.pdbSelects(pdb, p.metadata.labels),
    );
    let expected: { expectedCount: number; desiredHealthy: number };
    try {
      expected = this.expectedPodCount(pdb, pods);
    } catch (error) {
      this.failSafe(pdb, (error as Error).message);
      return;
    }
    const { disruptedPods, recheckAt } = this.disruptedPodMap(pods, pdb, now);
    let currentHealthy = 0;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const disrupted = disruptedPods[pod.metadata.name!];
      if (disrupted !== undefined && parseTime(disrupted) + DELETION_TIMEOUT_MS > now) continue;
      if (isPodReady(pod)) currentHealthy++;
    }
    this.updateStatus(pdb, currentHealthy, expected.desiredHealthy, expected.expectedCount, disruptedPods);
    // Upstream requeues after recheckAt - now, which is zero at the deadline: wait at least 1 ms of virtual time.
    if (recheckAt !== undefined) cluster.enqueuePdb(namespace, name, Math.max(1, recheckAt - now));
  }

  /** `getExpectedPodCount`. */
  private expectedPodCount(
    pdb: PodDisruptionBudget,
    pods: Pod[],
  ): { expectedCount: number; desiredHealthy: number } {
    const spec = pdb.spec;
    if (spec.maxUnavailable !== undefined) {
      const expectedCount = this.expectedScale(pdb, pods);
      const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
      if (maxUnavailable === undefined)
        throw new Error(`invalid value for IntOrString: ${String(spec.maxUnavailable)}`);
      return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable) };
    }
    if (spec.minAvailable !== undefined) {
      if (typeof spec.minAvailable === "number")
        return { expectedCount: pods.length, desiredHealthy: spec.minAvailable };
      const expectedCount = this.expectedScale(pdb, pods);
      const minAvailable = scaledValue(spec.minAvailable, expectedCount, true);
      if (minAvailable === undefined) throw new Error(`invalid value for IntOrString: ${spec.minAvailable}`);
      return { expectedCount, desiredHealthy: minAvailable };
    }
    return { expectedCount: 0, desiredHealthy: 0 };
  }

  /** `getExpectedScale`: the summed scale of the pods' controllers (pods without a controller are ignored). */
  private expectedScale(pdb: PodDisruptionBudget, pods: Pod[]): number {
    const store = this.cluster.store;
    const scales = new Map<string, number>();
    const seenRefs = new Set<string>();
    for (const pod of pods) {
      const ref = controllerOf(pod);
      if (!ref || seenRefs.has(ref.uid)) continue;
      seenRefs.add(ref.uid);
      let found = false;
      if (ref.kind === "ReplicaSet") {
        const rs = store.get(REPLICASETS, pdb.metadata.namespace, ref.name) as ReplicaSet | undefined;
        if (rs && rs.metadata.uid === ref.uid) {
          const dRef = controllerOf(rs);
          if (dRef?.kind === "Deployment") {
            const d = store.get(DEPLOYMENTS, pdb.metadata.namespace, dRef.name) as Deployment | undefined;
            if (d && d.metadata.uid === dRef.uid) {
              scales.set(d.metadata.uid, d.spec.replicas ?? 1);
              found = true;
            }
          } else {
            scales.set(rs.metadata.uid, rs.spec.replicas ?? 1);
            found = true;
          }
        }
      }
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    }
    let total = 0;
    for (const scale of scales.values()) total += scale;
    return total;
  }

  /** `buildDisruptedPodMap`: keeps entries of pods that exist, are not terminating, and have not expired. */
  private disruptedPodMap(
    pods: Pod[],
    pdb: PodDisruptionBudget,
    now: number,
  ): { disruptedPods: Record<string, string>; recheckAt?: number } {
    const previous = pdb.status?.disruptedPods ?? {};
    const result: Record<string, string> = {};
    let recheckAt: number | undefined;
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      const at = previous[pod.metadata.name!];
      if (at === undefined) continue;
      const expectedDeletion = parseTime(at) + DELETION_TIMEOUT_MS;
      if (expectedDeletion < now) {
        this.cluster.recordEvent(
          pod,
          "Warning",
          "NotDeleted",
          `Pod was expected by PDB ${pdb.metadata.namespace}/${pdb.metadata.name} to be deleted but it wasn't`,
          "controllermanager",
        );
      } else {
        if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
        result[pod.metadata.name!] = at;
      }
    }
    return { disruptedPods: result, recheckAt };
  }

  private updateStatus(
    pdb: PodDisruptionBudget,
    currentHealthy: number,
    desiredHealthy: number,
    expectedCount: number,
    disruptedPods: Record<string, string>,
  ): void {
    let disruptionsAllowed = currentHealthy - desiredHealthy;
    if (expectedCount <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
    const status: PodDisruptionBudgetStatus = {
      observedGeneration: pdb.metadata.generation,
      disruptedPods: Object.keys(disruptedPods).length > 0 ? disruptedPods : undefined,
      disruptionsAllowed,
      currentHealthy,
      desiredHealthy,
      expectedPods: expectedCount,
      conditions: clone(pdb.status?.conditions ?? []),
    };
    if (status.disruptedPods === undefined) delete status.disruptedPods;
    updateDisruptionAllowedCondition(status, this.cluster.now());
    if (jsonEqual(pdb.status, status)) return;
    const next = clone(pdb);
    next.status = status;
    this.cluster.withCause({ text: `disruption controller: ${pdb.metadata.name}`, voluntary: false }, () =>
      this.cluster.store.update(PDBS, next),
    );
  }

  private failSafe(pdb: PodDisruptionBudget, message: string): void {
    const next = clone(pdb);
    const status = (next.status ??= {
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
    status.disruptionsAllowed = 0;
    setStatusCondition(
      status,
      {
        type: "DisruptionAllowed",
        status: "False",
        observedGeneration: status.observedGeneration ?? 0,
        reason: "SyncFailed",
        message,
      },
      this.cluster.now(),
    );
    if (!jsonEqual(pdb.status, status)) this.cluster.store.update(PDBS, next);
  }
}
