/**
 * The simulated cluster without its HTTP front: the store, the controllers (deployment, replicaset,
 * disruption, a scheduler and kubelet stand-in, a garbage collector), the operations the API and the
 * controllers share (create an object, delete a pod gracefully, record an Event), and the availability
 * monitor. Controllers react to store changes through delayed, de-duplicated work queues, as upstream's do.
 */
import type { SimClock, TimerHandle } from "./clock";
import type { Cause, ClusterContext } from "./context";
import { DeploymentController } from "./deployment-controller";
import { DisruptionController } from "./disruption-controller";
import { FaultInjector, type FaultPlan } from "./faults";
import { Kubelet, type PodLifecycle } from "./kubelet";
import { DEPLOYMENTS, PDBS, PODS, REPLICASETS } from "./keys";
import { AvailabilityMonitor } from "./monitor";
import { controllerOf, isTerminating } from "./objects";
import { RandomStreams, SAFE_ALPHABET } from "./random";
import { ReplicaSetController } from "./replicaset-controller";
import { findResourceType, type ResourceType } from "./resources";
import { selectorIsEmpty, selectorMatches } from "./selectors";
import * as status from "./status";
import { Store, type StoreEvent, type WatchHistoryOptions } from "./store";
import type { CoreEvent, Deployment, KubeObject, Pod, PodDisruptionBudget, ReplicaSet } from "./types";
import { clone, formatMicroTime, formatTime } from "./types";

/** Tunables of the cluster. */
export interface ClusterOptions {
  readonly seed: number;
  readonly faults: FaultPlan;
  /** Lifecycle of pods whose Deployment has none of its own. */
  readonly defaultLifecycle: Required<PodLifecycle>;
  /** Delay of the deployment and replicaset controllers after a change. */
  readonly controllerDelayMs: number;
  /** Delay of the disruption controller after a change (it lags behind evictions, as upstream's does). */
  readonly pdbSyncDelayMs: number;
  readonly watchHistory: WatchHistoryOptions;
  /** Whether controllers record Events (ScalingReplicaSet, SuccessfulCreate, SuccessfulDelete). */
  readonly controllerEvents: boolean;
  readonly nodes: readonly string[];
}

/** A delayed, de-duplicating work queue: a key waits at most once, at the earliest time asked for. */
class WorkQueue {
  private readonly pending = new Map<string, TimerHandle>();

  constructor(
    private readonly clock: SimClock,
    private readonly work: (key: string) => void,
  ) {}

  add(key: string, delayMs: number): void {
    const at = this.clock.now() + Math.max(0, delayMs);
    const existing = this.pending.get(key);
    if (existing && !existing.cancelled && existing.at <= at) return;
    this.clock.cancelTimer(existing);
    this.pending.set(
      key,
      this.clock.setTimer(at, () => {
        this.pending.delete(key);
        this.work(key);
      }),
    );
  }

  cancelAll(): void {
    for (const timer of this.pending.values()) this.clock.cancelTimer(timer);
    this.pending.clear();
  }
}

const split = (key: string): [string, string] => {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
};

/** The simulated cluster. */
export class Cluster implements ClusterContext {
  readonly store: Store;
  readonly random: RandomStreams;
  readonly faults: FaultInjector;
  readonly monitor: AvailabilityMonitor;
  readonly kubelet: Kubelet;
  readonly startMs: number;
  /** Per-Deployment pod lifecycles, keyed `namespace/name`. */
  readonly lifecycles = new Map<string, PodLifecycle>();
  private readonly deployments: DeploymentController;
  private readonly replicaSets: ReplicaSetController;
  private readonly disruption: DisruptionController;
  private readonly deploymentQueue: WorkQueue;
  private readonly replicaSetQueue: WorkQueue;
  private readonly pdbQueue: WorkQueue;
  private readonly timers: TimerHandle[] = [];
  private eventSeq = 0;
  private closed = false;
  /** What the current change is part of, for the monitor. */
  private causes: Cause[] = [];

  constructor(
    readonly clock: SimClock,
    readonly options: ClusterOptions,
  ) {
    this.startMs = clock.now();
    this.random = new RandomStreams(options.seed);
    this.faults = new FaultInjector(options.faults, this.random, this.startMs);
    this.store = new Store(() => clock.now(), options.watchHistory);
    this.monitor = new AvailabilityMonitor(this);
    this.kubelet = new Kubelet(this, options.nodes);
    this.deployments = new DeploymentController(this);
    this.replicaSets = new ReplicaSetController(this);
    this.disruption = new DisruptionController(this);
    this.deploymentQueue = new WorkQueue(clock, (k) => this.run(() => this.deployments.sync(...split(k))));
    this.replicaSetQueue = new WorkQueue(clock, (k) => this.run(() => this.replicaSets.sync(...split(k))));
    this.pdbQueue = new WorkQueue(clock, (k) => this.run(() => this.disruption.sync(...split(k))));
    this.store.onChange((event) => this.dispatch(event));
    for (const scale of options.faults.scale ?? []) {
      this.timers.push(
        clock.setTimer(this.startMs + scale.atMs, () =>
          this.withCause(
            { text: `replicas of ${scale.deployment} set to ${scale.replicas} (HPA-like)`, voluntary: false },
            () => this.setReplicas(scale.namespace ?? "default", scale.deployment, scale.replicas),
          ),
        ),
      );
    }
  }

  /** Virtual (or real) now. */
  now(): number {
    return this.clock.now();
  }

  private run(work: () => void): void {
    if (!this.closed) work();
  }

  /** Runs `fn` with `cause` attributed to every change it makes. */
  withCause<T>(cause: Cause, fn: () => T): T {
    this.causes.push(cause);
    try {
      return fn();
    } finally {
      this.causes.pop();
    }
  }

  /** The cause of the change being made now. */
  currentCause(): Cause | undefined {
    return this.causes[this.causes.length - 1];
  }

  /** Stops every controller timer. */
  close(): void {
    this.closed = true;
    this.deploymentQueue.cancelAll();
    this.replicaSetQueue.cancelAll();
    this.pdbQueue.cancelAll();
    this.kubelet.close();
    for (const t of this.timers) this.clock.cancelTimer(t);
  }

  /**
   * Runs the replicaset, deployment and disruption controllers of a namespace synchronously, as if they had
   * all caught up (used by seeding; their queued syncs still run later and find nothing to do).
   */
  syncNow(namespace: string): void {
    for (const rs of this.store.list(REPLICASETS, namespace))
      this.replicaSets.sync(namespace, rs.metadata.name!);
    for (const d of this.store.list(DEPLOYMENTS, namespace))
      this.deployments.sync(namespace, d.metadata.name!);
    for (const rs of this.store.list(REPLICASETS, namespace))
      this.replicaSets.sync(namespace, rs.metadata.name!);
    for (const d of this.store.list(DEPLOYMENTS, namespace))
      this.deployments.sync(namespace, d.metadata.name!);
    for (const pdb of this.store.list(PDBS, namespace)) this.disruption.sync(namespace, pdb.metadata.name!);
  }

  /** Asks the deployment controller to sync `namespace/name`. */
  enqueueDeployment(namespace: string, name: string, delayMs = this.options.controllerDelayMs): void {
    this.deploymentQueue.add(`${namespace}/${name}`, delayMs);
  }

  /** Asks the replicaset controller to sync `namespace/name`. */
  enqueueReplicaSet(namespace: string, name: string, delayMs = this.options.controllerDelayMs): void {
    this.replicaSetQueue.add(`${namespace}/${name}`, delayMs);
  }

  /** Asks the disruption controller to sync a PDB after its (possibly faulty) lag. */
  enqueuePdb(namespace: string, name: string, delayMs?: number): void {
    this.pdbQueue.add(
      `${namespace}/${name}`,
      delayMs ?? this.faults.pdbDelay(this.now(), this.options.pdbSyncDelayMs),
    );
  }

  private dispatch(event: StoreEvent): void {
    const object = event.object;
    const namespace = object.metadata.namespace ?? "";
    switch (event.resource) {
      case PODS: {
        const owner = controllerOf(object) ?? (event.previous ? controllerOf(event.previous) : undefined);
        if (owner?.kind === "ReplicaSet") {
          this.enqueueReplicaSet(namespace, owner.name);
          if (event.type === "DELETED") {
            const rs = this.store.get(REPLICASETS, namespace, owner.name);
            const deploymentRef = rs && controllerOf(rs);
            if (deploymentRef?.kind === "Deployment") this.enqueueDeployment(namespace, deploymentRef.name);
          }
        }
        for (const pdb of this.store.list(PDBS, namespace) as PodDisruptionBudget[]) {
          const labels = object.metadata.labels;
          const before = event.previous?.metadata.labels;
          if (this.pdbSelects(pdb, labels) || (before && this.pdbSelects(pdb, before))) {
            this.enqueuePdb(namespace, pdb.metadata.name!);
          }
        }
        this.kubelet.observe(event);
        break;
      }
      case REPLICASETS: {
        if (event.type !== "DELETED") this.enqueueReplicaSet(namespace, object.metadata.name!);
        else this.collectGarbage(object, PODS);
        const owner = controllerOf(object);
        if (owner?.kind === "Deployment") this.enqueueDeployment(namespace, owner.name);
        break;
      }
      case DEPLOYMENTS: {
        if (event.type !== "DELETED") this.enqueueDeployment(namespace, object.metadata.name!);
        else this.collectGarbage(object, REPLICASETS);
        const replicasChanged =
          event.type !== "MODIFIED" ||
          (event.previous as Deployment).spec.replicas !== (object as Deployment).spec.replicas;
        if (replicasChanged) {
          for (const pdb of this.store.list(PDBS, namespace)) this.enqueuePdb(namespace, pdb.metadata.name!);
        }
        break;
      }
      case PDBS:
        if (event.type !== "DELETED") this.enqueuePdb(namespace, object.metadata.name!);
        break;
    }
    if (event.resource === PODS || event.resource === DEPLOYMENTS || event.resource === PDBS) {
      this.monitor.observe(event, this.currentCause());
    }
  }

  /** Whether a PDB selects pods with `labels` (an empty selector selects nothing, as the eviction code does). */
  pdbSelects(pdb: PodDisruptionBudget, labels: Record<string, string> | undefined): boolean {
    return !selectorIsEmpty(pdb.spec.selector) && selectorMatches(pdb.spec.selector, labels);
  }

  /** Background cascading deletion of the dependents of a deleted owner. */
  private collectGarbage(owner: KubeObject, dependents: string): void {
    const uid = owner.metadata.uid;
    this.timers.push(
      this.clock.setTimer(this.now(), () => {
        for (const object of this.store.list(dependents, owner.metadata.namespace)) {
          if (!(object.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
          if (dependents === PODS) this.deletePod(object as Pod, {});
          else this.store.remove(dependents, object.metadata.namespace, object.metadata.name!);
        }
      }),
    );
  }

  /** A fresh UID from the seeded stream. */
  newUid(): string {
    return this.random.uuid("uid");
  }

  /** A generated name: `prefix` plus five characters, as `generateName` makes them. */
  generateName(prefix: string): string {
    return prefix + this.random.string("names", 5, SAFE_ALPHABET);
  }

  /**
   * Stores a new object with the metadata the API server fills in (uid, creationTimestamp, generation, a
   * name from generateName). `createdAtMs` lets seeding put creation in the past.
   */
  createObject<T extends KubeObject>(type: ResourceType, object: T, createdAtMs = this.now()): T {
    const meta = object.metadata;
    if (!meta.name && meta.generateName) {
      let name = this.generateName(meta.generateName);
      while (this.store.get(type.storeKey, meta.namespace, name)) name = this.generateName(meta.generateName);
      meta.name = name;
    }
    const ordered: KubeObject["metadata"] = {
      name: meta.name,
      generateName: meta.generateName,
      namespace: meta.namespace,
      uid: this.newUid(),
      resourceVersion: undefined,
      generation: type.hasGeneration ? 1 : undefined,
      creationTimestamp: formatTime(createdAtMs),
    };
    for (const [k, v] of Object.entries(meta)) {
      if (!(k in ordered) && v !== undefined) ordered[k] = v;
    }
    for (const k of Object.keys(ordered)) if (ordered[k] === undefined) delete ordered[k];
    object.metadata = ordered;
    return this.store.create(type.storeKey, object) as T;
  }

  /** Records a core/v1 Event about `object`, as a controller's event recorder does. */
  recordEvent(
    object: KubeObject,
    type: "Normal" | "Warning",
    reason: string,
    message: string,
    component: string,
  ): void {
    if (!this.options.controllerEvents) return;
    const now = this.now();
    const name = `${object.metadata.name}.${(BigInt(now) * 1_000_000n + BigInt(++this.eventSeq)).toString(16)}`;
    const event: CoreEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace: object.metadata.namespace },
      involvedObject: {
        kind: object.kind,
        namespace: object.metadata.namespace,
        name: object.metadata.name,
        uid: object.metadata.uid,
        apiVersion: object.apiVersion,
        resourceVersion: object.metadata.resourceVersion,
      },
      reason,
      message,
      source: { component },
      firstTimestamp: formatTime(now),
      lastTimestamp: formatTime(now),
      count: 1,
      type,
      eventTime: null,
      reportingComponent: component,
      reportingInstance: "",
    };
    this.createObject(findResourceType("", "v1", "events")!, event);
  }

  /**
   * Deletes a pod as the API server does (pod strategy CheckGracefulDelete + BeforeDelete): unscheduled or
   * terminal pods and a zero grace period go at once; otherwise the pod gets deletionTimestamp and
   * deletionGracePeriodSeconds and the kubelet removes it when it has stopped. A pod already terminating
   * can only have its grace period shortened. Returns the pod as the response shows it.
   */
  deletePod(pod: Pod, options: { gracePeriodSeconds?: number; dryRun?: boolean }): Pod {
    let grace = options.gracePeriodSeconds ?? pod.spec.terminationGracePeriodSeconds ?? 30;
    if (!pod.spec.nodeName || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") grace = 0;
    if (grace < 0) grace = 1;
    const now = this.now();
    const next = clone(pod);
    if (isTerminating(pod)) {
      // Already terminating: only a shorter grace period changes anything.
      const current = pod.metadata.deletionGracePeriodSeconds ?? 0;
      if (current !== 0 && grace >= current) return pod;
      if (current !== 0 && grace !== 0) {
        const started = Date.parse(pod.metadata.deletionTimestamp!) - current * 1000;
        next.metadata.deletionTimestamp = formatTime(started + grace * 1000);
        next.metadata.deletionGracePeriodSeconds = grace;
        return options.dryRun ? next : (this.store.update(PODS, next) as Pod);
      }
      grace = 0;
    }
    if (grace === 0) {
      if (options.dryRun) return pod;
      return this.store.remove(PODS, pod.metadata.namespace, pod.metadata.name!) as Pod;
    }
    next.metadata.deletionTimestamp = formatTime(now + grace * 1000);
    next.metadata.deletionGracePeriodSeconds = grace;
    if (options.dryRun) return next;
    return this.store.update(PODS, next) as Pod;
  }

  /** Sets a Deployment's `spec.replicas` as an HPA (or `kubectl scale`) would. */
  setReplicas(namespace: string, name: string, replicas: number): Deployment {
    const d = this.store.get(DEPLOYMENTS, namespace, name) as Deployment | undefined;
    if (!d) throw status.notFound({ group: "apps", resource: "deployments" }, name);
    if (d.spec.replicas === replicas) return d;
    const next = clone(d);
    next.spec.replicas = replicas;
    next.metadata.generation = (d.metadata.generation ?? 1) + 1;
    return this.store.update(DEPLOYMENTS, next) as Deployment;
  }

  /** The Deployment that owns a pod through its ReplicaSet, if any. */
  deploymentOfPod(pod: KubeObject): Deployment | undefined {
    const rsRef = controllerOf(pod);
    if (rsRef?.kind !== "ReplicaSet") return undefined;
    const rs = this.store.get(REPLICASETS, pod.metadata.namespace, rsRef.name) as ReplicaSet | undefined;
    const dRef = rs && rs.metadata.uid === rsRef.uid ? controllerOf(rs) : undefined;
    if (dRef?.kind !== "Deployment") return undefined;
    const d = this.store.get(DEPLOYMENTS, pod.metadata.namespace, dRef.name) as Deployment | undefined;
    return d && d.metadata.uid === dRef.uid ? d : undefined;
  }

  /** The lifecycle of a pod: its Deployment's, or the default. */
  lifecycleOf(pod: Pod): Required<PodLifecycle> {
    const d = this.deploymentOfPod(pod);
    const own = d ? this.lifecycles.get(`${d.metadata.namespace}/${d.metadata.name}`) : undefined;
    return { ...this.options.defaultLifecycle, ...own };
  }

  /** A time stamp in MicroTime format, for Lease and events.k8s.io fields. */
  microNow(): string {
    return formatMicroTime(this.now());
  }
}
