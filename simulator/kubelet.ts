/**
 * The scheduler and the kubelets, reduced to timing: a new pod is bound to a node at once, runs after
 * `startupMs`, passes readiness `readyDelayMs` later, and when deleted gracefully stops after
 * `terminationMs` (at most its grace period) and is removed. Pod faults make a pod never pass readiness or
 * turn unready some time after Ready. Pods seeded as Running are left alone until they are deleted.
 */
import type { TimerHandle } from "./clock";
import type { ClusterContext } from "./context";
import { PODS } from "./keys";
import { fnv1a32 } from "./random";
import type { StoreEvent } from "./store";
import type { Condition, ContainerStatus, Pod } from "./types";
import { clone, formatTime } from "./types";

/** How the pods of a Deployment behave, in virtual milliseconds. */
export interface PodLifecycle {
  /**
   * From creation to Running (scheduling, image pull, container start).
   * @default 2000
   */
  readonly startupMs?: number;
  /**
   * From Running to Ready (the readiness probe passing).
   * @default 3000
   */
  readonly readyDelayMs?: number;
  /**
   * From deletion to removal: how long the containers take to stop (capped by the grace period).
   * @default 1000
   */
  readonly terminationMs?: number;
}

/** The conditions of a running pod, in the order the kubelet writes them. */
export function podConditions(
  readyAtMs: number | undefined,
  startedMs: number,
  scheduledMs: number,
  containers: string[],
): Condition[] {
  const ready = readyAtMs !== undefined;
  const notReady = {
    reason: "ContainersNotReady",
    message: `containers with unready status: [${containers.join(" ")}]`,
  };
  return [
    {
      type: "PodReadyToStartContainers",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: formatTime(startedMs),
    },
    { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: formatTime(scheduledMs) },
    ready
      ? { type: "Ready", status: "True", lastProbeTime: null, lastTransitionTime: formatTime(readyAtMs) }
      : {
          type: "Ready",
          status: "False",
          lastProbeTime: null,
          lastTransitionTime: formatTime(startedMs),
          ...notReady,
        },
    ready
      ? {
          type: "ContainersReady",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: formatTime(readyAtMs),
        }
      : {
          type: "ContainersReady",
          status: "False",
          lastProbeTime: null,
          lastTransitionTime: formatTime(startedMs),
          ...notReady,
        },
    {
      type: "PodScheduled",
      status: "True",
      lastProbeTime: null,
      lastTransitionTime: formatTime(scheduledMs),
    },
  ];
}

/** Container statuses of a running pod. */
export function containerStatuses(pod: Pod, ready: boolean, startedMs: number): ContainerStatus[] {
  return (pod.spec.containers ?? []).map((c, i) => ({
    name: c.name,
    state: { running: { startedAt: formatTime(startedMs) } },
    lastState: {},
    ready,
    restartCount: 0,
    image: c.image ?? "",
    imageID: `${c.image ?? ""}@sha256:${"0".repeat(64)}`,
    containerID: `containerd://${containerId(`${pod.metadata.namespace}/${pod.metadata.name}/${c.name}/${i}`)}`,
    started: true,
  }));
}

function containerId(seed: string): string {
  let out = "";
  for (let i = 0; out.length < 64; i++) out += fnv1a32(`${i}:${seed}`).toString(16).padStart(8, "0");
  return out;
}

interface PodState {
  timers: TimerHandle[];
  removal?: TimerHandle;
  removalGrace?: number;
}

/** What the scheduler and kubelets use of the cluster. */
export interface KubeletContext extends Pick<
  ClusterContext,
  "store" | "clock" | "faults" | "now" | "withCause" | "deploymentOfPod"
> {
  /** The lifecycle of a pod: its Deployment's, or the default. */
  lifecycleOf(pod: Pod): Required<PodLifecycle>;
}

/** The scheduler plus kubelets. */
export class Kubelet {
  private readonly pods = new Map<string, PodState>();
  private bound = 0;
  private readonly newPods = new Map<string, number>();

  constructor(
    private readonly cluster: KubeletContext,
    /** The nodes pods are bound to, in turn. */
    private readonly nodes: readonly string[],
  ) {}

  /** Stops every pending lifecycle step. */
  close(): void {
    for (const state of this.pods.values()) {
      for (const t of state.timers) this.cluster.clock.cancelTimer(t);
      this.cluster.clock.cancelTimer(state.removal);
    }
    this.pods.clear();
  }

  /** Reacts to a pod change: schedule a new pod's start, a deleted pod's removal. */
  observe(event: StoreEvent): void {
    const pod = event.object as Pod;
    const uid = pod.metadata.uid!;
    if (event.type === "DELETED") {
      const state = this.pods.get(uid);
      if (state) {
        for (const t of state.timers) this.cluster.clock.cancelTimer(t);
        this.cluster.clock.cancelTimer(state.removal);
        this.pods.delete(uid);
      }
      return;
    }
    let state = this.pods.get(uid);
    if (!state) this.pods.set(uid, (state = { timers: [] }));
    if (event.type === "ADDED" && !pod.spec.nodeName && !pod.metadata.deletionTimestamp)
      this.start(pod, state);
    if (pod.metadata.deletionTimestamp && state.removalGrace !== pod.metadata.deletionGracePeriodSeconds) {
      this.terminate(pod, state);
    }
  }

  private at(delayMs: number, fn: () => void, state: PodState): void {
    state.timers.push(this.cluster.clock.setTimer(this.cluster.now() + delayMs, fn));
  }

  /** Writes a new version of a pod, if it still exists and is not terminating. */
  private mutate(namespace: string, name: string, uid: string, change: (pod: Pod) => void): void {
    const current = this.cluster.store.get(PODS, namespace, name) as Pod | undefined;
    if (!current || current.metadata.uid !== uid || current.metadata.deletionTimestamp) return;
    const next = clone(current);
    change(next);
    this.cluster.store.update(PODS, next);
  }

  private start(pod: Pod, state: PodState): void {
    const cluster = this.cluster;
    const { namespace, name, uid } = pod.metadata as { namespace: string; name: string; uid: string };
    const lifecycle = cluster.lifecycleOf(pod);
    const deployment = cluster.deploymentOfPod(pod);
    let faults: { neverReady: boolean; unreadyAfterMs?: number } = { neverReady: false };
    if (deployment) {
      const key = `${namespace}/${deployment.metadata.name}`;
      const ordinal = (this.newPods.get(key) ?? 0) + 1;
      this.newPods.set(key, ordinal);
      faults = cluster.faults.podFaults(namespace, deployment.metadata.name!, ordinal, cluster.now());
    }
    const nodes = this.nodes;
    const node = nodes[this.bound++ % nodes.length];
    const podIP = `10.244.${Math.floor(this.bound / 250) % 250}.${(this.bound % 250) + 2}`;
    const scheduledMs = cluster.now();
    const containers = (pod.spec.containers ?? []).map((c) => c.name);
    const cause = { text: `kubelet: pod ${name} lifecycle`, voluntary: false };
    this.at(
      0,
      () =>
        cluster.withCause(cause, () =>
          this.mutate(namespace, name, uid, (p) => {
            p.spec.nodeName = node;
            p.status = {
              phase: "Pending",
              conditions: [
                {
                  type: "PodScheduled",
                  status: "True",
                  lastProbeTime: null,
                  lastTransitionTime: formatTime(scheduledMs),
                },
              ],
              qosClass: p.status.qosClass ?? "BestEffort",
            };
          }),
        ),
      state,
    );
    const running = (readyAt: number | undefined) => (p: Pod) => {
      const startedMs = scheduledMs + lifecycle.startupMs;
      p.status = {
        phase: "Running",
        conditions: podConditions(readyAt, startedMs, scheduledMs, containers),
        hostIP: `192.168.0.${nodes.indexOf(node) + 10}`,
        hostIPs: [{ ip: `192.168.0.${nodes.indexOf(node) + 10}` }],
        podIP,
        podIPs: [{ ip: podIP }],
        startTime: formatTime(scheduledMs),
        containerStatuses: containerStatuses(p, readyAt !== undefined, startedMs),
        qosClass: p.status.qosClass ?? "BestEffort",
      };
    };
    const readyAt = scheduledMs + lifecycle.startupMs + lifecycle.readyDelayMs;
    if (lifecycle.readyDelayMs === 0 && !faults.neverReady) {
      this.at(
        lifecycle.startupMs,
        () => cluster.withCause(cause, () => this.mutate(namespace, name, uid, running(readyAt))),
        state,
      );
    } else {
      this.at(
        lifecycle.startupMs,
        () => cluster.withCause(cause, () => this.mutate(namespace, name, uid, running(undefined))),
        state,
      );
      if (!faults.neverReady) {
        this.at(
          lifecycle.startupMs + lifecycle.readyDelayMs,
          () => cluster.withCause(cause, () => this.mutate(namespace, name, uid, running(readyAt))),
          state,
        );
      }
    }
    if (!faults.neverReady && faults.unreadyAfterMs !== undefined) {
      const unreadyAt = lifecycle.startupMs + lifecycle.readyDelayMs + faults.unreadyAfterMs;
      this.at(
        unreadyAt,
        () =>
          cluster.withCause({ text: `pod ${name} turned unready (fault)`, voluntary: false }, () =>
            this.mutate(namespace, name, uid, (p) => setReady(p, false, scheduledMs + unreadyAt)),
          ),
        state,
      );
    }
  }

  private terminate(pod: Pod, state: PodState): void {
    const cluster = this.cluster;
    for (const t of state.timers) cluster.clock.cancelTimer(t);
    state.timers = [];
    cluster.clock.cancelTimer(state.removal);
    const grace = pod.metadata.deletionGracePeriodSeconds ?? 0;
    state.removalGrace = grace;
    const deadline = Date.parse(pod.metadata.deletionTimestamp!);
    const stopAt = Math.min(
      cluster.now() + cluster.lifecycleOf(pod).terminationMs,
      Math.max(cluster.now(), deadline),
    );
    const { namespace, name, uid } = pod.metadata as { namespace: string; name: string; uid: string };
    state.removal = cluster.clock.setTimer(stopAt, () =>
      cluster.withCause({ text: `kubelet: pod ${name} stopped`, voluntary: false }, () => {
        const current = cluster.store.get(PODS, namespace, name);
        if (current?.metadata.uid === uid) cluster.store.remove(PODS, namespace, name);
      }),
    );
  }
}

/** Sets a pod's readiness (Ready and ContainersReady conditions, container statuses). */
export function setReady(pod: Pod, ready: boolean, atMs: number): void {
  const containers = (pod.spec.containers ?? []).map((c) => c.name);
  for (const c of pod.status.conditions ?? []) {
    if (c.type !== "Ready" && c.type !== "ContainersReady") continue;
    const status = ready ? "True" : "False";
    if (c.status !== status) c.lastTransitionTime = formatTime(atMs);
    c.status = status;
    if (ready) {
      delete c.reason;
      delete c.message;
    } else {
      c.reason = "ContainersNotReady";
      c.message = `containers with unready status: [${containers.join(" ")}]`;
    }
  }
  for (const s of pod.status.containerStatuses ?? []) s.ready = ready;
}
