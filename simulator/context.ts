/**
 * What the controllers, the kubelet and the availability monitor use of the cluster, declared apart from
 * cluster.ts: each of them takes the `Pick` of {@link ClusterContext} it needs, and `Cluster` implements the whole
 * interface. So cluster.ts imports its parts and none of them imports cluster.ts back (no import cycle), and each
 * part's constructor says exactly what of the cluster it touches.
 */
import type { SimClock } from "./clock";
import type { FaultInjector } from "./faults";
import type { ResourceType } from "./resources";
import type { Store } from "./store";
import type { Deployment, KubeObject, Pod, PodDisruptionBudget } from "./types";

/** What a change is part of. */
export interface Cause {
  /** e.g. `create pods/eviction web-7d4b9-abcde by system:serviceaccount:apps:web-recycler`. */
  readonly text: string;
  /** True for deliberate disruptions (API clients, rollouts); false for faults, scaling, kubelets. */
  readonly voluntary: boolean;
}

/** The cluster's shared state and operations, as its parts see them. */
export interface ClusterContext {
  readonly store: Store;
  readonly clock: SimClock;
  readonly faults: FaultInjector;
  /** Virtual (or real) now. */
  now(): number;
  /** Runs `fn` with `cause` attributed to every change it makes. */
  withCause<T>(cause: Cause, fn: () => T): T;
  /** Stores a new object with the metadata the API server fills in; `createdAtMs` puts creation in the past. */
  createObject<T extends KubeObject>(type: ResourceType, object: T, createdAtMs?: number): T;
  /** Deletes a pod as the API server does (graceful unless unscheduled, terminal or asked for 0 seconds). */
  deletePod(pod: Pod, options: { gracePeriodSeconds?: number; dryRun?: boolean }): Pod;
  /** Records a core/v1 Event about `object`, as a controller's event recorder does. */
  recordEvent(
    object: KubeObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    component: string,
  ): void;
  /** Asks the deployment controller to sync `namespace/name`. */
  enqueueDeployment(namespace: string, name: string, delayMs?: number): void;
  /** Asks the replicaset controller to sync `namespace/name`. */
  enqueueReplicaSet(namespace: string, name: string, delayMs?: number): void;
  /** Asks the disruption controller to sync a PDB after its (possibly faulty) lag. */
  enqueuePdb(namespace: string, name: string, delayMs?: number): void;
  /** Whether a PDB selects pods with `labels` (an empty selector selects nothing). */
  pdbSelects(pdb: PodDisruptionBudget, labels: Record<string, string> | undefined): boolean;
  /** The Deployment that owns a pod through its ReplicaSet, if any. */
  deploymentOfPod(pod: KubeObject): Deployment | undefined;
}
