import {
  DEPLOYMENT,
  PDB,
  describe,
  field,
  namespaceOf,
  podTemplateOf,
  selectorMatches,
  stringMap,
} from "../kube";
import type { Finding, Rule } from "../model";

/** Every Deployment's pods are covered by exactly one PodDisruptionBudget in their namespace. */
export const deploymentHasPdb: Rule = {
  id: "deployment-has-pdb",
  description:
    "Exactly one PodDisruptionBudget in the Deployment's namespace selects its pods and limits disruptions.",
  severity: "high",
  rationale:
    "Evictions (node drains, the recycler) honour PodDisruptionBudgets; without one they may take every pod at once, and with two the Eviction API refuses to evict at all.",
  remediation:
    "Add one PodDisruptionBudget in the same namespace whose selector matches the pod template labels, with maxUnavailable: 1.",
  scope: "stack",
  tags: ["availability", "rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const deployment of index.ofType(DEPLOYMENT)) {
      const namespace = namespaceOf(deployment);
      const pdbs = index.pdbsOf(deployment);
      if (pdbs.length === 0) {
        const selectorText = JSON.stringify(
          stringMap(field(deployment, ["spec", "selector", "matchLabels"])),
        );
        const labels = podTemplateOf(deployment)?.labels ?? {};
        const elsewhere = index
          .ofType(PDB)
          .filter(
            (pdb) =>
              namespaceOf(pdb) !== namespace && selectorMatches(field(pdb, ["spec", "selector"]), labels),
          );
        const named =
          elsewhere.slice(0, 3).map(describe).join(", ") +
          (elsewhere.length > 3 ? ` and ${elsewhere.length - 3} more` : "");
        const note =
          elsewhere.length > 0
            ? ` ${named} ${elsewhere.length === 1 ? "matches" : "match"} its labels, but a budget only covers pods in its own namespace.`
            : "";
        findings.push({
          ruleId: this.id,
          object: deployment,
          path: ["metadata", "name"],
          message: `no PodDisruptionBudget in namespace ${namespace} selects its pods, so evictions can take all of them at once.${note}`,
          fix: `Create a PodDisruptionBudget in namespace ${namespace} with spec.selector.matchLabels ${selectorText} and spec.maxUnavailable: 1.`,
        });
      } else if (pdbs.length > 1) {
        findings.push({
          ruleId: this.id,
          object: deployment,
          path: ["metadata", "name"],
          message: `${pdbs.map(describe).join(" and ")} all select its pods; the Eviction API refuses to evict a pod covered by more than one budget, so rotations and node drains stall.`,
          fix: "Keep one PodDisruptionBudget for these pods; delete the others or narrow their selectors.",
        });
      } else {
        const pdb = pdbs[0];
        const spec = field(pdb, ["spec"]);
        if (field(spec, ["minAvailable"]) === undefined && field(spec, ["maxUnavailable"]) === undefined) {
          findings.push({
            ruleId: this.id,
            object: deployment,
            path: ["metadata", "name"],
            message: `${describe(pdb)} selects its pods but sets neither minAvailable nor maxUnavailable, so it limits nothing.`,
            fix: `Set spec.maxUnavailable: 1 on ${describe(pdb)}.`,
          });
        }
      }
    }
    return findings;
  },
};
