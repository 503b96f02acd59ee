/**
 * One recycler run: preflight, plan, then rotate one pod at a time, never below the Deployment's capacity, and
 * report what happened (log lines, Events, the `rotor.dev/last-run` annotation).
 *
 * Waiting costs no polling: the run keeps one watch each on the Deployment (by name), its pods and the
 * namespace's PodDisruptionBudgets for its whole life and sleeps on the Clock until a watch event wakes it or a
 * bound passes. Everything that takes time goes through the Clock, so the same code runs on a virtual clock.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { systemClock, type Clock } from "./clock";
import { PAUSED_ANNOTATION, LAST_RUN_ANNOTATION, RESTARTED_AT_ANNOTATION } from "../contract/annotations";
import { formatDuration } from "../contract/duration";
import { DEFAULT_ROLLING_UPDATE, scaleIntOrPercent } from "../contract/int-or-percent";
import { selectorToQuery } from "../contract/label-selector";
import { EVENT_SOURCE, FIELD_MANAGER } from "../contract/names";
import { inWindows } from "../contract/window";
import type { Connection } from "./connection";
import { backoffDelay, KubeClient, type RetryPolicy } from "./kube-client";
import { budgetCause, classifyFailure } from "./errors";
import { fnv1a32 } from "./jitter";
import { LeaseLock } from "./lease";
import {
  budgetVerdict,
  capacity,
  capacityShortfall,
  currentReplicaSet,
  deploymentPods,
  dueCandidates,
  limitPlan,
  nextDeadline,
  podOfReplicaSet,
  restartProblem,
  rolloutProblem,
  type BudgetVerdict,
  type PlanStep,
  type Self,
} from "./plan";
import {
  exitCodeFor,
  type LogEntry,
  type LogLevel,
  type RecyclerReport,
  type RecyclerResult,
  type Rotation,
} from "./report";
import type { RecyclerSettings, Strategy } from "./settings";
import {
  formatTime,
  parseTime,
  podIsReady,
  podIsTerminating,
  type Deployment,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
} from "./types";
import { ChangeSignal, WatchCache } from "./watch-cache";

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

/** Ends the run early with a result; thrown from deep inside and caught once. */
class Stop extends Error {
  constructor(
    readonly result: RecyclerResult,
    readonly reason: string,
  ) {
    super(reason);
  }
}

type EvictOutcome =
  | { readonly kind: "evicted" }
  /** Not sent again after a failed attempt because it was no longer safe; wait and decide again. */
  | { readonly kind: "deferred"; readonly reason: string; readonly uncertain: boolean }
  | { readonly kind: "blocked"; readonly reason: string }
  | { readonly kind: "gone"; readonly uncertain: boolean }
  | { readonly kind: "failed"; readonly reason: string; readonly uncertain: boolean };

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

class Run {
  private readonly clock: Clock;
  private readonly client: KubeClient;
  private readonly ownsClient: boolean;
  private readonly identity: string;
  private readonly changes = new ChangeSignal();
  private readonly started: number;
  private readonly rotations: Rotation[] = [];
  private plan: PlanStep[] | undefined;
  private deferred: number | undefined;
  private strategy: Strategy;
  private wouldBe: RecyclerResult | undefined;
  private lease: LeaseLock | undefined;
  private deployments: WatchCache<Deployment> | undefined;
  private pods: WatchCache<Pod> | undefined;
  private pdbs: WatchCache<PodDisruptionBudget> | undefined;
  private replicaSets: ReplicaSet[] = [];
  private deploymentFound = false;
  /** The pod template the run works against; a change means someone started a rollout (a replica change does not). */
  private expectedTemplate = "";
  private eventSeq = 0;
  /** Set by a wait's check: the earliest time the answer can change without a watch event (availability). */
  private wakeHint: number | undefined;
  private readonly ns: string;
  private readonly name: string;

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
    this.strategy = settings.strategy;
    this.ns = settings.namespace;
    this.name = settings.deployment;
    this.client.onRetry = (what, attempt, delayMs, failure) =>
      this.log("warn", "retrying API request", {
        request: what,
        attempt,
        delayMs,
        failure: failure.kind,
        error: failure.message,
      });
  }

  private log(level: LogLevel, msg: string, fields: Record<string, unknown> = {}): void {
    this.deps.log?.({
      time: new Date(this.clock.now()).toISOString(),
      level,
      msg,
      namespace: this.ns,
      deployment: this.name,
      ...fields,
    });
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
      if (error instanceof Stop) outcome = error;
      else outcome = new Stop("failed", describeError(error));
    }
    for (const cache of [this.deployments, this.pods, this.pdbs]) cache?.close();
    // A rotation whose replacement never became Ready still happened; the result says the run failed.
    await this.finish(outcome);
    const finished = this.clock.now();
    const report: RecyclerReport = {
      result: outcome.result,
      ...(outcome.reason ? { reason: outcome.reason } : {}),
      ...(this.wouldBe ? { wouldBe: this.wouldBe } : {}),
      rotated: this.rotations.map((r) => r.pod),
      rotations: this.rotations,
      ...(this.plan ? { plan: this.plan } : {}),
      ...(this.deferred !== undefined ? { deferred: this.deferred } : {}),
      strategy: this.strategy,
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
    return this.deployments?.items.get(this.name);
  }

  private async body(): Promise<Stop> {
    const s = this.settings;
    const base = `/apis/apps/v1/namespaces/${this.ns}`;
    this.deployments = new WatchCache<Deployment>(
      this.client,
      `${base}/deployments`,
      { fieldSelector: `metadata.name=${this.name}` },
      this.changes,
      (msg, f) => this.log("debug", msg, f),
    );
    await this.deployments.list();
    const d = this.deployment;
    const missing = `Deployment ${this.name} not found in namespace ${this.ns}. Check --deployment and --namespace: kubectl get deployments -n ${this.ns}`;
    if (!d) return new Stop("not-found", missing);
    this.deploymentFound = true;

    // One run at a time, and nothing written by a run that does not hold the Lease (not even a report).
    this.lease = new LeaseLock(
      this.client,
      this.clock,
      this.ns,
      s.lease,
      this.identity,
      leaseDurationSeconds(s),
    );
    if (s.dryRun) {
      const state = await this.lease.peek();
      if (state.held) {
        return this.preflightStop(
          "skipped",
          `Lease ${s.lease} is held by ${state.holder} until ${new Date(state.expiresAt).toISOString()}: another run is in progress`,
        );
      }
    } else {
      const got = await this.lease.acquire();
      if (!got.acquired) {
        this.lease = undefined;
        return new Stop("skipped", got.reason);
      }
      this.log("info", "lease acquired", {
        lease: s.lease,
        created: got.created,
        durationSeconds: this.lease.durationSeconds,
      });
    }

    // Preflight on the Deployment alone: no further request if one fails.
    if (d.metadata?.annotations?.[PAUSED_ANNOTATION] === "true") {
      return this.preflightStop(
        "skipped",
        `paused by annotation ${PAUSED_ANNOTATION}: "true" on Deployment ${this.name}`,
      );
    }
    if (d.spec?.paused)
      return this.preflightStop("skipped", `Deployment ${this.name} is paused (spec.paused)`);
    const rollout = rolloutProblem(d);
    if (rollout) return this.preflightStop("skipped", rollout);
    if ((d.spec?.replicas ?? 1) === 0)
      return this.preflightStop("nothing-to-do", `Deployment ${this.name} is scaled to zero`);
    if (!inWindows(this.clock.now(), s.timeZone, s.windows)) {
      return this.preflightStop("skipped", this.outsideWindows());
    }

    // The objects the plan needs; watches stay open for the whole run so waiting costs no polling.
    const selector = d.spec?.selector;
    if (!selector) return this.preflightStop("skipped", `Deployment ${this.name} has no selector`);
    const labelSelector = selectorToQuery(selector);
    const rsList = await this.client.request<{ items?: ReplicaSet[] }>("GET", `${base}/replicasets`, {
      query: { labelSelector },
    });
    this.replicaSets = rsList?.items ?? [];
    this.pods = new WatchCache<Pod>(
      this.client,
      `/api/v1/namespaces/${this.ns}/pods`,
      { labelSelector },
      this.changes,
      (msg, f) => this.log("debug", msg, f),
    );
    this.pdbs = new WatchCache<PodDisruptionBudget>(
      this.client,
      `/apis/policy/v1/namespaces/${this.ns}/poddisruptionbudgets`,
      {},
      this.changes,
      (msg, f) => this.log("debug", msg, f),
    );
    if (s.dryRun) {
      await this.pods.list();
      await this.pdbs.list();
    } else {
      await this.pods.ensure();
      await this.pdbs.ensure();
      await this.deployments.ensure();
    }

    const now = this.clock.now();
    const current = currentReplicaSet(d, this.replicaSets);
    if (!current) return this.preflightStop("skipped", `no ReplicaSet of Deployment ${this.name} found`);
    const cap = capacity(d, this.replicaSets, this.pods.items.values(), now);
    if (cap.terminating.length > 0) {
      return this.preflightStop(
        "skipped",
        `pod ${cap.terminating.join(", ")} of Deployment ${this.name} is terminating`,
      );
    }
    if (cap.ready < cap.desired) {
      return this.preflightStop(
        "skipped",
        `only ${cap.ready} of ${cap.desired} pods are Ready${cap.notReady.length ? ` (not Ready: ${cap.notReady.join(", ")})` : ""}: rotating now would drop below capacity`,
      );
    }
    if (cap.available < cap.desired) {
      return this.preflightStop(
        "skipped",
        `only ${cap.available} of ${cap.desired} pods are available (Ready for minReadySeconds ${d.spec?.minReadySeconds ?? 0}s): rotating now would drop below capacity`,
      );
    }
    const due = dueCandidates(d, this.replicaSets, this.pods.items.values(), {
      now,
      maxAgeMs: s.maxAgeMs,
      jitterMs: s.jitterMs,
      ...(this.deps.self ? { self: this.deps.self } : {}),
    });
    if (due.length === 0) {
      this.plan = [];
      const next = nextDeadline(d, this.replicaSets, this.pods.items.values(), {
        maxAgeMs: s.maxAgeMs,
        jitterMs: s.jitterMs,
        ...(this.deps.self ? { self: this.deps.self } : {}),
      });
      const reason = `no pod is older than ${formatDuration(s.maxAgeMs)} plus its jitter${next ? `; next due: ${next.pod} at ${new Date(next.deadlineMs).toISOString()}` : ""}`;
      return this.preflightStop("nothing-to-do", reason);
    }

    const replicas = cap.desired;
    if (replicas === 1 || s.strategy === "restart") {
      this.strategy = "restart";
      if (replicas === 1 && s.strategy === "evict") {
        this.log(
          "info",
          "single replica: restarting with a surge instead of evicting (eviction would be downtime)",
        );
      }
      return this.restart(d, due);
    }

    const verdict = budgetVerdict(d, this.pdbs.items.values(), cap.notReady, cap.ready);
    if (verdict.kind === "multiple") return this.preflightStop("failed", verdict.reason);
    if (verdict.kind === "stale") return this.preflightStop("skipped", verdict.reason);
    if (verdict.kind === "blocks") return this.preflightStop("blocked", verdict.reason);
    if (verdict.kind === "none") {
      this.log(
        "warn",
        `no PodDisruptionBudget covers Deployment ${this.name}: rotating one pod at a time on readiness alone`,
      );
    }
    ({ plan: this.plan, deferred: this.deferred } = limitPlan(due, s.maxRotations));
    for (const step of this.plan) {
      this.log("info", s.dryRun ? "would evict" : "planned", {
        pod: step.pod,
        order: step.order,
        age: step.age,
        deadline: step.deadline,
        overdue: step.overdue,
      });
    }
    if (s.dryRun) return this.dryRunResult("rotated", this.describePlan());
    return this.evictLoop();
  }

  /** Preflight outcome; a dry run reports it as what a real run would conclude. */
  private preflightStop(result: RecyclerResult, reason: string): Stop {
    if (this.settings.dryRun) {
      this.plan = this.plan ?? [];
      return this.dryRunResult(result, reason);
    }
    return new Stop(result, reason);
  }

  private dryRunResult(wouldBe: RecyclerResult, reason: string): Stop {
    this.wouldBe = wouldBe;
    return new Stop("dry-run", reason);
  }

  private describePlan(): string {
    const plan = this.plan ?? [];
    const verb = this.strategy === "restart" ? "restart" : "evict";
    const left = this.deferred
      ? `; ${this.deferred} more due, left for later runs (--max-rotations ${this.settings.maxRotations})`
      : "";
    return `would ${verb} ${plan.length} pod(s): ${plan.map((p) => p.pod).join(", ")}${left}`;
  }

  private outsideWindows(): string {
    return `outside the allowed windows (${this.settings.windows.map((w) => w.text).join("; ")}) in ${this.settings.timeZone}`;
  }

  // --- strategy evict -------------------------------------------------------------------------------------------

  private async evictLoop(): Promise<Stop> {
    const s = this.settings;
    const handled = new Set<string>();
    let attempted = 0;
    let deferrals = 0;
    let lastDeferral: string | undefined;
    this.expectedTemplate = templateKey(this.deployment);
    // A run rotates the pods it planned, never the replacements it created (so a dry run's plan is the run's).
    const planned = new Set((this.plan ?? []).map((p) => p.uid));
    for (;;) {
      if (attempted >= s.maxRotations) break;
      const d = this.deployment;
      if (!d) return this.stopMidRun("failed", `Deployment ${this.name} was deleted during the run`);
      if (templateKey(d) !== this.expectedTemplate) {
        return this.stopMidRun(
          "skipped",
          `a rollout of Deployment ${this.name} started during the run; stopping`,
        );
      }
      const due = dueCandidates(d, this.replicaSets, this.pods!.items.values(), {
        now: this.clock.now(),
        maxAgeMs: s.maxAgeMs,
        jitterMs: s.jitterMs,
        exclude: handled,
        ...(this.deps.self ? { self: this.deps.self } : {}),
      });
      const target = due.find((p) => planned.has(p.uid));
      if (!target) break;

      // Safe to disrupt one more pod? (After the first rotation this is where the PDB's lag is waited out.)
      const safe = await this.waitSafeToEvict();
      if (safe !== true) return safe;
      if (!inWindows(this.clock.now(), s.timeZone, s.windows)) {
        return this.stopMidRun("skipped", `${this.outsideWindows()}: the window closed during the run`);
      }
      await this.holdLease();
      // Re-read the target after the waits: it may have gone or changed meanwhile.
      const pod = this.pods!.items.get(target.pod);
      if (!pod || pod.metadata?.uid !== target.uid || !podIsReady(pod)) {
        handled.add(target.uid);
        continue;
      }
      const before = new Set([...this.pods!.items.values()].map((p) => p.metadata?.uid ?? ""));
      const desiredBefore = d.spec?.replicas ?? 1;
      const evictedAt = this.clock.now();
      this.log("info", "evicting pod", {
        pod: target.pod,
        age: formatDuration(evictedAt - parseTime(target.createdAt)),
        overdue: target.overdue,
      });
      const outcome = await this.evict(target);
      if (outcome.kind === "deferred") {
        // Capacity changed while the eviction was being retried (an HPA, a pod turning unready): decide again.
        // An unanswered attempt may still be carried out by the server: count it and leave that pod alone.
        this.log("warn", "eviction deferred: no longer safe", { pod: target.pod, cause: outcome.reason });
        lastDeferral = `the eviction of ${target.pod} was not sent again: ${outcome.reason}`;
        if (outcome.uncertain) {
          attempted++;
          handled.add(target.uid);
        }
        if (++deferrals > 10)
          return this.stopMidRun(
            "failed",
            `eviction of ${target.pod} kept being deferred: ${outcome.reason}`,
          );
        continue;
      }
      handled.add(target.uid);
      if (outcome.kind === "blocked") {
        this.log("warn", "eviction refused by the PodDisruptionBudget", {
          pod: target.pod,
          cause: outcome.reason,
        });
        return this.stopMidRun("blocked", `eviction of ${target.pod} refused: ${outcome.reason}`);
      }
      if (outcome.kind === "failed") {
        if (outcome.uncertain) attempted++;
        return this.stopMidRun("failed", outcome.reason);
      }
      if (outcome.kind === "gone") {
        this.log(
          "warn",
          outcome.uncertain
            ? "pod gone after an unanswered eviction; not counted as rotated"
            : "pod already gone",
          {
            pod: target.pod,
          },
        );
        if (!outcome.uncertain) continue;
        attempted++;
      } else {
        attempted++;
        this.log("info", "pod evicted", { pod: target.pod });
      }
      const waited = await this.waitReplaced(target, before, desiredBefore, evictedAt);
      if (outcome.kind === "evicted") {
        const record: Rotation = {
          pod: target.pod,
          uid: target.uid,
          age: formatDuration(evictedAt - parseTime(target.createdAt)),
          evictedAt: new Date(evictedAt).toISOString(),
          ...(waited.ok
            ? {
                ...(waited.replacement ? { replacement: waited.replacement } : {}),
                readyAt: new Date(this.clock.now()).toISOString(),
                tookMs: this.clock.now() - evictedAt,
              }
            : {}),
        };
        this.rotations.push(record);
        if (waited.ok) {
          this.log("info", "pod rotated", {
            pod: target.pod,
            replacement: waited.replacement,
            tookMs: record.tookMs,
          });
          await this.event(
            "PodRotated",
            "Normal",
            `Evicted pod ${target.pod} (age ${record.age})${waited.replacement ? `; replacement ${waited.replacement} Ready after ${formatDuration(record.tookMs ?? 0)}` : ""}`,
          );
        }
      }
      if (!waited.ok) return this.stopMidRun(waited.result, waited.reason, target.pod);
    }
    const n = this.rotations.length;
    if (n === 0) {
      return lastDeferral
        ? new Stop("skipped", lastDeferral)
        : new Stop("nothing-to-do", "no pod was due when it came to evicting");
    }
    const remaining = this.deferred ? `; ${this.deferred} more due, left for later runs` : "";
    return new Stop(
      "rotated",
      `rotated ${n} pod(s): ${this.rotations.map((r) => r.pod).join(", ")}${remaining}`,
    );
  }

  /**
   * Stops after some rotations: a run that evicted a pod reports `rotated` when it then had to skip the rest
   * (a rollout, the window closing); a refusal or a failure stays what it is. `current` is the pod the reason
   * is about, not repeated in "after rotating".
   */
  private stopMidRun(result: RecyclerResult, reason: string, current?: string): Stop {
    const all = this.rotations.map((r) => r.pod);
    if (all.length > 0 && result === "skipped")
      return new Stop("rotated", `rotated ${all.join(", ")}; then stopped: ${reason}`);
    const names = all.filter((p) => p !== current).join(", ");
    return new Stop(result, names ? `${reason} (after rotating ${names})` : reason);
  }

  /** Sends the eviction, retrying throttling and transient failures; tells a refusal from a failure. */
  private async evict(target: PlanStep): Promise<EvictOutcome> {
    const path = `/api/v1/namespaces/${this.ns}/pods/${target.pod}/eviction`;
    const body = {
      apiVersion: "policy/v1",
      kind: "Eviction",
      metadata: { name: target.pod, namespace: this.ns },
      // The UID precondition makes sure we evict the pod we examined, not a namesake created since.
      deleteOptions: { preconditions: { uid: target.uid } },
    };
    const policy = this.client.retry;
    let uncertain = false;
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.requestOnce("POST", path, { body, query: { fieldManager: FIELD_MANAGER } });
        return { kind: "evicted" };
      } catch (error) {
        const failure = classifyFailure(error);
        switch (failure.kind) {
          case "disruption-budget":
            return { kind: "blocked", reason: budgetCause(error) ?? failure.message };
          case "multiple-pdbs":
            return {
              kind: "failed",
              uncertain,
              reason: `the Eviction API cannot evict ${target.pod}: its pods are covered by more than one PodDisruptionBudget. Keep one PodDisruptionBudget per app (${failure.message})`,
            };
          case "not-found":
          case "conflict":
            return { kind: "gone", uncertain };
          case "unauthorized":
            if (!refreshed && this.client.connection.invalidate) {
              refreshed = true;
              this.client.connection.invalidate();
              attempt--;
              continue;
            }
            break;
          default:
            break;
        }
        if (!failure.retriable) {
          return {
            kind: "failed",
            uncertain,
            reason: `eviction of ${target.pod} failed: ${failure.message}`,
          };
        }
        // Without an answer (or with a 5xx) the eviction may have been carried out.
        if (failure.kind !== "throttled") uncertain = true;
        if (attempt >= policy.attempts) {
          return {
            kind: "failed",
            uncertain,
            reason: `eviction of ${target.pod} kept failing after ${attempt} attempts: ${failure.message}`,
          };
        }
        const delay = backoffDelay(attempt, failure, policy);
        this.log("warn", "eviction not answered, retrying", {
          pod: target.pod,
          attempt,
          delayMs: delay,
          failure: failure.kind,
          error: failure.message,
        });
        await this.clock.sleep(delay);
        await this.holdLease();
        // The world may have changed during the backoff: send again only if it is still safe.
        await this.ensureWatches();
        await this.clock.sleep(0);
        const pod = this.pods!.items.get(target.pod);
        if (!pod || pod.metadata?.uid !== target.uid || podIsTerminating(pod)) {
          // Gone or going: after an unanswered attempt that may well be our eviction.
          return uncertain
            ? { kind: "gone", uncertain }
            : { kind: "deferred", reason: `${target.pod} changed`, uncertain };
        }
        const unsafe = this.unsafeToEvict();
        if (unsafe) return { kind: "deferred", reason: unsafe, uncertain };
        if (!inWindows(this.clock.now(), this.settings.timeZone, this.settings.windows)) {
          return { kind: "deferred", reason: "the window closed", uncertain };
        }
      }
    }
  }

  /** Why one more disruption would go below capacity now (from the watches), or undefined when it is safe. */
  private unsafeToEvict(): string | undefined {
    const d = this.deployment;
    if (!d) return `Deployment ${this.name} is gone`;
    const cap = capacity(d, this.replicaSets, this.pods!.items.values(), this.clock.now());
    const short = capacityShortfall(cap, d.spec?.minReadySeconds ?? 0);
    if (short) return short;
    const verdict = budgetVerdict(d, this.pdbs!.items.values(), cap.notReady, cap.ready);
    if (verdict.kind === "stale" || verdict.kind === "blocks" || verdict.kind === "multiple")
      return verdict.reason;
    return undefined;
  }

  /** Waits (bounded) until one more disruption keeps capacity: all desired pods Ready, none terminating, the PDB allows. */
  private async waitSafeToEvict(): Promise<true | Stop> {
    const deadline = this.clock.now() + this.settings.readyTimeoutMs;
    let last = "";
    let lastVerdict: BudgetVerdict | undefined;
    const ok = await this.waitUntil(
      deadline,
      () => {
        const d = this.deployment;
        if (!d) return true;
        const cap = capacity(d, this.replicaSets, this.pods!.items.values(), this.clock.now());
        const short = capacityShortfall(cap, d.spec?.minReadySeconds ?? 0);
        if (short) {
          last = short;
          this.wakeHint = cap.nextAvailableAt;
          return false;
        }
        lastVerdict = budgetVerdict(d, this.pdbs!.items.values(), cap.notReady, cap.ready);
        if (lastVerdict.kind === "multiple") return true;
        if (lastVerdict.kind === "stale" || lastVerdict.kind === "blocks") {
          last = lastVerdict.reason;
          return false;
        }
        return true;
      },
      true,
    );
    if (lastVerdict?.kind === "multiple") return this.stopMidRun("failed", lastVerdict.reason);
    if (ok) return true;
    const waited = formatDuration(this.settings.readyTimeoutMs);
    if (lastVerdict && (lastVerdict.kind === "blocks" || lastVerdict.kind === "stale")) {
      return this.stopMidRun("blocked", `${last} for ${waited}`);
    }
    return this.stopMidRun("failed", `capacity not restored within ${waited}: ${last}`);
  }

  /** Waits (bounded by --ready-timeout) for the evicted pod to be gone and a Ready replacement, at full capacity. */
  private async waitReplaced(
    target: PlanStep,
    before: ReadonlySet<string>,
    desiredBefore: number,
    evictedAt: number,
  ): Promise<{ ok: true; replacement?: string } | { ok: false; result: RecyclerResult; reason: string }> {
    const deadline = evictedAt + this.settings.readyTimeoutMs;
    const current = currentReplicaSet(this.deployment ?? {}, this.replicaSets);
    let replacement: string | undefined;
    let last = "";
    let rollout = false;
    const ok = await this.waitUntil(deadline, () => {
      const d = this.deployment;
      if (!d) {
        last = "the Deployment was deleted";
        return true;
      }
      if (templateKey(d) !== this.expectedTemplate) {
        rollout = true;
        return true;
      }
      const pods = [...this.pods!.items.values()];
      const old = this.pods!.items.get(target.pod);
      if (old && old.metadata?.uid === target.uid) {
        last = `${target.pod} is still ${podIsTerminating(old) ? "terminating" : "running"}`;
        return false;
      }
      const fresh = pods.find(
        (p) =>
          !before.has(p.metadata?.uid ?? "") &&
          current !== undefined &&
          podOfReplicaSet(p, current) &&
          podIsReady(p),
      );
      if (fresh) replacement = fresh.metadata?.name;
      const desired = d.spec?.replicas ?? 1;
      if (!fresh && desired >= desiredBefore) {
        const pending = pods
          .filter((p) => !before.has(p.metadata?.uid ?? "") && !podIsTerminating(p))
          .map((p) => p.metadata?.name);
        last = pending.length
          ? `replacement ${pending.join(", ")} is not Ready`
          : "no replacement pod was created";
        return false;
      }
      const cap = capacity(d, this.replicaSets, pods, this.clock.now());
      const short = capacityShortfall(cap, d.spec?.minReadySeconds ?? 0);
      if (short) {
        last = fresh ? `replacement ${fresh.metadata?.name} is Ready, but ${short}` : short;
        this.wakeHint = cap.nextAvailableAt;
        return false;
      }
      return true;
    });
    if (rollout) {
      return {
        ok: false,
        result: "skipped",
        reason: `a rollout of Deployment ${this.name} started during the run; stopping`,
      };
    }
    if (!this.deployment)
      return { ok: false, result: "failed", reason: `Deployment ${this.name} was deleted during the run` };
    if (!ok) {
      return {
        ok: false,
        result: "failed",
        reason: `evicted ${target.pod} but its replacement did not become available within ${formatDuration(this.settings.readyTimeoutMs)}: ${last}`,
      };
    }
    return { ok: true, ...(replacement ? { replacement } : {}) };
  }

  /**
   * Sleeps until `check()` holds or `deadline` passes, waking on every watch event; re-opens dropped watches and
   * renews the Lease on the way. Returns whether `check()` held.
   */
  private async waitUntil(deadline: number, check: () => boolean, settleFirst = false): Promise<boolean> {
    // A wake-up (or a decision) right after events arrived: let the rest of that burst land before judging, so
    // the check never sees half of what happened at one instant. On a virtual clock sleep(0) fires only once
    // in-flight I/O has been delivered; in real time it yields to pending socket reads.
    if (settleFirst) await this.clock.sleep(0);
    for (;;) {
      await this.ensureWatches();
      this.wakeHint = undefined;
      if (check()) return true;
      const hint = this.wakeHint as number | undefined;
      const now = this.clock.now();
      if (now >= deadline) return false;
      await this.holdLease();
      let wake = deadline;
      if (hint !== undefined) wake = Math.min(wake, hint);
      if (this.lease) wake = Math.min(wake, this.lease.renewDueAt());
      if (this.anyWatchDown()) continue;
      const { signal, release } = this.changes.next();
      try {
        await this.clock.sleep(Math.max(1, wake - this.clock.now()), signal);
      } finally {
        release();
      }
      if (signal.aborted) await this.clock.sleep(0);
    }
  }

  private anyWatchDown(): boolean {
    return [this.deployments, this.pods, this.pdbs].some((c) => c !== undefined && !c.watching);
  }

  private async ensureWatches(): Promise<void> {
    for (const cache of [this.deployments, this.pods, this.pdbs]) {
      if (cache && !cache.watching) await cache.ensure();
    }
  }

  /** Renews the Lease when due; stops the run if it was lost, so two runs never mutate at once. */
  private async holdLease(): Promise<void> {
    if (!this.lease) return;
    const kept = await this.lease.renewIfDue();
    if (!kept) {
      this.lease = undefined;
      throw new Stop(
        "failed",
        `lost Lease ${this.settings.lease} to another run; stopped before changing anything else`,
      );
    }
  }

  // --- strategy restart -----------------------------------------------------------------------------------------

  private async restart(d: Deployment, due: PlanStep[]): Promise<Stop> {
    const s = this.settings;
    const problem = restartProblem(d);
    if (problem) {
      return this.preflightStop(
        "skipped",
        `a restart is needed (${due.map((p) => p.pod).join(", ")} due) but ${problem}`,
      );
    }
    const live = deploymentPods(d, this.replicaSets, this.pods!.items.values()).filter(
      (p) => !podIsTerminating(p),
    );
    if (live.length > s.maxRotations) {
      return this.preflightStop(
        "skipped",
        `a restart replaces all ${live.length} pods, more than --max-rotations ${s.maxRotations}; use --strategy evict or raise --max-rotations`,
      );
    }
    const dueNames = new Set(due.map((p) => p.pod));
    const now = this.clock.now();
    // A restart replaces every pod: the plan lists the due ones first, then the rest by age.
    const rest = live
      .filter((p) => !dueNames.has(p.metadata?.name ?? ""))
      .sort((a, b) => parseTime(a.metadata?.creationTimestamp) - parseTime(b.metadata?.creationTimestamp))
      .map((p, i): PlanStep => {
        const created = parseTime(p.metadata?.creationTimestamp);
        return {
          order: due.length + i + 1,
          pod: p.metadata?.name ?? "",
          uid: p.metadata?.uid ?? "",
          replicaSet: "",
          createdAt: new Date(created).toISOString(),
          age: formatDuration(now - created),
          ageMs: now - created,
          jitter: "0s",
          deadline: "",
          deadlineMs: Number.NaN,
          overdue: "0s",
        };
      });
    this.plan = [...due, ...rest];
    this.deferred = 0;
    if (s.dryRun) return this.dryRunResult("rotated", this.describePlan());

    await this.holdLease();
    const restartedAt = formatTime(this.clock.now());
    this.log("info", "restarting Deployment", { restartedAt, pods: this.plan.map((p) => p.pod).join(",") });
    const patched = await this.client.request<Deployment>(
      "PATCH",
      `/apis/apps/v1/namespaces/${this.ns}/deployments/${this.name}`,
      {
        query: { fieldManager: FIELD_MANAGER },
        contentType: "application/merge-patch+json",
        body: {
          spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } },
        },
      },
    );
    const startedAt = this.clock.now();
    if (patched) this.deployments!.remember(patched);
    const generation = patched?.metadata?.generation ?? (d.metadata?.generation ?? 0) + 1;
    const surge = Math.max(
      1,
      scaleIntOrPercent(
        d.spec?.strategy?.rollingUpdate?.maxSurge ?? DEFAULT_ROLLING_UPDATE,
        live.length,
        true,
      ) ?? 1,
    );
    const batches = Math.max(1, Math.ceil(live.length / surge));
    const deadline = startedAt + this.settings.readyTimeoutMs * batches;
    let stuck: string | undefined;
    let last = "";
    const done = await this.waitUntil(deadline, () => {
      const now = this.deployment;
      if (!now) return true;
      if ((now.status?.observedGeneration ?? 0) < generation) {
        last = "the restart is not observed yet";
        return false;
      }
      const problem = rolloutProblem(now);
      if (problem?.includes("ProgressDeadlineExceeded")) {
        stuck = problem;
        return true;
      }
      last = problem ?? "";
      return problem === undefined;
    });
    if (!this.deployment) return new Stop("failed", `Deployment ${this.name} was deleted during the restart`);
    if (stuck) return new Stop("failed", `the restart of Deployment ${this.name} got stuck: ${stuck}`);
    if (!done) {
      return new Stop(
        "failed",
        `the restart of Deployment ${this.name} did not finish within ${formatDuration(deadline - startedAt)}: ${last}`,
      );
    }
    const finished = this.clock.now();
    for (const step of this.plan) {
      this.rotations.push({
        pod: step.pod,
        uid: step.uid,
        age: formatDuration(startedAt - parseTime(step.createdAt)),
        evictedAt: new Date(startedAt).toISOString(),
        readyAt: new Date(finished).toISOString(),
        tookMs: finished - startedAt,
      });
    }
    const names = this.rotations.map((r) => r.pod).join(", ");
    this.log("info", "restart finished", { pods: names, tookMs: finished - startedAt });
    await this.event(
      "PodRotated",
      "Normal",
      `Restarted Deployment ${this.name} (surge first): replaced ${names} in ${formatDuration(finished - startedAt)}`,
    );
    return new Stop("rotated", `restarted Deployment ${this.name}: replaced ${names}`);
  }

  // --- reporting ------------------------------------------------------------------------------------------------

  /**
   * Reports the run (an Event on the Deployment, the `rotor.dev/last-run` annotation on the run's Lease) and
   * releases the Lease, in one write. Only a run that holds the Lease reports: a run that found it held, or
   * lost it, leaves nothing behind (the holder reports). The report is never written on the Deployment: any
   * write there bumps its generation, which the next run would take for a rollout.
   */
  private async finish(outcome: Stop): Promise<void> {
    if (this.settings.dryRun || !this.deploymentFound || !this.lease) return;
    const summary: Record<string, [string, "Normal" | "Warning"]> = {
      blocked: ["RotationBlocked", "Warning"],
      skipped: ["RotationSkipped", "Normal"],
      failed: ["RotationFailed", "Warning"],
    };
    const event = summary[outcome.result];
    if (event) await this.event(event[0], event[1], outcome.reason);
    const report = JSON.stringify({
      time: formatTime(this.clock.now()),
      result: outcome.result,
      rotated: this.rotations.map((r) => r.pod),
      reason: outcome.reason,
    });
    try {
      await this.lease.release({ [LAST_RUN_ANNOTATION]: report });
      this.log("info", "lease released", { lease: this.settings.lease });
    } catch (error) {
      this.log(
        "warn",
        `could not release the lease and write the ${LAST_RUN_ANNOTATION} report; the lease expires by itself`,
        {
          error: describeError(error),
        },
      );
    }
  }

  /** Creates a core/v1 Event on the Deployment. Best effort: a lost Event never fails a run. */
  private async event(reason: string, type: "Normal" | "Warning", message: string): Promise<void> {
    const now = this.clock.now();
    const d = this.deployment;
    const suffix = `${now.toString(16)}${(this.eventSeq++).toString(16)}${fnv1a32(this.identity).toString(16)}`;
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${this.name}.${suffix}`, namespace: this.ns },
      involvedObject: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: this.name,
        namespace: this.ns,
        ...(d?.metadata?.uid ? { uid: d.metadata.uid } : {}),
      },
      reason,
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      type,
      source: { component: EVENT_SOURCE },
      firstTimestamp: formatTime(now),
      lastTimestamp: formatTime(now),
      count: 1,
      reportingComponent: EVENT_SOURCE,
      reportingInstance: this.identity.slice(0, 128),
    };
    try {
      await this.client.request(
        "POST",
        `/api/v1/namespaces/${this.ns}/events`,
        { body, query: { fieldManager: FIELD_MANAGER } },
        { ...this.client.retry, attempts: 2 },
      );
      this.log("debug", "event recorded", { reason });
    } catch (error) {
      this.log("warn", "could not record an Event", { reason, error: describeError(error) });
    }
  }
}

/** The pod template as a comparable string: it changes with a rollout, not with scaling. */
function templateKey(d: Deployment | undefined): string {
  return JSON.stringify(d?.spec?.template ?? {});
}

/** A one-line description of any error, with its cause chain. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message;
  let cause = (error as { cause?: unknown }).cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++) {
    if (!text.includes(cause.message)) text += `: ${cause.message}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return text;
}
