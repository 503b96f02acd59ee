/**
 * One eviction through the Eviction API, with a UID precondition: retried for throttling and transient failures,
 * told apart from a PodDisruptionBudget refusal, and sent again after a backoff only if `recheck` (the run's fresh
 * look at capacity, budget and window) still allows it.
 */
import type { Clock } from "../clock";
import type { EvictOutcome, Recheck } from "../decide";
import { budgetCause, classifyFailure } from "../errors";
import { backoffDelay, type KubeClient } from "../kube-client";
import type { PlanStep } from "../plan";
import type { LogLevel } from "../report";
import { FIELD_MANAGER } from "../../contract/names";

export interface EvictDeps {
  readonly client: KubeClient;
  readonly clock: Clock;
  readonly namespace: string;
  readonly log: (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;
  /** After a backoff: whether to send again (or the Lease was lost meanwhile). */
  readonly recheck: () => Promise<Recheck | { readonly kind: "lost"; readonly reason: string }>;
}

/** Sends the eviction of `target`; never throws for API trouble (that is an outcome). */
export async function evictPod(deps: EvictDeps, target: PlanStep): Promise<EvictOutcome> {
  const { client, clock, namespace } = deps;
  const path = `/api/v1/namespaces/${namespace}/pods/${target.pod}/eviction`;
  const body = {
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name: target.pod, namespace },
    // The UID precondition makes sure we evict the pod we examined, not a namesake created since.
    deleteOptions: { preconditions: { uid: target.uid } },
  };
  const policy = client.retry;
  let uncertain = false;
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    try {
      await client.requestOnce("POST", path, { body, query: { fieldManager: FIELD_MANAGER } });
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
          if (!refreshed && client.connection.invalidate) {
            refreshed = true;
            client.connection.invalidate();
            attempt--;
            continue;
          }
          break;
        default:
          break;
      }
      if (!failure.retriable) {
        return { kind: "failed", uncertain, reason: `eviction of ${target.pod} failed: ${failure.message}` };
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
      deps.log("warn", "eviction not answered, retrying", {
        pod: target.pod,
        attempt,
        delayMs: delay,
        failure: failure.kind,
        error: failure.message,
      });
      await clock.sleep(delay);
      // The world may have changed during the backoff: send again only if it is still safe.
      const verdict = await deps.recheck();
      if (verdict.kind === "lost") return verdict;
      // Gone or going: after an unanswered attempt that may well be our eviction.
      if (verdict.kind === "gone") {
        return uncertain
          ? { kind: "gone", uncertain }
          : { kind: "deferred", reason: `${target.pod} changed`, uncertain };
      }
      if (verdict.kind === "unsafe") return { kind: "deferred", reason: verdict.reason, uncertain };
    }
  }
}
