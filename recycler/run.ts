/**
 * One recycler run: observe, decide, act, wait. The run keeps one watch each on the Deployment (by name), its pods
 * and the namespace's PodDisruptionBudgets for its whole life, and holds the Lease that keeps runs apart. Each turn
 * it takes a snapshot of what the watches hold, asks `decide` (`./decide.ts`, pure) for the next step, carries it
 * out through `./effects/` (evict, restart, Events, the `rotor.dev/last-run` report) and, to wait, sleeps on the
 * Clock until a watch event wakes it or a bound passes. Waiting costs no polling; everything that takes time goes
 * through the Clock, so the same code runs on a virtual clock.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { systemClock, type Clock } from "./clock";
import type { Connection } from "./connection";
import {
  afterEviction,
  afterRestart,
  checkDeployment,
  decide,
  halted,
  initialProgress,
  recheckEviction,
  type Decision,
  type Note,
  type Progress,
  type Recheck,
  type Snapshot,
  type Stop,
} from "./decide";
import { formatDuration } from "../contract/duration";
import { selectorToQuery } from "../contract/label-selector";
import { EventRecorder } from "./effects/events";
import { evictPod } from "./effects/evict";
import { reportAndRelease } from "./effects/last-run";
import { restartDeployment } from "./effects/restart";
import { describeError } from "./errors";
import { KubeClient, type RetryPolicy } from "./kube-client";
import { LeaseLock } from "./lease";
import type { Self } from "./plan";
import { exitCodeFor, type LogEntry, type LogLevel, type RecyclerReport } from "./report";
import type { RecyclerSettings } from "./settings";
import {
  formatTime,
  parseTime,
  type Deployment,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
} from "./types";
import { ChangeSignal, WatchCache } from "./watch-cache";

export { describeError } from "./errors";

export interface RecyclerDeps {
  /** @default systemClock */
  readonly clock?: Clock;
  /** A ready client; or `connection`, from which the run builds (and closes) its own. */
  readonly client?: KubeClient;
  readonly connection?: Connection;
  /** Receives one entry per step. @default no logging */
  readonly log?: (entry: LogEntry) => void;
  /** Lease holder identity. @default `<pod name or hostname>-<random>` */
  readonly identity?: string;
  /** The recycler's own pod, never rotated. */
  readonly self?: Self;
  /** Bound of one API request. @default 30s */
  readonly requestTimeoutMs?: number;
  readonly retry?: RetryPolicy;
}

/** Lease duration for a run: every rotation's ready timeout plus slack, between 2 minutes and an hour; renewed at half. */
export function leaseDurationSeconds(
  settings: Pick<RecyclerSettings, "maxRotations" | "readyTimeoutMs">,
): number {
  const ms = settings.maxRotations * settings.readyTimeoutMs + 120_000;
  return Math.min(3600, Math.max(120, Math.ceil(ms / 1000)));
}

/** Runs the recycler once and returns its report; never throws for API trouble (that is result `failed`). */
export async function runRecycler(
  settings: RecyclerSettings,
  deps: RecyclerDeps = {},
): Promise<RecyclerReport> {
  return new Run(settings, deps).execute();
}

/** The watches of a run once the Deployment's selector is known, and the snapshot they give. */
class Watches {
  readonly pods: WatchCache<Pod>;
  readonly pdbs: WatchCache<PodDisruptionBudget>;

  constructor(
    client: KubeClient,
    namespace: string,
    labelSelector: string,
    readonly deployments: WatchCache<Deployment>,
    private readonly replicaSets: readonly ReplicaSet[],
    changes: ChangeSignal,
    log: (msg: string, fields: Record<string, unknown>) => void,
    /** A dry run lists once and never watches. */
    private readonly listOnly: boolean,
  ) {
    this.pods = new WatchCache<Pod>(
      client,
      `/api/v1/namespaces/${namespace}/pods`,
      { labelSelector },
      changes,
      log,
    );
    this.pdbs = new WatchCache<PodDisruptionBudget>(
      client,
      `/apis/policy/v1/namespaces/${namespace}/poddisruptionbudgets`,
      {},
      changes,
      log,
    );
  }

  private get all(): WatchCache<Deployment | Pod | PodDisruptionBudget>[] {
    return [this.deployments, this.pods, this.pdbs];
  }

  /** Lists pods and budgets, and opens every watch unless listing only. */
  async open(): Promise<void> {
    if (this.listOnly) {
      await this.pods.list();
      await this.pdbs.list();
      return;
    }
    for (const cache of this.all) await cache.ensure();
  }

  /** Re-opens dropped watches (re-listing after a 410 or a broken stream). */
  async ensure(): Promise<void> {
    if (this.listOnly) return;
    for (const cache of this.all) if (!cache.watching) await cache.ensure();
  }

  get anyDown(): boolean {
    return !this.listOnly && this.all.some((c) => !c.watching);
  }

  snapshot(name: string, now: number): Snapshot {
    return {
      deployment: this.deployments.items.get(name),
      replicaSets: this.replicaSets,
      pods: this.pods.items,
      pdbs: [...this.pdbs.items.values()],
      now,
    };
  }

  close(): void {
    this.pods.close();
    this.pdbs.close();
  }
}

class Run {
  private readonly clock: Clock;
  private readonly client: KubeClient;
  private readonly ownsClient: boolean;
  private readonly identity: string;
  private readonly changes = new ChangeSignal();
  private readonly started: number;
  private readonly ns: string;
  private readonly name: string;
  private readonly deployments: WatchCache<Deployment>;
  private readonly events: EventRecorder;
  /** Held (not in dry runs) from acquisition until the run ends or loses it. */
  private lease: LeaseLock | undefined;
  private watches: Watches | undefined;
  private progress: Progress;
  private deploymentFound = false;

  constructor(
    private readonly settings: RecyclerSettings,
    private readonly deps: RecyclerDeps,
  ) {
    this.clock = deps.clock ?? systemClock;
    if (deps.client) {
      this.client = deps.client;
      this.ownsClient = false;
    } else if (deps.connection) {
      this.client = new KubeClient(deps.connection, this.clock, {
        ...(deps.requestTimeoutMs !== undefined ? { requestTimeoutMs: deps.requestTimeoutMs } : {}),
        ...(deps.retry ? { retry: deps.retry } : {}),
      });
      this.ownsClient = true;
    } else {
      throw new Error("runRecycler needs a client or a connection");
    }
    this.identity = deps.identity ?? `${deps.self?.podName ?? hostname()}-${randomBytes(4).toString("hex")}`;
    this.started = this.clock.now();
    this.ns = settings.namespace;
    this.name = settings.deployment;
    this.progress = initialProgress(settings);
    this.deployments = new WatchCache<Deployment>(
      this.client,
      `/apis/apps/v1/namespaces/${this.ns}/deployments`,
      { fieldSelector: `metadata.name=${this.name}` },
      this.changes,
      (msg, f) => this.log("debug", msg, f),
    );
    this.events = new EventRecorder(this.client, this.clock, this.ns, this.name, this.identity, (l, m, f) =>
      this.log(l, m, f),
    );
    this.client.onRetry = (what, attempt, delayMs, failure) =>
      this.log("warn", "retrying API request", {
        request: what,
        attempt,
        delayMs,
        failure: failure.kind,
        error: failure.message,
      });
  }

  private log(level: LogLevel, msg: string, fields: Readonly<Record<string, unknown>> = {}): void {
    this.deps.log?.({
      time: new Date(this.clock.now()).toISOString(),
      level,
      msg,
      namespace: this.ns,
      deployment: this.name,
      ...fields,
    });
  }

  private logNotes(notes: readonly Note[]): void {
    for (const n of notes) this.log(n.level, n.msg, n.fields);
  }

  async execute(): Promise<RecyclerReport> {
    const requestsBefore = this.client.requests;
    this.log("info", "run started", {
      identity: this.identity,
      strategy: this.settings.strategy,
      maxAge: formatDuration(this.settings.maxAgeMs),
      jitter: formatDuration(this.settings.jitterMs),
      maxRotations: this.settings.maxRotations,
      dryRun: this.settings.dryRun,
    });
    let outcome: Stop;
    try {
      outcome = await this.body();
    } catch (error) {
      outcome = { kind: "stop", result: "failed", reason: describeError(error) };
    }
    this.deployments.close();
    this.watches?.close();
    const p = this.progress;
    // Only a run that holds the Lease reports: one that found it held, or lost it, leaves nothing behind.
    if (!this.settings.dryRun && this.deploymentFound && this.lease) {
      await reportAndRelease(
        { result: outcome.result, reason: outcome.reason, rotated: p.rotations.map((r) => r.pod) },
        {
          lease: this.lease,
          events: this.events,
          clock: this.clock,
          deploymentUid: this.deployment?.metadata?.uid,
          log: (l, m, f) => this.log(l, m, f),
        },
      );
    }
    const finished = this.clock.now();
    const report: RecyclerReport = {
      result: outcome.result,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(outcome.wouldBe ? { wouldBe: outcome.wouldBe } : {}),
      rotated: p.rotations.map((r) => r.pod),
      rotations: p.rotations,
      ...(p.plan ? { plan: p.plan } : {}),
      ...(p.deferred !== undefined ? { deferred: p.deferred } : {}),
      strategy: p.strategy,
      namespace: this.ns,
      deployment: this.name,
      identity: this.identity,
      requests: this.client.requests - requestsBefore,
      startedAt: new Date(this.started).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: finished - this.started,
      exitCode: exitCodeFor(outcome.result),
    };
    this.log(outcome.result === "failed" ? "error" : "info", "run finished", {
      result: report.result,
      reason: report.reason,
      rotated: report.rotated.join(",") || undefined,
      requests: report.requests,
      durationMs: report.durationMs,
    });
    if (this.ownsClient) this.client.close();
    return report;
  }

  private get deployment(): Deployment | undefined {
    return this.deployments.items.get(this.name);
  }

  /** Takes the result of a halt: the progress it implies, and its stop. */
  private conclude(step: { progress: Progress; decision: Decision }): Stop {
    this.progress = step.progress;
    const d = step.decision;
    return d.kind === "stop"
      ? d
      : { kind: "stop", result: "failed", reason: `unexpected ${d.kind} decision` };
  }

  /** Everything up to the first decision: the Deployment, the Lease, the preflight on the Deployment, the watches. */
  private async body(): Promise<Stop> {
    const s = this.settings;
    await this.deployments.list();
    const d = this.deployment;
    if (!d) {
      return {
        kind: "stop",
        result: "not-found",
        reason: `Deployment ${this.name} not found in namespace ${this.ns}. Check --deployment and --namespace: kubectl get deployments -n ${this.ns}`,
      };
    }
    this.deploymentFound = true;

    // One run at a time, and nothing written by a run that does not hold the Lease (not even a report).
    const lease = new LeaseLock(
      this.client,
      this.clock,
      this.ns,
      s.lease,
      this.identity,
      leaseDurationSeconds(s),
    );
    if (s.dryRun) {
      const state = await lease.peek();
      if (state.held) {
        return this.conclude(
          halted(this.progress, s, {
            result: "skipped",
            reason: `Lease ${s.lease} is held by ${state.holder} until ${new Date(state.expiresAt).toISOString()}: another run is in progress`,
          }),
        );
      }
    } else {
      const got = await lease.acquire();
      if (!got.acquired) return { kind: "stop", result: "skipped", reason: got.reason };
      this.lease = lease;
      this.log("info", "lease acquired", {
        lease: s.lease,
        created: got.created,
        durationSeconds: lease.durationSeconds,
      });
    }

    // Preflight on the Deployment alone: no further request if one fails.
    const halt = checkDeployment(this.progress, d, s, this.clock.now());
    if (halt) return this.conclude(halt);

    // The objects the decisions need; watches stay open for the whole run so waiting costs no polling.
    const labelSelector = selectorToQuery(d.spec?.selector ?? {});
    const rsList = await this.client.request<{ items?: ReplicaSet[] }>(
      "GET",
      `/apis/apps/v1/namespaces/${this.ns}/replicasets`,
      { query: { labelSelector } },
    );
    const watches = new Watches(
      this.client,
      this.ns,
      labelSelector,
      this.deployments,
      rsList?.items ?? [],
      this.changes,
      (msg, f) => this.log("debug", msg, f),
      s.dryRun,
    );
    this.watches = watches;
    await watches.open();
    return this.loop(watches);
  }

  /**
   * Observe, decide, act, wait, until a decision stops the run. Each turn first lets the events of the current
   * instant land (so a decision never sees half of what happened at one instant: on a virtual clock sleep(0) fires
   * once in-flight I/O has been delivered, in real time it yields to pending socket reads), renews the Lease when
   * due and re-opens dropped watches.
   */
  private async loop(watches: Watches): Promise<Stop> {
    for (;;) {
      // A dry run decides once, from what it listed: nothing is in flight.
      if (!this.settings.dryRun) await this.clock.sleep(0);
      const lost = await this.holdLease();
      if (lost) return lost;
      await watches.ensure();
      const step = decide(
        watches.snapshot(this.name, this.clock.now()),
        this.progress,
        this.settings,
        this.deps.self,
      );
      this.progress = step.progress;
      this.logNotes(step.notes);
      const decision = step.decision;
      switch (decision.kind) {
        case "stop":
          return decision;
        case "wait":
          await this.wait(watches, decision.until, decision.wakeAt);
          break;
        case "report":
          await this.events.record("PodRotated", "Normal", decision.message, this.deployment?.metadata?.uid);
          break;
        case "evict": {
          const stop = await this.evict(watches, decision);
          if (stop) return stop;
          break;
        }
        case "restart": {
          const restartedAt = formatTime(this.clock.now());
          this.log("info", "restarting Deployment", {
            restartedAt,
            pods: (this.progress.plan ?? []).map((p) => p.pod).join(","),
          });
          const patched = await restartDeployment(this.client, this.ns, this.name, restartedAt);
          if (patched) this.deployments.remember(patched);
          this.progress = afterRestart(this.progress, decision, patched, this.clock.now(), this.settings);
          break;
        }
      }
    }
  }

  private async evict(
    watches: Watches,
    decision: Extract<Decision, { kind: "evict" }>,
  ): Promise<Stop | undefined> {
    const { target } = decision;
    const evictedAt = this.clock.now();
    this.log("info", "evicting pod", {
      pod: target.pod,
      age: formatDuration(evictedAt - parseTime(target.createdAt)),
      overdue: target.overdue,
    });
    const outcome = await evictPod(
      {
        client: this.client,
        clock: this.clock,
        namespace: this.ns,
        log: (l, m, f) => this.log(l, m, f),
        recheck: async (): Promise<Recheck | { kind: "lost"; reason: string }> => {
          const lost = await this.holdLease();
          if (lost) return { kind: "lost", reason: lost.reason };
          await watches.ensure();
          await this.clock.sleep(0);
          return recheckEviction(watches.snapshot(this.name, this.clock.now()), target, this.settings);
        },
      },
      target,
    );
    const moved = afterEviction(this.progress, decision, outcome, evictedAt);
    this.progress = moved.progress;
    this.logNotes(moved.notes);
    return moved.stop;
  }

  /** Sleeps until a watch event, the wait's bound, its wake hint or the Lease's renewal, whichever comes first. */
  private async wait(watches: Watches, until: number, wakeAt: number | undefined): Promise<void> {
    let wake = until;
    if (wakeAt !== undefined) wake = Math.min(wake, wakeAt);
    if (this.lease) wake = Math.min(wake, this.lease.renewDueAt());
    if (watches.anyDown) return;
    const { signal, release } = this.changes.next();
    try {
      await this.clock.sleep(Math.max(1, wake - this.clock.now()), signal);
    } finally {
      release();
    }
  }

  /** Renews the Lease when due; a stop when it was lost, so two runs never mutate at once. */
  private async holdLease(): Promise<Stop | undefined> {
    if (!this.lease) return undefined;
    if (await this.lease.renewIfDue()) return undefined;
    this.lease = undefined;
    return {
      kind: "stop",
      result: "failed",
      reason: `lost Lease ${this.settings.lease} to another run; stopped before changing anything else`,
    };
  }
}
