/**
 * One run at a time per app: a `coordination.k8s.io/v1` Lease, usually pre-created by the PodRecycler component,
 * taken with get + update (optimistic concurrency on resourceVersion, so two runs that race both read the free
 * Lease but only one update wins with 200; the other gets 409), renewed when half expired, released at the end.
 * A CronJob may start a run twice (`concurrencyPolicy` aside, a DST fall-back or a manual `kubectl create job`),
 * so the Lease, not the schedule, is what keeps runs apart.
 */
import type { Clock } from "./clock";
import { classifyFailure } from "./errors";
import type { KubeClient } from "./kube-client";
import { formatMicroTime, parseTime, type Lease } from "./types";

export type LeaseState =
  { readonly held: false } | { readonly held: true; readonly holder: string; readonly expiresAt: number };

/** Who holds `lease` at `now`, by its renewTime + leaseDurationSeconds; an empty holder is free. */
export function leaseState(lease: Lease | undefined, now: number): LeaseState {
  const holder = lease?.spec?.holderIdentity;
  if (!holder) return { held: false };
  const renewed = parseTime(lease?.spec?.renewTime ?? lease?.spec?.acquireTime);
  const duration = (lease?.spec?.leaseDurationSeconds ?? 0) * 1000;
  if (Number.isNaN(renewed)) return { held: false };
  const expiresAt = renewed + duration;
  return expiresAt > now ? { held: true, holder, expiresAt } : { held: false };
}

export type AcquireResult =
  | { readonly acquired: true; readonly created: boolean }
  | {
      readonly acquired: false;
      readonly holder: string;
      readonly expiresAt?: number;
      readonly reason: string;
    };

export class LeaseLock {
  private lease: Lease | undefined;
  /** Until when we may act as holder: the time we sent the last successful write plus the duration. */
  private validUntil = 0;
  private renewedAt = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly clock: Clock,
    readonly namespace: string,
    readonly name: string,
    readonly identity: string,
    readonly durationSeconds: number,
  ) {}

  private get path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases/${this.name}`;
  }

  /** Reads the Lease without changing it (dry runs). */
  async peek(): Promise<LeaseState> {
    try {
      const lease = await this.client.request<Lease>("GET", this.path);
      return leaseState(lease, this.clock.now());
    } catch (error) {
      if (classifyFailure(error).kind === "not-found") return { held: false };
      throw error;
    }
  }

  /** Takes the Lease if it is free or expired; creates it only when it does not exist. */
  async acquire(): Promise<AcquireResult> {
    let current: Lease | undefined;
    try {
      current = await this.client.request<Lease>("GET", this.path);
    } catch (error) {
      if (classifyFailure(error).kind !== "not-found") throw error;
    }
    const sentAt = this.clock.now();
    if (!current) {
      try {
        this.lease = await this.client.request<Lease>(
          "POST",
          `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`,
          { body: this.body(undefined, sentAt, true) },
        );
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === "conflict") {
          return {
            acquired: false,
            holder: "another run",
            reason: `Lease ${this.name} was created by another run at the same time`,
          };
        }
        if (failure.kind === "forbidden") {
          throw new Error(
            `Lease ${this.name} does not exist and the recycler may not create it; create it (the PodRecycler component does) or pass --lease`,
            { cause: error },
          );
        }
        throw error;
      }
      this.validUntil = sentAt + this.durationSeconds * 1000;
      this.renewedAt = sentAt;
      return { acquired: true, created: true };
    }
    const state = leaseState(current, sentAt);
    if (state.held && state.holder !== this.identity) {
      return {
        acquired: false,
        holder: state.holder,
        expiresAt: state.expiresAt,
        reason: `Lease ${this.name} is held by ${state.holder} until ${new Date(state.expiresAt).toISOString()}: another run is in progress`,
      };
    }
    try {
      this.lease = await this.client.request<Lease>("PUT", this.path, {
        body: this.body(current, sentAt, true),
      });
    } catch (error) {
      if (classifyFailure(error).kind === "conflict") {
        return {
          acquired: false,
          holder: "another run",
          reason: `Lease ${this.name} was taken by another run at the same time`,
        };
      }
      throw error;
    }
    this.validUntil = sentAt + this.durationSeconds * 1000;
    this.renewedAt = sentAt;
    return { acquired: true, created: false };
  }

  /** How long we may still act as holder, in ms (0 when the lease is lost or expired). */
  remaining(): number {
    return this.lease ? Math.max(0, this.validUntil - this.clock.now()) : 0;
  }

  /** When the next renewal is due (half the duration after the last one). */
  renewDueAt(): number {
    return this.renewedAt + (this.durationSeconds * 1000) / 2;
  }

  /** Renews when half expired. Returns false when the Lease was lost (someone else changed it). */
  async renewIfDue(): Promise<boolean> {
    if (!this.lease) return false;
    if (this.clock.now() < this.renewDueAt()) return true;
    const sentAt = this.clock.now();
    try {
      this.lease = await this.client.request<Lease>("PUT", this.path, {
        body: this.body(this.lease, sentAt, false),
      });
    } catch (error) {
      if (classifyFailure(error).kind === "conflict" || classifyFailure(error).kind === "not-found") {
        this.lease = undefined;
        this.validUntil = 0;
        return false;
      }
      throw error;
    }
    this.validUntil = sentAt + this.durationSeconds * 1000;
    this.renewedAt = sentAt;
    return true;
  }

  /**
   * Gives the Lease up so the next run need not wait for it to expire, setting `annotations` on it in the same
   * write (the run's report). Best effort.
   */
  async release(annotations: Readonly<Record<string, string>> = {}): Promise<void> {
    if (!this.lease) return;
    const lease = this.lease;
    this.lease = undefined;
    this.validUntil = 0;
    const spec = { ...lease.spec, renewTime: formatMicroTime(this.clock.now()) } as Record<string, unknown>;
    delete spec.holderIdentity;
    const metadata = { ...lease.metadata, annotations: { ...lease.metadata?.annotations, ...annotations } };
    await this.client.request<Lease>("PUT", this.path, { body: { ...lease, metadata, spec } });
  }

  private body(current: Lease | undefined, now: number, acquiring: boolean): Lease {
    const time = formatMicroTime(now);
    const previousHolder = current?.spec?.holderIdentity;
    const transitions = current?.spec?.leaseTransitions ?? 0;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: current?.metadata ?? { name: this.name, namespace: this.namespace },
      spec: {
        ...current?.spec,
        holderIdentity: this.identity,
        leaseDurationSeconds: this.durationSeconds,
        acquireTime: acquiring ? time : (current?.spec?.acquireTime ?? time),
        renewTime: time,
        leaseTransitions:
          acquiring && previousHolder && previousHolder !== this.identity ? transitions + 1 : transitions,
      },
    };
  }
}
