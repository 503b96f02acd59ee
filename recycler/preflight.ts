/**
 * The preflight as ordered lists of named checks, in the style of descheduler's eviction constraints: each check
 * looks at facts gathered once and returns a halt (result and reason) or nothing; the first halt ends the run.
 * One place to read every reason a run does not rotate, each check testable alone. Pure: the facts carry `now`.
 *
 * The lists run at two moments: {@link DEPLOYMENT_CHECKS} on the Deployment alone, before the run reads anything
 * else (a failed check costs no further request), and {@link POD_CHECKS} then {@link RESTART_CHECKS} or
 * {@link EVICT_CHECKS} once the ReplicaSets, pods and PodDisruptionBudgets are observed (`./decide.ts`).
 */
import { PAUSED_ANNOTATION } from "../contract/annotations";
import { formatDuration } from "../contract/duration";
import {
  nextDeadline,
  restartProblem,
  rolloutProblem,
  type Capacity,
  type PlanStep,
  type Self,
  type Shortfall,
} from "./plan";
import type { RecyclerResult } from "./report";
import type { Room } from "./room";
import type { RecyclerSettings } from "./settings";
import type { Deployment, Pod, PodDisruptionBudget, ReplicaSet } from "./types";
import { inWindows } from "../contract/window";

/** Why a run stops before it changes anything. */
export interface Halt {
  readonly result: RecyclerResult;
  readonly reason: string;
}

/** One named check: a halt, or undefined when the run may go on. */
export interface Check<F> {
  readonly name: string;
  readonly check: (facts: F) => Halt | undefined;
}

/** The first halt of `checks` in order, with the name of the check that gave it. */
export function firstHalt<F>(
  checks: readonly Check<F>[],
  facts: F,
): (Halt & { readonly check: string }) | undefined {
  for (const { name, check } of checks) {
    const halt = check(facts);
    if (halt) return { ...halt, check: name };
  }
  return undefined;
}

/** What the checks on the Deployment alone look at. */
export interface DeploymentFacts {
  readonly deployment: Deployment;
  readonly settings: Pick<RecyclerSettings, "windows" | "timeZone">;
  readonly now: number;
}

/** The reason text for a time outside every allowed window. */
export function outsideWindows(settings: Pick<RecyclerSettings, "windows" | "timeZone">): string {
  return `outside the allowed windows (${settings.windows.map((w) => w.text).join("; ")}) in ${settings.timeZone}`;
}

const skip = (reason: string): Halt => ({ result: "skipped", reason });

/** On the Deployment alone, in this order. */
export const DEPLOYMENT_CHECKS: readonly Check<DeploymentFacts>[] = [
  {
    name: "not-paused-by-annotation",
    check: ({ deployment: d }) =>
      d.metadata?.annotations?.[PAUSED_ANNOTATION] === "true"
        ? skip(`paused by annotation ${PAUSED_ANNOTATION}: "true" on Deployment ${d.metadata.name ?? ""}`)
        : undefined,
  },
  {
    name: "not-paused",
    check: ({ deployment: d }) =>
      d.spec?.paused ? skip(`Deployment ${d.metadata?.name ?? ""} is paused (spec.paused)`) : undefined,
  },
  {
    name: "no-rollout",
    check: ({ deployment: d }) => {
      const problem = rolloutProblem(d);
      return problem ? skip(problem) : undefined;
    },
  },
  {
    name: "has-replicas",
    check: ({ deployment: d }) =>
      (d.spec?.replicas ?? 1) === 0
        ? { result: "nothing-to-do", reason: `Deployment ${d.metadata?.name ?? ""} is scaled to zero` }
        : undefined,
  },
  {
    name: "inside-window",
    check: ({ settings, now }) =>
      inWindows(now, settings.timeZone, settings.windows) ? undefined : skip(outsideWindows(settings)),
  },
  {
    name: "has-selector",
    check: ({ deployment: d }) =>
      d.spec?.selector ? undefined : skip(`Deployment ${d.metadata?.name ?? ""} has no selector`),
  },
];

/** What the checks after observing pods look at, computed once (`podFacts` in `./decide.ts`). */
export interface PodFacts {
  readonly deployment: Deployment;
  readonly replicaSets: readonly ReplicaSet[];
  readonly pods: readonly Pod[];
  readonly pdbs: readonly PodDisruptionBudget[];
  readonly settings: Pick<RecyclerSettings, "maxAgeMs" | "jitterMs" | "maxRotations">;
  readonly self?: Self;
  readonly current: ReplicaSet | undefined;
  /** The one capacity rule's answer for one more disruption now. */
  readonly room: Room;
  /** Due pods, oldest deadline first. */
  readonly due: readonly PlanStep[];
  /** The Deployment's pods that are not terminating. */
  readonly live: readonly Pod[];
}

/** The one capacity rule's shortfall, when it is of `kind`. */
function shortOf(
  facts: PodFacts,
  kind: Shortfall["kind"],
): { reason: string; capacity: Capacity } | undefined {
  const room = facts.room;
  return room.kind === "short" && room.shortfall.kind === kind
    ? { reason: room.shortfall.reason, capacity: room.capacity }
    : undefined;
}

const BELOW = "rotating now would drop below capacity";

/** After observing the pods, in this order, whatever the strategy. */
export const POD_CHECKS: readonly Check<PodFacts>[] = [
  {
    name: "current-replica-set",
    check: ({ current, deployment: d }) =>
      current ? undefined : skip(`no ReplicaSet of Deployment ${d.metadata?.name ?? ""} found`),
  },
  {
    name: "none-terminating",
    check: (f) => {
      const short = shortOf(f, "terminating");
      return short
        ? skip(
            `pod ${short.capacity.terminating.join(", ")} of Deployment ${f.deployment.metadata?.name ?? ""} is terminating`,
          )
        : undefined;
    },
  },
  {
    name: "all-ready",
    check: (f) => {
      const short = shortOf(f, "not-ready");
      return short ? skip(`${short.reason}: ${BELOW}`) : undefined;
    },
  },
  {
    name: "all-available",
    check: (f) => {
      const short = shortOf(f, "unavailable");
      return short
        ? skip(
            `only ${short.capacity.available} of ${short.capacity.desired} pods are available (Ready for minReadySeconds ${f.deployment.spec?.minReadySeconds ?? 0}s): ${BELOW}`,
          )
        : undefined;
    },
  },
  {
    name: "something-due",
    check: ({ due, deployment, replicaSets, pods, settings, self }) => {
      if (due.length > 0) return undefined;
      const next = nextDeadline(deployment, replicaSets, pods, {
        maxAgeMs: settings.maxAgeMs,
        jitterMs: settings.jitterMs,
        ...(self ? { self } : {}),
      });
      return {
        result: "nothing-to-do",
        reason: `no pod is older than ${formatDuration(settings.maxAgeMs)} plus its jitter${next ? `; next due: ${next.pod} at ${new Date(next.deadlineMs).toISOString()}` : ""}`,
      };
    },
  },
];

/** Before a restart (`--strategy restart`, or a single replica), in this order. */
export const RESTART_CHECKS: readonly Check<PodFacts>[] = [
  {
    name: "restart-surges",
    check: ({ deployment, due }) => {
      const problem = restartProblem(deployment);
      return problem
        ? skip(`a restart is needed (${due.map((p) => p.pod).join(", ")} due) but ${problem}`)
        : undefined;
    },
  },
  {
    name: "restart-within-max-rotations",
    check: ({ live, settings }) =>
      live.length > settings.maxRotations
        ? skip(
            `a restart replaces all ${live.length} pods, more than --max-rotations ${settings.maxRotations}; use --strategy evict or raise --max-rotations`,
          )
        : undefined,
  },
];

/** Before evicting, in this order: what the PodDisruptionBudget says (the budget half of the one rule). */
export const EVICT_CHECKS: readonly Check<PodFacts>[] = [
  {
    name: "one-budget",
    check: ({ room }) =>
      room.kind === "budget" && room.verdict.kind === "multiple"
        ? { result: "failed", reason: room.verdict.reason }
        : undefined,
  },
  {
    name: "budget-observed",
    check: ({ room }) =>
      room.kind === "budget" && room.verdict.kind === "stale" ? skip(room.verdict.reason) : undefined,
  },
  {
    name: "budget-allows",
    check: ({ room }) =>
      room.kind === "budget" && room.verdict.kind === "blocks"
        ? { result: "blocked", reason: room.verdict.reason }
        : undefined,
  },
];
