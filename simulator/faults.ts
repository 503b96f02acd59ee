/**
 * Fault injection, as plain data (so a property-based test can generate it) and the seeded decisions that
 * apply it. Times (`atMs`, `fromMs`, `untilMs`) are virtual milliseconds after the simulator started.
 */
import type { RandomStreams } from "./random";
import type { RequestInfo } from "./resources";

/** Which requests a fault applies to; every field set must match. */
export interface RequestMatch {
  /** RBAC verb(s): get, list, watch, create, update, patch, delete. */
  readonly verb?: string | readonly string[];
  /** Resource (plural), e.g. `pods`. */
  readonly resource?: string;
  /** Subresource, e.g. `eviction`; `""` means the main resource only; unset means any. */
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** A fault on API requests. */
export interface RequestFault {
  readonly match?: RequestMatch;
  /**
   * `error`: answer with a 5xx Status (etcd trouble, a webhook failing); `throttle`: 429 with Retry-After and
   * the plain-text body API Priority and Fairness sends; `hang`: hold the request open (the client's timeout
   * fires), optionally answering normally after `releaseAfterMs`.
   */
  readonly kind: "error" | "throttle" | "hang";
  /**
   * HTTP status of an `error`.
   * @default 500
   */
  readonly code?: 500 | 502 | 503 | 504;
  /**
   * Retry-After of a `throttle`, in seconds.
   * @default 1
   */
  readonly retryAfterSeconds?: number;
  /** For `hang`: answer normally after this many virtual ms (unset: never, until the client gives up). */
  readonly releaseAfterMs?: number;
  /**
   * Probability that a matching request is hit.
   * @default 1
   */
  readonly rate?: number;
  /** The first `skip` matching requests are left alone. */
  readonly skip?: number;
  /** The fault fires at most `count` times. */
  readonly count?: number;
  /** Active from this time on. */
  readonly fromMs?: number;
  /** Active before this time. */
  readonly untilMs?: number;
}

/** Drops watch streams mid-way. */
export interface WatchDropFault {
  readonly match?: { readonly resource?: string; readonly namespace?: string };
  /** Drop a stream instead of writing its n-th event (1 = the first, initial events included). */
  readonly afterEvents?: number;
  /** Probability, per event about to be written, that the stream is dropped instead. */
  readonly rate?: number;
  /** At this time every open matching watch is dropped. */
  readonly atMs?: number;
  /**
   * `close` ends the chunked response cleanly (as a server-side timeout does); `reset` destroys the connection.
   * @default "close"
   */
  readonly mode?: "close" | "reset";
  /** The fault fires at most `count` times. */
  readonly count?: number;
}

/** A fault in the pods of one Deployment. Only pods created after the simulator started are affected. */
export interface PodFault {
  readonly namespace?: string;
  readonly deployment: string;
  /** `never-ready`: the pod runs but never passes readiness; `unready-after`: it turns unready `afterReadyMs` after Ready. */
  readonly kind: "never-ready" | "unready-after";
  /** Which new pods of the Deployment (1 = the first created after start); unset: every new pod with `rate`. */
  readonly pods?: readonly number[];
  /**
   * Probability per new pod when `pods` is unset.
   * @default 1
   */
  readonly rate?: number;
  /**
   * For `unready-after`: virtual ms between Ready and unready.
   * @default 0
   */
  readonly afterReadyMs?: number;
}

/** An HPA-like change of `spec.replicas` at a given time. */
export interface ScaleFault {
  readonly atMs: number;
  readonly namespace?: string;
  readonly deployment: string;
  readonly replicas: number;
}

/** The disruption controller lags by `delayMs` (instead of the configured sync delay) in a time window. */
export interface PdbLagFault {
  readonly delayMs: number;
  readonly fromMs?: number;
  readonly untilMs?: number;
}

/** Every fault of a scenario. */
export interface FaultPlan {
  readonly requests?: readonly RequestFault[];
  readonly watchDrops?: readonly WatchDropFault[];
  readonly pods?: readonly PodFault[];
  readonly scale?: readonly ScaleFault[];
  readonly pdbLag?: readonly PdbLagFault[];
}

/** A fault that fired. */
export interface FaultRecord {
  readonly atMs: number;
  readonly kind: string;
  readonly detail: string;
}

function inWindow(elapsed: number, from: number | undefined, until: number | undefined): boolean {
  return (from === undefined || elapsed >= from) && (until === undefined || elapsed < until);
}

function verbMatches(want: string | readonly string[] | undefined, verb: string): boolean {
  if (want === undefined) return true;
  return typeof want === "string" ? want === verb : want.includes(verb);
}

/** Applies a {@link FaultPlan} with seeded decisions. */
export class FaultInjector {
  private readonly requestSeen: number[];
  private readonly requestFired: number[];
  private readonly dropFired: number[];
  readonly fired: FaultRecord[] = [];

  constructor(
    readonly plan: FaultPlan,
    private readonly random: RandomStreams,
    private readonly startMs: number,
  ) {
    this.requestSeen = (plan.requests ?? []).map(() => 0);
    this.requestFired = (plan.requests ?? []).map(() => 0);
    this.dropFired = (plan.watchDrops ?? []).map(() => 0);
  }

  /** The first request fault that hits this request, if any. */
  requestFault(info: RequestInfo, nowMs: number): RequestFault | undefined {
    const elapsed = nowMs - this.startMs;
    const faults = this.plan.requests ?? [];
    for (let i = 0; i < faults.length; i++) {
      const f = faults[i];
      const m = f.match ?? {};
      if (!verbMatches(m.verb, info.verb)) continue;
      if (m.resource !== undefined && m.resource !== info.resource) continue;
      if (m.subresource !== undefined && m.subresource !== info.subresource) continue;
      if (m.namespace !== undefined && m.namespace !== info.namespace) continue;
      if (m.name !== undefined && m.name !== info.name) continue;
      if (!inWindow(elapsed, f.fromMs, f.untilMs)) continue;
      const seen = ++this.requestSeen[i];
      if (seen <= (f.skip ?? 0)) continue;
      if (f.count !== undefined && this.requestFired[i] >= f.count) continue;
      if (this.random.next(`fault:request:${i}`) >= (f.rate ?? 1)) continue;
      this.requestFired[i]++;
      const what = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
      this.fired.push({
        atMs: nowMs,
        kind: f.kind,
        detail: `${info.verb} ${what} ${info.namespace ?? ""}/${info.name}`,
      });
      return f;
    }
    return undefined;
  }

  /** Whether a watch stream must be dropped instead of writing its `eventNumber`-th event. */
  dropBeforeEvent(
    resource: string,
    namespace: string | undefined,
    eventNumber: number,
    nowMs: number,
  ): "close" | "reset" | undefined {
    const drops = this.plan.watchDrops ?? [];
    for (let i = 0; i < drops.length; i++) {
      const d = drops[i];
      if (d.atMs !== undefined && d.afterEvents === undefined && d.rate === undefined) continue;
      if (!this.dropMatches(d, resource, namespace)) continue;
      if (d.count !== undefined && this.dropFired[i] >= d.count) continue;
      const hit =
        (d.afterEvents !== undefined && eventNumber === d.afterEvents) ||
        (d.rate !== undefined && this.random.next(`fault:watch:${i}`) < d.rate);
      if (!hit) continue;
      this.dropFired[i]++;
      this.fired.push({
        atMs: nowMs,
        kind: "watch-drop",
        detail: `${resource} ${namespace ?? "*"} before event ${eventNumber}`,
      });
      return d.mode ?? "close";
    }
    return undefined;
  }

  /** Whether drop fault `d` applies to a stream. */
  dropMatches(d: WatchDropFault, resource: string, namespace: string | undefined): boolean {
    return (
      (d.match?.resource === undefined || d.match.resource === resource) &&
      (d.match?.namespace === undefined || d.match.namespace === namespace)
    );
  }

  /** Notes that timed drop fault `index` fired on a stream. */
  timedDropFired(index: number, resource: string, nowMs: number): boolean {
    const d = (this.plan.watchDrops ?? [])[index];
    if (d.count !== undefined && this.dropFired[index] >= d.count) return false;
    this.dropFired[index]++;
    this.fired.push({ atMs: nowMs, kind: "watch-drop", detail: `${resource} at ${d.atMs} ms` });
    return true;
  }

  /** The faults of the `ordinal`-th new pod of a Deployment. */
  podFaults(
    namespace: string,
    deployment: string,
    ordinal: number,
    nowMs: number,
  ): { neverReady: boolean; unreadyAfterMs?: number } {
    let neverReady = false;
    let unreadyAfterMs: number | undefined;
    (this.plan.pods ?? []).forEach((f, i) => {
      if (f.deployment !== deployment || (f.namespace !== undefined && f.namespace !== namespace)) return;
      const hit = f.pods ? f.pods.includes(ordinal) : this.random.next(`fault:pod:${i}`) < (f.rate ?? 1);
      if (!hit) return;
      this.fired.push({ atMs: nowMs, kind: f.kind, detail: `${namespace}/${deployment} pod #${ordinal}` });
      if (f.kind === "never-ready") neverReady = true;
      else unreadyAfterMs = f.afterReadyMs ?? 0;
    });
    return { neverReady, unreadyAfterMs };
  }

  /** The disruption controller's delay at `nowMs`: a lag fault's, or `normalMs`. */
  pdbDelay(nowMs: number, normalMs: number): number {
    const elapsed = nowMs - this.startMs;
    const lag = (this.plan.pdbLag ?? []).find((l) => inWindow(elapsed, l.fromMs, l.untilMs));
    return lag ? lag.delayMs : normalMs;
  }
}
