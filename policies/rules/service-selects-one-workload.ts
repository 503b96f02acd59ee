import { SERVICE, describe, field, namespaceOf, mapSelectorMatches, stringMap } from "../kube";
import type { Finding, Rule } from "../model";

/** A Service sends traffic to the pods of exactly one workload. */
export const serviceSelectsOneWorkload: Rule = {
  id: "service-selects-one-workload",
  description: "A Service's selector matches the pods of exactly one workload in its namespace.",
  severity: "medium",
  rationale:
    "A selector that matches nothing serves no traffic; one that matches two workloads mixes their pods, so a rotation or rollout of one changes what the other's clients get.",
  remediation:
    "Make spec.selector the pod template labels of the one workload it fronts (app.kubernetes.io/name and instance).",
  scope: "stack",
  tags: ["availability"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const service of index.ofType(SERVICE)) {
      if (field(service, ["spec", "type"]) === "ExternalName") continue;
      const selector = stringMap(field(service, ["spec", "selector"]));
      const pairs = Object.entries(selector);
      // Without a selector the Service's endpoints are managed by hand; nothing to match.
      if (pairs.length === 0) continue;
      const namespace = namespaceOf(service);
      const matched = index.selectWorkloads(namespace, pairs[0], (labels) =>
        mapSelectorMatches(selector, labels),
      );
      if (matched.length === 1) continue;
      const selectorText = JSON.stringify(selector);
      findings.push({
        ruleId: this.id,
        object: service,
        path: ["spec", "selector"],
        message:
          matched.length === 0
            ? `spec.selector ${selectorText} matches the pods of no workload in namespace ${namespace}, so the Service has no endpoints.`
            : `spec.selector ${selectorText} matches the pods of ${matched.length} workloads (${matched.map((w) => describe(w.object)).join(", ")}), so their pods share its traffic.`,
        fix:
          matched.length === 0
            ? "Set spec.selector to the pod template labels of the workload this Service fronts."
            : "Narrow spec.selector to labels only one workload's pods carry, like app.kubernetes.io/name and app.kubernetes.io/instance.",
      });
    }
    return findings;
  },
};
