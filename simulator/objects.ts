/**
 * Small predicates and calculations over Kubernetes objects that the controllers, the eviction subresource
 * and the monitor share, each mirroring the upstream helper named in its comment.
 */
import type { Condition, IntOrString, KubeObject, OwnerReference, Pod } from "./types";
import { parseTime } from "./types";

/** `podutil.IsPodReady`: the Ready condition is True. */
export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/** A pod being deleted gracefully. */
export function isTerminating(object: KubeObject): boolean {
  return Boolean(object.metadata.deletionTimestamp);
}

/** `controller.IsPodActive`: not terminating and not in a terminal phase. */
export function isPodActive(pod: Pod): boolean {
  return !isTerminating(pod) && pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

/** The Ready condition's lastTransitionTime in ms, when the pod is Ready. */
export function podReadyTime(pod: Pod): number | undefined {
  const ready = (pod.status?.conditions ?? []).find((c) => c.type === "Ready" && c.status === "True");
  const t = parseTime(ready?.lastTransitionTime);
  return Number.isNaN(t) ? undefined : t;
}

/** `podutil.IsPodAvailable`: Ready for more than `minReadySeconds` (whole seconds, as the API stores times). */
export function isPodAvailable(pod: Pod, minReadySeconds: number, nowMs: number): boolean {
  if (!isPodReady(pod)) return false;
  if (minReadySeconds === 0) return true;
  const since = podReadyTime(pod);
  return since !== undefined && since + minReadySeconds * 1000 < nowMs;
}

/** `metav1.GetControllerOf`. */
export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return (object.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

/** An owner reference with controller and blockOwnerDeletion set, as controllers write them. */
export function controllerRef(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * `intstr.GetScaledValueFromIntOrPercent`: an int as is, a percentage of `total` rounded up or down.
 * Returns undefined for a malformed value. Deliberately not `contract/int-or-percent.ts`: the simulator is a second
 * opinion on rotor's conventions and keeps its own copies (see README.md).
 */
export function scaledValue(
  value: IntOrString | undefined,
  total: number,
  roundUp: boolean,
): number | undefined {
  if (value === undefined) return 0;
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return undefined;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** `math.Round` (half away from zero), as `integer.RoundToInt32` uses it. */
export function roundHalfAwayFromZero(x: number): number {
  return x < 0 ? -Math.round(-x) : Math.round(x);
}

/** Finds a condition by type. */
export function findCondition<C extends Condition>(
  conditions: readonly C[] | undefined,
  type: string,
): C | undefined {
  return (conditions ?? []).find((c) => c.type === type);
}

/** Deep equality of JSON values, ignoring key order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => jsonEqual(ao[k], bo[k]));
}
