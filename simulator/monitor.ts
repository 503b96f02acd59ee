/**
 * The availability monitor: after every change to a pod, Deployment or PodDisruptionBudget it checks, for
 * each Deployment whose pods a PDB covers, that the Ready pods that are not terminating never fall below
 * `desired - allowedByPDB` (the PDB's desiredHealthy at the Deployment's own replica count). It records the
 * minimum ever seen, every violation with its time and the change that caused it, and how many rotations
 * (voluntary pod deletions through the API whose replacement is not Ready yet) overlapped at most.
 */
import type { Cause, ClusterContext } from "./context";
import { DEPLOYMENTS, PDBS, PODS } from "./keys";
import { controllerOf, isPodReady, scaledValue } from "./objects";
import type { StoreEvent } from "./store";
import type { Deployment, Pod, PodDisruptionBudget, ReplicaSet } from "./types";
import { formatTime } from "./types";

/** A time when Ready pods were below the PDB's floor. */
export interface Violation {
  readonly namespace: string;
  readonly deployment: string;
  readonly pdb: string;
  readonly atMs: number;
  readonly time: string;
  /** Ready, non-terminating pods of the Deployment. */
  readonly ready: number;
  /** `desired - allowed`: the floor. */
  readonly floor: number;
  readonly desired: number;
  readonly allowed: number;
  /** The change that took Ready below the floor. */
  readonly cause: string;
  readonly voluntary: boolean;
  /**
   * The PDB's status when the floor was crossed. A `currentHealthy` above `ready` means the disruption
   * controller had not caught up (it lags, or a fault delays it), so the API allowed the disruption on stale numbers.
   */
  readonly pdbStatus?: {
    readonly currentHealthy: number;
    readonly desiredHealthy: number;
    readonly disruptionsAllowed: number;
    readonly expectedPods: number;
    readonly observedGeneration?: number;
  };
  /** When Ready got back to the floor, if it did. */
  endedAtMs?: number;
}

interface DeploymentWatch {
  minReady: number;
  open?: Violation;
  rotations: number;
  maxRotations: number;
}

/** The availability monitor. */
export class AvailabilityMonitor {
  /** Every violation, in order. */
  readonly violations: Violation[] = [];
  private readonly watched = new Map<string, DeploymentWatch>();

  constructor(
    private readonly cluster: Pick<ClusterContext, "store" | "now" | "pdbSelects" | "deploymentOfPod">,
  ) {}

  /** The lowest number of Ready, non-terminating pods seen for a Deployment covered by a PDB. */
  minReady(namespace: string, deployment: string): number | undefined {
    return this.watched.get(`${namespace}/${deployment}`)?.minReady;
  }

  /** The most rotations of a Deployment that were in progress at once. */
  maxConcurrentRotations(namespace: string, deployment: string): number {
    return this.watched.get(`${namespace}/${deployment}`)?.maxRotations ?? 0;
  }

  /** Checks the namespace of a change. */
  observe(event: StoreEvent, cause: Cause | undefined): void {
    const namespace = event.object.metadata.namespace ?? "";
    let rotationOf: string | undefined;
    if (
      event.resource === PODS &&
      event.type === "MODIFIED" &&
      event.object.metadata.deletionTimestamp &&
      !event.previous?.metadata.deletionTimestamp &&
      cause?.text.startsWith("api:")
    ) {
      rotationOf = this.cluster.deploymentOfPod(event.object)?.metadata.name;
    }
    if (
      event.resource === PODS &&
      event.type === "DELETED" &&
      !event.previous?.metadata.deletionTimestamp &&
      cause?.text.startsWith("api:")
    ) {
      rotationOf = this.cluster.deploymentOfPod(event.object)?.metadata.name;
    }
    this.check(namespace, cause, rotationOf, event);
  }

  private check(
    namespace: string,
    cause: Cause | undefined,
    rotationOf: string | undefined,
    event: StoreEvent,
  ): void {
    const store = this.cluster.store;
    const pdbs = store.list(PDBS, namespace) as PodDisruptionBudget[];
    if (pdbs.length === 0) return;
    const deployments = store.list(DEPLOYMENTS, namespace) as Deployment[];
    if (deployments.length === 0) return;
    const pods = store.list(PODS, namespace) as Pod[];
    const rsOwner = new Map<string, string>();
    for (const rs of store.list("apps/replicasets", namespace) as ReplicaSet[]) {
      const ref = controllerOf(rs);
      if (ref?.kind === "Deployment") rsOwner.set(rs.metadata.uid!, ref.uid);
    }
    for (const d of deployments) {
      const labels = d.spec.template.metadata?.labels;
      const pdb = pdbs.find((p) => this.cluster.pdbSelects(p, labels));
      if (!pdb) continue;
      const desired = d.spec.replicas ?? 1;
      const floor = floorOf(pdb, desired);
      let ready = 0;
      for (const pod of pods) {
        const ref = controllerOf(pod);
        if (!ref || rsOwner.get(ref.uid) !== d.metadata.uid) continue;
        if (!pod.metadata.deletionTimestamp && isPodReady(pod)) ready++;
      }
      const key = `${namespace}/${d.metadata.name}`;
      let w = this.watched.get(key);
      if (!w) this.watched.set(key, (w = { minReady: ready, rotations: 0, maxRotations: 0 }));
      w.minReady = Math.min(w.minReady, ready);
      if (rotationOf === d.metadata.name) w.rotations++;
      w.rotations = Math.min(w.rotations, Math.max(0, desired - ready));
      if (rotationOf === d.metadata.name) w.rotations = Math.max(w.rotations, 1);
      w.maxRotations = Math.max(w.maxRotations, w.rotations);
      const now = this.cluster.now();
      if (ready < floor && !w.open) {
        const st = pdb.status;
        w.open = {
          namespace,
          deployment: d.metadata.name!,
          pdb: pdb.metadata.name!,
          atMs: now,
          time: formatTime(now),
          ready,
          floor,
          desired,
          allowed: desired - floor,
          cause: cause?.text ?? `${event.type} ${event.resource} ${event.object.metadata.name}`,
          voluntary: cause?.voluntary ?? false,
          ...(st
            ? {
                pdbStatus: {
                  currentHealthy: st.currentHealthy,
                  desiredHealthy: st.desiredHealthy,
                  disruptionsAllowed: st.disruptionsAllowed,
                  expectedPods: st.expectedPods,
                  observedGeneration: st.observedGeneration,
                },
              }
            : {}),
        };
        this.violations.push(w.open);
      } else if (ready >= floor && w.open) {
        w.open.endedAtMs = now;
        w.open = undefined;
      }
    }
  }
}

/** `desired - allowed`: the PDB's desiredHealthy if exactly `desired` pods were expected. */
export function floorOf(pdb: PodDisruptionBudget, desired: number): number {
  const spec = pdb.spec;
  if (spec.maxUnavailable !== undefined)
    return Math.max(0, desired - (scaledValue(spec.maxUnavailable, desired, true) ?? 0));
  if (spec.minAvailable !== undefined) return scaledValue(spec.minAvailable, desired, true) ?? 0;
  return 0;
}
