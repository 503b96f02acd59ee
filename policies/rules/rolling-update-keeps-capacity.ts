import { DEFAULT_ROLLING_UPDATE, resolveRollingUpdate } from "../../contract/int-or-percent";
import { DEPLOYMENT, describe, field, show } from "../kube";
import type { Finding, Rule } from "../model";
import { allowanceOf } from "./pdb-allows-disruption";

/** Rollouts never take away more serving pods than the team accepts: surge first, or stay within the PDB. */
export const rollingUpdateKeepsCapacity: Rule = {
  id: "rolling-update-keeps-capacity",
  description:
    "Deployments roll out with maxUnavailable 0 and maxSurge >= 1, or take down no more pods than their PodDisruptionBudget allows.",
  severity: "medium",
  rationale:
    "Rolling updates do not consult PodDisruptionBudgets; a rollout that removes pods before their replacements are Ready runs below the capacity the budget promises, and Recreate takes every pod down.",
  remediation: "Use strategy RollingUpdate with maxUnavailable: 0 and maxSurge: 1.",
  scope: "stack",
  tags: ["availability"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    const fix = "Set spec.strategy.rollingUpdate to maxUnavailable: 0 and maxSurge: 1.";
    for (const deployment of index.ofType(DEPLOYMENT)) {
      const type = field(deployment, ["spec", "strategy", "type"]) ?? "RollingUpdate";
      if (type !== "RollingUpdate") {
        findings.push({
          ruleId: this.id,
          object: deployment,
          path: ["spec", "strategy", "type"],
          message: `spec.strategy.type is ${show(type)}: every rollout stops all pods before starting new ones, which is downtime.`,
          fix: "Set spec.strategy.type to RollingUpdate with rollingUpdate.maxUnavailable: 0 and rollingUpdate.maxSurge: 1.",
        });
        continue;
      }
      const replicas = index.fewestReplicasOf(deployment);
      const rawSurge = field(deployment, ["spec", "strategy", "rollingUpdate", "maxSurge"]);
      const rawUnavailable = field(deployment, ["spec", "strategy", "rollingUpdate", "maxUnavailable"]);
      const { surge, unavailable } = resolveRollingUpdate(rawSurge, rawUnavailable, replicas);
      const base = ["spec", "strategy", "rollingUpdate"];
      if (surge === undefined || unavailable === undefined) {
        const [name, value] =
          surge === undefined ? ["maxSurge", rawSurge] : ["maxUnavailable", rawUnavailable];
        findings.push({
          ruleId: this.id,
          object: deployment,
          path: [...base, name],
          message: `spec.strategy.rollingUpdate.${name} is ${show(value)}: it must be an integer or a percentage like "25%".`,
          fix,
        });
        continue;
      }
      if (unavailable === 0 && surge >= 1) continue;
      const pdbs = index.pdbsOf(deployment);
      const allowance = pdbs.length === 1 ? allowanceOf(index, pdbs[0]) : undefined;
      if (allowance && unavailable <= allowance.allowed) continue;
      const settings = `maxSurge ${show(rawSurge ?? DEFAULT_ROLLING_UPDATE)} and maxUnavailable ${show(rawUnavailable ?? DEFAULT_ROLLING_UPDATE)}`;
      const budget = allowance
        ? `more than the ${allowance.allowed} that ${describe(pdbs[0])} allows`
        : pdbs.length === 0
          ? "and no PodDisruptionBudget bounds it"
          : "and its PodDisruptionBudgets cannot be resolved";
      findings.push({
        ruleId: this.id,
        object: deployment,
        path: rawUnavailable === undefined ? ["spec", "strategy"] : [...base, "maxUnavailable"],
        message: `with ${settings} at ${replicas} replica${replicas === 1 ? "" : "s"}, a rollout may take ${unavailable} pod${unavailable === 1 ? "" : "s"} out of service before replacements are Ready, ${budget}.`,
        fix,
      });
    }
    return findings;
  },
};
