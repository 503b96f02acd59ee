/**
 * An independent watch on one app while the recycler works: the Deployment's own count of available pods
 * (`status.availableReplicas`, Ready for minReadySeconds) against its replicas, and the app's pods (how many
 * are terminating or marked for disruption at once). It measures what zero downtime means; it never acts.
 */
import { e2e } from "./context";

interface DeploymentLike {
  metadata: { resourceVersion: string; name: string };
  spec: { replicas?: number };
  status?: { availableReplicas?: number };
}
interface PodLike {
  metadata: { name: string; resourceVersion: string; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string }[] };
}

export interface Availability {
  /** Fewest available pods seen (the Deployment's count). */
  readonly minAvailable: number;
  /** Most pods terminating at the same time. */
  readonly maxTerminating: number;
  /** Each stretch of time with fewer available pods than replicas, in ms. */
  readonly belowReplicasMs: readonly number[];
  readonly samples: number;
}

export class AvailabilityObserver {
  private replicas = 0;
  private available = 0;
  private readonly terminating = new Set<string>();
  private minAvailable = Number.POSITIVE_INFINITY;
  private maxTerminating = 0;
  private belowSince: number | undefined;
  private readonly below: number[] = [];
  private samples = 0;
  private readonly stops: (() => void)[] = [];
  private readonly errors: string[] = [];

  private constructor(
    private readonly ns: string,
    private readonly deployment: string,
  ) {}

  /** Lists, then watches from the listed resourceVersion, so no change between the two is missed. */
  static async start(ns: string, deployment: string, podSelector: string): Promise<AvailabilityObserver> {
    const o = new AvailabilityObserver(ns, deployment);
    const { admin } = e2e();
    const dPath = `/apis/apps/v1/namespaces/${ns}/deployments?fieldSelector=metadata.name=${deployment}`;
    const dList = await admin.get<{ metadata: { resourceVersion: string }; items: DeploymentLike[] }>(dPath);
    for (const d of dList.items) o.onDeployment(d);
    const pPath = `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(podSelector)}`;
    const pList = await admin.get<{ metadata: { resourceVersion: string }; items: PodLike[] }>(pPath);
    for (const p of pList.items) o.onPod("ADDED", p);
    const w1 = admin.watch<DeploymentLike>(
      dPath,
      dList.metadata.resourceVersion,
      (e) => {
        if (e.type !== "BOOKMARK" && e.type !== "ERROR") o.onDeployment(e.object);
      },
      (why) => o.errors.push(`deployment watch: ${why}`),
    );
    const w2 = admin.watch<PodLike>(
      pPath,
      pList.metadata.resourceVersion,
      (e) => {
        if (e.type !== "BOOKMARK" && e.type !== "ERROR") o.onPod(e.type, e.object);
      },
      (why) => o.errors.push(`pod watch: ${why}`),
    );
    o.stops.push(w1.stop, w2.stop);
    return o;
  }

  private onDeployment(d: DeploymentLike): void {
    this.replicas = d.spec.replicas ?? 1;
    this.available = d.status?.availableReplicas ?? 0;
    this.sample();
  }

  private onPod(type: string, p: PodLike): void {
    if (type === "DELETED") this.terminating.delete(p.metadata.name);
    else if (p.metadata.deletionTimestamp) this.terminating.add(p.metadata.name);
    this.sample();
  }

  private sample(): void {
    const now = Date.now();
    this.samples++;
    this.minAvailable = Math.min(this.minAvailable, this.available);
    this.maxTerminating = Math.max(this.maxTerminating, this.terminating.size);
    const below = this.available < this.replicas;
    if (below && this.belowSince === undefined) this.belowSince = now;
    if (!below && this.belowSince !== undefined) {
      this.below.push(now - this.belowSince);
      this.belowSince = undefined;
    }
  }

  /** Stops watching and returns what was seen; fails if a watch broke (a gap in what was observed). */
  stop(): Availability {
    for (const s of this.stops) s();
    if (this.errors.length > 0)
      throw new Error(`observer of ${this.ns}/${this.deployment}: ${this.errors.join("; ")}`);
    if (this.belowSince !== undefined) this.below.push(Date.now() - this.belowSince);
    return {
      minAvailable: this.minAvailable,
      maxTerminating: this.maxTerminating,
      belowReplicasMs: this.below,
      samples: this.samples,
    };
  }
}
