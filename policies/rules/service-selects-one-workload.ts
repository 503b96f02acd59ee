import { NAME_LABEL, VERSION_LABEL } from "../../contract/labels";
import { SERVICE, field, namespaceOf, stringMap } from "../kube";
import type { Workload } from "../kube-index";
import type { Finding, Rule } from "../model";

/** Labels that name an app and its version, recommended first, then the older short forms. */
const NAME_LABELS = [NAME_LABEL, "app"];
const VERSION_LABELS = [VERSION_LABEL, "version"];

function firstLabel(labels: Readonly<Record<string, string>>, keys: readonly string[]): string | undefined {
  for (const key of keys) if (labels[key] !== undefined) return labels[key];
  return undefined;
}

/**
 * Whether the workloads are versions of one app (the canary and blue-green pattern: one Service over `web-v1`
 * and `web-v2`): their pods carry the same app name and each a different version.
 */
export function versionsOfOneApp(workloads: readonly Workload[]): boolean {
  const names = new Set(workloads.map((w) => firstLabel(w.template.labels, NAME_LABELS)));
  const versions = workloads.map((w) => firstLabel(w.template.labels, VERSION_LABELS));
  return (
    names.size === 1 &&
    !names.has(undefined) &&
    versions.every((v) => v !== undefined) &&
    new Set(versions).size === versions.length
  );
}

/** A Service sends traffic to the pods of exactly one workload, or to versions of one app. */
export const serviceSelectsOneWorkload: Rule = {
  id: "service-selects-one-workload",
  description:
    "A Service's selector matches the pods of exactly one workload in its namespace, or of versions of one app.",
  severity: "medium",
  rationale:
    "A selector that matches nothing serves no traffic; one that matches two workloads mixes their pods, so a rotation or rollout of one changes what the other's clients get. Versions of one app behind one Service (same app.kubernetes.io/name, a different app.kubernetes.io/version each) are a deliberate canary or blue-green split.",
  remediation:
    "Make spec.selector the pod template labels of the one workload it fronts (app.kubernetes.io/name and instance), or label the workloads as versions of one app.",
  scope: "stack",
  tags: ["availability"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const service of index.ofType(SERVICE)) {
      if (field(service, ["spec", "type"]) === "ExternalName") continue;
      const selector = stringMap(field(service, ["spec", "selector"]));
      // Without a selector the Service's endpoints are managed by hand; nothing to match.
      if (Object.keys(selector).length === 0) continue;
      const namespace = namespaceOf(service);
      // One object defined twice is one workload, and so are the Pods of one controller.
      const owners = new Map<string, Workload>();
      for (const w of index.selectedByService(service)) if (!owners.has(w.owner)) owners.set(w.owner, w);
      const matched = [...owners.values()];
      if (matched.length === 1 || (matched.length > 1 && versionsOfOneApp(matched))) continue;
      const selectorText = JSON.stringify(selector);
      findings.push({
        ruleId: this.id,
        object: service,
        path: ["spec", "selector"],
        message:
          matched.length === 0
            ? `spec.selector ${selectorText} matches the pods of no workload in namespace ${namespace}, so the Service has no endpoints.`
            : `spec.selector ${selectorText} matches the pods of ${matched.length} workloads (${matched.map((w) => w.ownerName).join(", ")}), so their pods share its traffic.`,
        fix:
          matched.length === 0
            ? "Set spec.selector to the pod template labels of the workload this Service fronts."
            : "Narrow spec.selector to labels only one workload's pods carry, like app.kubernetes.io/name and app.kubernetes.io/instance; for versions of one app, give their pods the same app.kubernetes.io/name and each its own app.kubernetes.io/version.",
      });
    }
    return findings;
  },
};
