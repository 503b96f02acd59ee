/**
 * Pure decisions over Kubernetes objects: which ReplicaSet is current, which pods belong to the Deployment, which
 * are due and in what order, whether a rollout is in progress, what the PodDisruptionBudget allows, whether a
 * restart would keep capacity. No I/O here; the run loop (`./run.ts`) feeds it the objects its watches hold.
 */
import { formatDuration } from "../contract/duration";
import { pdbDesiredHealthy, resolveRollingUpdate, unresolvable } from "../contract/int-or-percent";
import { selectorIsEmpty, selectorMatches } from "../contract/label-selector";
import { podDeadlineMs, podJitterMs } from "./jitter";
import {
  controllerOf,
  parseTime,
  podIsReady,
  podIsTerminating,
  type Deployment,
  type Pod,
  type PodDisruptionBudget,
  type ReplicaSet,
} from "./types";

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";
export const POD_TEMPLATE_HASH = "pod-template-hash";

/** One pod in a plan, in the order it would be rotated. */
export interface PlanStep {
  readonly order: number;
  readonly pod: string;
  readonly uid: string;
  readonly replicaSet: string;
  readonly node?: string;
  readonly createdAt: string;
  readonly age: string;
  readonly ageMs: number;
  readonly jitter: string;
  readonly deadline: string;
  readonly deadlineMs: number;
  /** How long past its deadline the pod is. */
  readonly overdue: string;
}

/** Who the recycler is, so it never rotates itself. */
export interface Self {
  readonly podName?: string;
  readonly podUid?: string;
}

export function desiredReplicas(deployment: Deployment): number {
  return deployment.spec?.replicas ?? 1;
}

function revision(rs: ReplicaSet): number {
  const n = Number(rs.metadata?.annotations?.[REVISION_ANNOTATION]);
  return Number.isFinite(n) ? n : -1;
}

/** Whether the ReplicaSet is controlled by the Deployment (by UID, or by name when UIDs are missing). */
export function ownedByDeployment(rs: ReplicaSet, deployment: Deployment): boolean {
  const owner = controllerOf(rs);
  if (!owner || owner.kind !== "Deployment") return false;
  const uid = deployment.metadata?.uid;
  return uid && owner.uid ? owner.uid === uid : owner.name === deployment.metadata?.name;
}

/** The Deployment's ReplicaSets, newest revision first. */
export function deploymentReplicaSets(
  deployment: Deployment,
  replicaSets: Iterable<ReplicaSet>,
): ReplicaSet[] {
  return [...replicaSets]
    .filter((rs) => ownedByDeployment(rs, deployment))
    .sort((a, b) => revision(b) - revision(a));
}

/** The current ReplicaSet: owned by the Deployment, highest `deployment.kubernetes.io/revision`. */
export function currentReplicaSet(
  deployment: Deployment,
  replicaSets: Iterable<ReplicaSet>,
): ReplicaSet | undefined {
  return deploymentReplicaSets(deployment, replicaSets)[0];
}

/** Whether the pod belongs to the ReplicaSet: its controller reference and, when both carry one, its template hash. */
export function podOfReplicaSet(pod: Pod, rs: ReplicaSet): boolean {
  const owner = controllerOf(pod);
  if (!owner || owner.kind !== "ReplicaSet") return false;
  const byOwner =
    rs.metadata?.uid && owner.uid ? owner.uid === rs.metadata.uid : owner.name === rs.metadata?.name;
  if (!byOwner) return false;
  const podHash = pod.metadata?.labels?.[POD_TEMPLATE_HASH];
  const rsHash = rs.metadata?.labels?.[POD_TEMPLATE_HASH];
  return podHash === undefined || rsHash === undefined || podHash === rsHash;
}

/** The Deployment's pods: inside its selector and controlled by one of its ReplicaSets. */
export function deploymentPods(
  deployment: Deployment,
  replicaSets: Iterable<ReplicaSet>,
  pods: Iterable<Pod>,
): Pod[] {
  const selector = deployment.spec?.selector;
  if (selectorIsEmpty(selector)) return [];
  const owned = deploymentReplicaSets(deployment, replicaSets);
  return [...pods].filter(
    (pod) => selectorMatches(selector, pod.metadata?.labels) && owned.some((rs) => podOfReplicaSet(pod, rs)),
  );
}

/** Counts of the Deployment's pods that matter for capacity. */
export interface Capacity {
  readonly desired: number;
  readonly ready: number;
  /**
   * Pods that count as available, as the Deployment and ReplicaSet controllers count them: Ready for at least
   * `minReadySeconds`, by the recycler's clock and by the Deployment's own `status.availableReplicas` (the
   * smaller of the two, so a clock ahead of the controllers' or a status that lags never overstates it).
   */
  readonly available: number;
  /** When the next Ready pod becomes available by the clock (a wait wakes then), if one is pending. */
  readonly nextAvailableAt?: number;
  readonly terminating: readonly string[];
  readonly notReady: readonly string[];
}

/** When a Ready pod becomes available: its Ready condition's transition time plus `minReadySeconds`. */
export function podAvailableAt(pod: Pod, minReadySeconds: number): number {
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === "Ready" && c.status === "True");
  const since = parseTime(ready?.lastTransitionTime);
  // A Ready pod without a transition time counts from its creation, as it cannot have been Ready before.
  const from = Number.isNaN(since) ? parseTime(pod.metadata?.creationTimestamp) : since;
  return (Number.isNaN(from) ? 0 : from) + minReadySeconds * 1000;
}

export function capacity(
  deployment: Deployment,
  replicaSets: Iterable<ReplicaSet>,
  pods: Iterable<Pod>,
  now: number = Number.POSITIVE_INFINITY,
): Capacity {
  const mine = deploymentPods(deployment, replicaSets, pods);
  const terminating = mine.filter(podIsTerminating).map((p) => p.metadata?.name ?? "");
  const live = mine.filter((p) => !podIsTerminating(p));
  const ready = live.filter(podIsReady);
  const minReady = deployment.spec?.minReadySeconds ?? 0;
  const availableAt = ready.map((p) => podAvailableAt(p, minReady));
  const byClock = availableAt.filter((t) => t <= now).length;
  const pending = availableAt.filter((t) => t > now);
  const status = deployment.status;
  const statusFresh = (status?.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0);
  const byStatus = statusFresh ? (status?.availableReplicas ?? 0) : 0;
  return {
    desired: desiredReplicas(deployment),
    ready: ready.length,
    available: Number.isFinite(now) ? Math.min(byClock, byStatus) : ready.length,
    ...(pending.length > 0 ? { nextAvailableAt: Math.min(...pending) } : {}),
    terminating,
    notReady: live.filter((p) => !podIsReady(p)).map((p) => p.metadata?.name ?? ""),
  };
}

/** Which part of capacity is missing for one more disruption, and why (as text). */
export interface Shortfall {
  readonly kind: "terminating" | "not-ready" | "unavailable";
  readonly reason: string;
}

/**
 * Why the Deployment is below capacity for one more disruption, or undefined when it is not: no pod terminating,
 * all desired pods Ready, all of them available. The capacity half of the recycler's one rule (`roomForOne` in
 * `./decide.ts` adds the PodDisruptionBudget).
 */
export function shortfall(cap: Capacity, minReadySeconds: number): Shortfall | undefined {
  if (cap.terminating.length > 0) {
    return { kind: "terminating", reason: `pod ${cap.terminating.join(", ")} is terminating` };
  }
  if (cap.ready < cap.desired) {
    return {
      kind: "not-ready",
      reason: `only ${cap.ready} of ${cap.desired} pods are Ready${cap.notReady.length ? ` (not Ready: ${cap.notReady.join(", ")})` : ""}`,
    };
  }
  if (cap.available < cap.desired) {
    return {
      kind: "unavailable",
      reason: `only ${cap.available} of ${cap.desired} pods are available (Ready for minReadySeconds ${minReadySeconds}s, as the Deployment counts them)`,
    };
  }
  return undefined;
}

/** Why the Deployment is below capacity for one more disruption (as text), or undefined when it is not. */
export function capacityShortfall(cap: Capacity, minReadySeconds: number): string | undefined {
  return shortfall(cap, minReadySeconds)?.reason;
}

function isSelf(pod: Pod, self: Self): boolean {
  return (
    (self.podName !== undefined && pod.metadata?.name === self.podName) ||
    (self.podUid !== undefined && pod.metadata?.uid === self.podUid)
  );
}

export interface CandidateOptions {
  readonly now: number;
  readonly maxAgeMs: number;
  readonly jitterMs: number;
  readonly self?: Self;
  /** UIDs already handled in this run. */
  readonly exclude?: ReadonlySet<string>;
}

/**
 * The pods due for rotation, oldest deadline first: Ready, not terminating, of the current ReplicaSet, inside the
 * Deployment's selector, not the recycler itself, and older than max age plus their jitter.
 */
export function dueCandidates(
  deployment: Deployment,
  replicaSets: Iterable<ReplicaSet>,
  pods: Iterable<Pod>,
  options: CandidateOptions,
): PlanStep[] {
  const current = currentReplicaSet(deployment, replicaSets);
  if (!current) return [];
  const selector = deployment.spec?.selector;
  if (selectorIsEmpty(selector)) return [];
  const due: { pod: Pod; created: number; deadline: number }[] = [];
  for (const pod of pods) {
    const uid = pod.metadata?.uid ?? "";
    if (!uid || options.exclude?.has(uid)) continue;
    if (!selectorMatches(selector, pod.metadata?.labels)) continue;
    if (!podOfReplicaSet(pod, current)) continue;
    if (!podIsReady(pod) || podIsTerminating(pod)) continue;
    if (options.self && isSelf(pod, options.self)) continue;
    const created = parseTime(pod.metadata?.creationTimestamp);
    if (Number.isNaN(created)) continue;
    const deadline = podDeadlineMs(created, uid, options.maxAgeMs, options.jitterMs);
    if (options.now > deadline) due.push({ pod, created, deadline });
  }
  due.sort(
    (a, b) =>
      a.deadline - b.deadline ||
      a.created - b.created ||
      (a.pod.metadata?.name ?? "").localeCompare(b.pod.metadata?.name ?? ""),
  );
  return due.map(({ pod, created, deadline }, i) => step(i + 1, pod, current, created, deadline, options));
}

function step(
  order: number,
  pod: Pod,
  rs: ReplicaSet,
  created: number,
  deadline: number,
  options: CandidateOptions,
): PlanStep {
  const uid = pod.metadata?.uid ?? "";
  const ageMs = options.now - created;
  return {
    order,
    pod: pod.metadata?.name ?? "",
    uid,
    replicaSet: rs.metadata?.name ?? "",
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    createdAt: new Date(created).toISOString(),
    age: formatDuration(ageMs),
    ageMs,
    jitter: formatDuration(podJitterMs(uid, options.jitterMs)),
    deadline: new Date(deadline).toISOString(),
    deadlineMs: deadline,
    overdue: formatDuration(options.now - deadline),
  };
}

/** The first `maxRotations` due pods are the plan; the rest wait for later runs. */
export function limitPlan(
  due: readonly PlanStep[],
  maxRotations: number,
): { plan: PlanStep[]; deferred: number } {
  const plan = due.slice(0, Math.max(0, maxRotations));
  return { plan, deferred: due.length - plan.length };
}

/** Why the Deployment is not in a steady state (a rollout in progress, paused or stuck), or undefined. */
export function rolloutProblem(deployment: Deployment): string | undefined {
  const name = deployment.metadata?.name ?? "";
  const desired = desiredReplicas(deployment);
  const status = deployment.status ?? {};
  const stuck = (status.conditions ?? []).find(
    (c) => c.type === "Progressing" && c.status === "False" && c.reason === "ProgressDeadlineExceeded",
  );
  if (stuck) {
    return `Deployment ${name} is stuck: its rollout exceeded its progress deadline (ProgressDeadlineExceeded${stuck.message ? `: ${stuck.message}` : ""}); fix the rollout first`;
  }
  const generation = deployment.metadata?.generation ?? 0;
  const observed = status.observedGeneration ?? 0;
  if (observed < generation) {
    return `Deployment ${name} is mid-rollout: generation ${generation} is not observed yet (observedGeneration ${observed})`;
  }
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  if (updated !== desired || total !== desired) {
    return `Deployment ${name} is mid-rollout: ${updated} of ${desired} replicas updated, ${total} in total`;
  }
  const available = status.availableReplicas ?? 0;
  if (available !== desired) {
    return `only ${available} of ${desired} replicas of Deployment ${name} are available`;
  }
  return undefined;
}

/** The PodDisruptionBudgets that cover the Deployment's pods, as the Eviction API matches them (empty selects none). */
export function budgetsFor(
  deployment: Deployment,
  pdbs: Iterable<PodDisruptionBudget>,
): PodDisruptionBudget[] {
  const labels = deployment.spec?.template?.metadata?.labels;
  return [...pdbs]
    .filter((pdb) => !selectorIsEmpty(pdb.spec?.selector) && selectorMatches(pdb.spec?.selector, labels))
    .sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
}

export type BudgetVerdict =
  | { readonly kind: "none" }
  | { readonly kind: "allows"; readonly name: string; readonly allowed: number }
  | { readonly kind: "stale"; readonly name: string; readonly reason: string }
  | { readonly kind: "blocks"; readonly name: string; readonly reason: string }
  | { readonly kind: "multiple"; readonly names: readonly string[]; readonly reason: string };

/**
 * The disruptions a PodDisruptionBudget's spec allows for `healthy` Ready pods of a Deployment that wants
 * `expected`, computed as the disruption controller does (percentages round up). The controller lags behind
 * scaling and readiness changes; computing it here keeps the recycler from acting on a stale status.
 */
export function budgetAllowance(
  pdb: PodDisruptionBudget,
  expected: number,
  healthy: number,
): { allowed: number; desiredHealthy: number } {
  const desiredHealthy = pdbDesiredHealthy(pdb.spec ?? {}, expected);
  // A value the controller cannot resolve makes it allow nothing (its fail-safe).
  if (desiredHealthy === undefined) return { allowed: 0, desiredHealthy: expected };
  return { allowed: Math.max(0, healthy - desiredHealthy), desiredHealthy };
}

/** Why a PodDisruptionBudget's spec cannot be resolved (a value that is not an int or a percentage), or undefined. */
function unresolvableBudget(pdb: PodDisruptionBudget): string | undefined {
  const spec = pdb.spec ?? {};
  if (pdbDesiredHealthy(spec, 0) !== undefined) return undefined;
  const [field, value] =
    spec.maxUnavailable !== undefined
      ? ["maxUnavailable", spec.maxUnavailable]
      : ["minAvailable", spec.minAvailable];
  return `PodDisruptionBudget ${pdb.metadata?.name ?? ""} has ${unresolvable(`spec.${field}`, value)}. The disruption controller allows no disruption until it is fixed`;
}

/**
 * What the PodDisruptionBudget says about one more disruption right now: its status and, when `healthy` (the
 * Deployment's Ready pods) is given, its spec applied to the Deployment's current replicas; the stricter wins.
 */
export function budgetVerdict(
  deployment: Deployment,
  pdbs: Iterable<PodDisruptionBudget>,
  notReady: readonly string[] = [],
  healthy?: number,
): BudgetVerdict {
  const matching = budgetsFor(deployment, pdbs);
  if (matching.length === 0) return { kind: "none" };
  if (matching.length > 1) {
    const names = matching.map((p) => p.metadata?.name ?? "");
    return {
      kind: "multiple",
      names,
      reason: `pods of Deployment ${deployment.metadata?.name ?? ""} are covered by ${names.length} PodDisruptionBudgets (${names.join(", ")}); the Eviction API refuses to evict such pods. Keep one PodDisruptionBudget per app`,
    };
  }
  const pdb = matching[0];
  const name = pdb.metadata?.name ?? "";
  const generation = pdb.metadata?.generation ?? 0;
  const observed = pdb.status?.observedGeneration ?? 0;
  if (observed < generation) {
    return {
      kind: "stale",
      name,
      reason: `PodDisruptionBudget ${name} status is stale (observedGeneration ${observed} < generation ${generation}): the disruption controller has not processed it yet`,
    };
  }
  const unresolvable = unresolvableBudget(pdb);
  if (unresolvable) return { kind: "blocks", name, reason: unresolvable };
  let allowed = pdb.status?.disruptionsAllowed ?? 0;
  let current = pdb.status?.currentHealthy ?? 0;
  let needed = pdb.status?.desiredHealthy ?? 0;
  if (healthy !== undefined) {
    const own = budgetAllowance(pdb, desiredReplicas(deployment), healthy);
    if (own.allowed < allowed) {
      allowed = own.allowed;
      current = healthy;
      needed = own.desiredHealthy;
    }
  }
  if (allowed < 1) {
    let hint = "";
    if (notReady.length > 0 && pdb.spec?.unhealthyPodEvictionPolicy !== "AlwaysAllow") {
      hint = `; not Ready: ${notReady.join(", ")} (with unhealthyPodEvictionPolicy: AlwaysAllow a stuck pod can be replaced)`;
    }
    return {
      kind: "blocks",
      name,
      reason: `PodDisruptionBudget ${name} allows no disruption (${current} healthy, ${needed} required)${hint}`,
    };
  }
  return { kind: "allows", name, allowed };
}

/** Why a rollout restart would lose capacity (it must surge: maxSurge >= 1 and maxUnavailable 0), or undefined. */
export function restartProblem(deployment: Deployment): string | undefined {
  const name = deployment.metadata?.name ?? "";
  const strategy = deployment.spec?.strategy;
  if (strategy?.type === "Recreate") {
    return `Deployment ${name} uses the Recreate strategy: a restart would stop every pod at once. Use RollingUpdate with maxSurge: 1 and maxUnavailable: 0`;
  }
  const desired = desiredReplicas(deployment);
  const rollingUpdate = strategy?.rollingUpdate;
  const { surge, unavailable } = resolveRollingUpdate(
    rollingUpdate?.maxSurge,
    rollingUpdate?.maxUnavailable,
    desired,
  );
  if (surge === undefined || unavailable === undefined) {
    const [field, value] =
      surge === undefined
        ? ["maxSurge", rollingUpdate?.maxSurge]
        : ["maxUnavailable", rollingUpdate?.maxUnavailable];
    return `Deployment ${name} has ${unresolvable(`spec.strategy.rollingUpdate.${field}`, value)}. A restart would not roll out; set maxSurge: 1 and maxUnavailable: 0`;
  }
  if (surge < 1 || unavailable > 0) {
    return `Deployment ${name} does not surge (maxSurge resolves to ${surge}, maxUnavailable to ${unavailable} of ${desired}): a restart would drop below capacity. Set maxSurge: 1 and maxUnavailable: 0`;
  }
  return undefined;
}

/** The earliest deadline among the current ReplicaSet's Ready pods (what "nothing to do" waits for), if any. */
export function nextDeadline(
  deployment: Deployment,
  replicaSets: Iterable<ReplicaSet>,
  pods: Iterable<Pod>,
  options: Omit<CandidateOptions, "now">,
): { pod: string; deadlineMs: number } | undefined {
  const current = currentReplicaSet(deployment, replicaSets);
  if (!current) return undefined;
  let best: { pod: string; deadlineMs: number } | undefined;
  for (const pod of pods) {
    const uid = pod.metadata?.uid ?? "";
    const created = parseTime(pod.metadata?.creationTimestamp);
    if (!uid || Number.isNaN(created) || !podOfReplicaSet(pod, current) || !podIsReady(pod)) continue;
    if (!selectorMatches(deployment.spec?.selector, pod.metadata?.labels)) continue;
    if (options.self && isSelf(pod, options.self)) continue;
    const deadlineMs = podDeadlineMs(created, uid, options.maxAgeMs, options.jitterMs);
    if (!best || deadlineMs < best.deadlineMs) best = { pod: pod.metadata?.name ?? "", deadlineMs };
  }
  return best;
}

/** A one-line summary of a plan step for text output. */
export function describeStep(s: PlanStep): string {
  return `${s.order}. ${s.pod} (age ${s.age}, due since ${s.deadline}, ${s.overdue} overdue${s.node ? `, node ${s.node}` : ""})`;
}
