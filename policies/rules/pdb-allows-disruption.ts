import { pdbDesiredHealthy, scaleIntOrPercent } from "../../contract/int-or-percent";
import { PDB, describe, field, show } from "../kube";
import { KubeIndex } from "../kube-index";
import type { Finding, KubeObject, Rule } from "../model";

/** The result of resolving a budget against the pods it selects. */
export interface Allowance {
  /** Evictions the budget allows while every selected pod is healthy. */
  readonly allowed: number;
  /** The healthy pod count the budget was resolved against. */
  readonly expected: number;
}

/**
 * How many evictions a PodDisruptionBudget allows when all `expected` pods are healthy, computed as the
 * disruption controller does: `maxUnavailable` and percentage `minAvailable` are scaled with rounding up.
 * Undefined when the budget is invalid or sets neither field.
 */
export function allowedDisruptions(pdb: KubeObject, expected: number): number | undefined {
  const maxUnavailable = field(pdb, ["spec", "maxUnavailable"]);
  const minAvailable = field(pdb, ["spec", "minAvailable"]);
  if (maxUnavailable === undefined && minAvailable === undefined) return undefined;
  const desiredHealthy = pdbDesiredHealthy({ maxUnavailable, minAvailable }, expected);
  return desiredHealthy === undefined ? undefined : Math.max(0, expected - desiredHealthy);
}

/** Resolves a budget against the workloads it selects in `index`. */
export function allowanceOf(index: KubeIndex, pdb: KubeObject): Allowance | undefined {
  const expected = index.selectedByPdb(pdb).reduce((sum, w) => sum + index.fewestReplicasOf(w.object), 0);
  const allowed = allowedDisruptions(pdb, expected);
  return allowed === undefined ? undefined : { allowed, expected };
}

/** PodDisruptionBudgets leave room for at least one eviction, or nothing can ever be rotated or drained. */
export const pdbAllowsDisruption: Rule = {
  id: "pdb-allows-disruption",
  description: "Every PodDisruptionBudget still allows at least one eviction when all its pods are healthy.",
  severity: "high",
  rationale:
    "A budget that allows zero disruptions (maxUnavailable: 0, or minAvailable equal to the replicas) blocks every eviction: node drains hang and the recycler can never rotate a pod.",
  remediation:
    "Use maxUnavailable: 1 (or a percentage that rounds up to at least 1), or keep minAvailable below the replica count.",
  scope: "stack",
  tags: ["availability", "rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const pdb of index.ofType(PDB)) {
      const maxUnavailable = field(pdb, ["spec", "maxUnavailable"]);
      const minAvailable = field(pdb, ["spec", "minAvailable"]);
      const report = (path: string, message: string, fix: string) =>
        findings.push({ ruleId: this.id, object: pdb, path: ["spec", path], message, fix });
      if (maxUnavailable !== undefined && minAvailable !== undefined) {
        report(
          "minAvailable",
          `sets both spec.minAvailable (${show(minAvailable)}) and spec.maxUnavailable (${show(maxUnavailable)}); the API server accepts only one.`,
          "Remove spec.minAvailable and keep spec.maxUnavailable: 1.",
        );
        continue;
      }
      const fieldName = maxUnavailable !== undefined ? "maxUnavailable" : "minAvailable";
      const value = maxUnavailable ?? minAvailable;
      if (value === undefined) continue;
      if (scaleIntOrPercent(value, 0, true) === undefined) {
        report(
          fieldName,
          `spec.${fieldName} is ${show(value)}: it must be an integer or a percentage like "25%".`,
          `Set spec.${fieldName} to an integer or a percentage; maxUnavailable: 1 suits most Deployments.`,
        );
        continue;
      }
      if (maxUnavailable !== undefined && scaleIntOrPercent(maxUnavailable, 1_000_000, true)! <= 0) {
        report(
          "maxUnavailable",
          `spec.maxUnavailable is ${show(maxUnavailable)}, so no pod can ever be evicted: node drains hang and the recycler is always blocked.`,
          "Set spec.maxUnavailable to 1.",
        );
        continue;
      }
      const selected = index.selectedByPdb(pdb);
      const allowance = allowanceOf(index, pdb);
      if (!allowance) continue;
      // A minAvailable of 100% or more never allows an eviction, whatever it selects.
      const everyPod = typeof minAvailable === "string" && Number.parseInt(minAvailable, 10) >= 100;
      if (!everyPod && (allowance.expected === 0 || allowance.allowed >= 1)) continue;
      const replicas = (n: number) => `${n} replica${n === 1 ? "" : "s"}`;
      const pods =
        selected.length === 0
          ? "whatever pods it selects"
          : selected
              .map((w) => `${describe(w.object)} (${replicas(index.fewestReplicasOf(w.object))})`)
              .join(", ");
      report(
        fieldName,
        `spec.${fieldName} is ${show(value)} for ${pods}, so it allows ${everyPod ? 0 : allowance.allowed} evictions when every pod is healthy: node drains hang and the recycler is always blocked.`,
        `Replace spec.minAvailable with spec.maxUnavailable: 1, or run more replicas than minAvailable requires.`,
      );
    }
    return findings;
  },
};
