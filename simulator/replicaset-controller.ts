/**
 * The ReplicaSet controller (pkg/controller/replicaset): keeps `spec.replicas` active pods, where terminating
 * pods do not count (so an evicted pod gets its replacement at once), deletes surplus pods in upstream's
 * order (unscheduled, pending, not ready, lower deletion cost, ready for less time, more restarts, newer;
 * times compared in log2 buckets as with LogarithmicScaleDown), and reports status. Orphans are not adopted.
 */
import type { ClusterContext } from "./context";
import { PODS, REPLICASETS } from "./keys";
import {
  controllerOf,
  controllerRef,
  isPodActive,
  isPodAvailable,
  isPodReady,
  jsonEqual,
  podReadyTime,
} from "./objects";
import { findResourceType } from "./resources";
import { matchesLabels, labelSelectorRequirements } from "./selectors";
import type { Pod, ReplicaSet, ReplicaSetStatus } from "./types";
import { clone, parseTime } from "./types";

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
const DELETION_COST = "controller.kubernetes.io/pod-deletion-cost";

function logRank(t: number, now: number): number {
  const d = (now - t) * 1e6;
  return d > 0 ? Math.floor(Math.log2(d)) : -1;
}

/** `controller.ActivePodsWithRanks.Less` (rank by co-located pods omitted): true when `a` goes first. */
export function deleteFirst(a: Pod, b: Pod, now: number): boolean {
  const aNode = a.spec.nodeName ?? "";
  const bNode = b.spec.nodeName ?? "";
  if (aNode !== bNode && (aNode === "" || bNode === "")) return aNode === "";
  const ap = PHASE_RANK[a.status?.phase ?? "Pending"] ?? 0;
  const bp = PHASE_RANK[b.status?.phase ?? "Pending"] ?? 0;
  if (ap !== bp) return ap < bp;
  if (isPodReady(a) !== isPodReady(b)) return !isPodReady(a);
  const ac = Number(a.metadata.annotations?.[DELETION_COST] ?? 0);
  const bc = Number(b.metadata.annotations?.[DELETION_COST] ?? 0);
  if (ac !== bc) return ac < bc;
  const uidOrder = (a.metadata.uid ?? "") < (b.metadata.uid ?? "");
  if (isPodReady(a) && isPodReady(b)) {
    const ar = podReadyTime(a);
    const br = podReadyTime(b);
    if (ar !== br) {
      if (ar === undefined || br === undefined) return ar === undefined;
      const diff = logRank(ar, now) - logRank(br, now);
      return diff === 0 ? uidOrder : diff < 0;
    }
  }
  const restarts = (p: Pod) => Math.max(0, ...(p.status?.containerStatuses ?? []).map((s) => s.restartCount));
  if (restarts(a) !== restarts(b)) return restarts(a) > restarts(b);
  const at = parseTime(a.metadata.creationTimestamp);
  const bt = parseTime(b.metadata.creationTimestamp);
  if (at !== bt) {
    const diff = logRank(at, now) - logRank(bt, now);
    return diff === 0 ? uidOrder : diff < 0;
  }
  return false;
}

/** The ReplicaSet controller. */
export class ReplicaSetController {
  constructor(
    private readonly cluster: Pick<
      ClusterContext,
      "store" | "now" | "withCause" | "createObject" | "deletePod" | "recordEvent" | "enqueueReplicaSet"
    >,
  ) {}

  private podsOf(rs: ReplicaSet): Pod[] {
    return (this.cluster.store.list(PODS, rs.metadata.namespace) as Pod[]).filter(
      (p) => controllerOf(p)?.uid === rs.metadata.uid,
    );
  }

  sync(namespace: string, name: string): void {
    const cluster = this.cluster;
    let rs = cluster.store.get(REPLICASETS, namespace, name) as ReplicaSet | undefined;
    if (!rs) return;
    if (!rs.metadata.deletionTimestamp) {
      cluster.withCause({ text: `replicaset controller: ${name}`, voluntary: true }, () => this.manage(rs!));
    }
    const active = this.podsOf(rs).filter(isPodActive);
    const now = cluster.now();
    const minReady = rs.spec.minReadySeconds ?? 0;
    const templateLabels = labelSelectorRequirements({
      matchLabels: rs.spec.template.metadata?.labels ?? {},
    });
    const terminating = this.podsOf(rs).filter((p) => p.metadata.deletionTimestamp).length;
    // As upstream with DeploymentReplicaSetTerminatingReplicas (beta, on): a count, present even when 0.
    const next: ReplicaSetStatus = { replicas: active.length, terminatingReplicas: terminating };
    const fully = active.filter((p) => matchesLabels(templateLabels, p.metadata.labels)).length;
    const ready = active.filter(isPodReady).length;
    const available = active.filter((p) => isPodAvailable(p, minReady, now)).length;
    if (fully) next.fullyLabeledReplicas = fully;
    if (ready) next.readyReplicas = ready;
    if (available) next.availableReplicas = available;
    if (rs.metadata.generation) next.observedGeneration = rs.metadata.generation;
    if (!jsonEqual(rs.status, next)) {
      const copy = clone(rs);
      copy.status = next;
      rs = cluster.store.update(REPLICASETS, copy) as ReplicaSet;
    }
    if (minReady > 0) {
      // Come back when the next Ready pod has been Ready for minReadySeconds.
      const pending = active
        .filter((p) => isPodReady(p) && !isPodAvailable(p, minReady, now))
        .map((p) => podReadyTime(p)! + minReady * 1000 + 1);
      if (pending.length > 0) cluster.enqueueReplicaSet(namespace, name, Math.min(...pending) - now);
    }
  }

  private manage(rs: ReplicaSet): void {
    const cluster = this.cluster;
    const active = this.podsOf(rs).filter(isPodActive);
    const diff = active.length - (rs.spec.replicas ?? 1);
    if (diff < 0) {
      const podType = findResourceType("", "v1", "pods")!;
      for (let i = 0; i < -diff; i++) {
        const template = rs.spec.template;
        const pod: Pod = {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            generateName: `${rs.metadata.name}-`,
            namespace: rs.metadata.namespace,
            labels: { ...(template.metadata?.labels ?? {}) },
            ownerReferences: [controllerRef(rs)],
          },
          spec: clone(template.spec ?? {}),
          status: { phase: "Pending", qosClass: "BestEffort" },
        };
        if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
        const created = cluster.createObject(podType, pod);
        cluster.recordEvent(
          rs,
          "Normal",
          "SuccessfulCreate",
          `Created pod: ${created.metadata.name}`,
          "replicaset-controller",
        );
      }
    } else if (diff > 0) {
      const now = cluster.now();
      const ranked = [...active].sort((a, b) =>
        deleteFirst(a, b, now) ? -1 : deleteFirst(b, a, now) ? 1 : 0,
      );
      for (const pod of ranked.slice(0, diff)) {
        cluster.deletePod(pod, {});
        cluster.recordEvent(
          rs,
          "Normal",
          "SuccessfulDelete",
          `Deleted pod: ${pod.metadata.name}`,
          "replicaset-controller",
        );
      }
    }
  }
}
