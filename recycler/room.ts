/**
 * The recycler's one capacity rule: is there room for one more disruption? All desired pods Ready and available,
 * none terminating, and the PodDisruptionBudget allows one more (by its status and by its spec applied to the
 * current replicas). The preflight, the wait before each eviction and the re-check before an eviction is sent
 * again all ask this one function.
 */
import {
  budgetVerdict,
  capacity,
  shortfall,
  type BudgetVerdict,
  type Capacity,
  type Shortfall,
} from "./plan";
import type { Deployment, Pod, PodDisruptionBudget, ReplicaSet } from "./types";

export type Room =
  /** Below capacity: wait (until `capacity.nextAvailableAt` when that is what is missing). */
  | { readonly kind: "short"; readonly capacity: Capacity; readonly shortfall: Shortfall }
  /** At capacity, but the PodDisruptionBudget says no (or is stale, or there are several). */
  | {
      readonly kind: "budget";
      readonly capacity: Capacity;
      readonly verdict: Extract<BudgetVerdict, { kind: "stale" | "blocks" | "multiple" }>;
    }
  /** One more disruption keeps capacity; `verdict` says whether a PodDisruptionBudget covers the pods. */
  | {
      readonly kind: "free";
      readonly capacity: Capacity;
      readonly verdict: Extract<BudgetVerdict, { kind: "none" | "allows" }>;
    };

/** Whether one more of the Deployment's pods may be disrupted at `now`, and if not, why. */
export function roomForOne(
  deployment: Deployment,
  replicaSets: Iterable<ReplicaSet>,
  pods: Iterable<Pod>,
  pdbs: Iterable<PodDisruptionBudget>,
  now: number,
): Room {
  const cap = capacity(deployment, replicaSets, pods, now);
  const short = shortfall(cap, deployment.spec?.minReadySeconds ?? 0);
  if (short) return { kind: "short", capacity: cap, shortfall: short };
  const verdict = budgetVerdict(deployment, pdbs, cap.notReady, cap.ready);
  if (verdict.kind === "none" || verdict.kind === "allows") return { kind: "free", capacity: cap, verdict };
  return { kind: "budget", capacity: cap, verdict };
}

/** Why there is no room, as one line; undefined when there is. */
export function noRoomReason(room: Room): string | undefined {
  if (room.kind === "short") return room.shortfall.reason;
  if (room.kind === "budget") return room.verdict.reason;
  return undefined;
}
