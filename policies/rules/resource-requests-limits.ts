import { containersOf, describeContainer, dict } from "../kube";
import type { Finding, Rule } from "../model";

/** Every container declares what it needs and caps its memory. */
export const resourceRequestsLimits: Rule = {
  id: "resource-requests-limits",
  description: "Every container of app and recycler pods requests cpu and memory and sets a memory limit.",
  severity: "medium",
  rationale:
    "The scheduler places replacement pods by their requests: without them a rotated pod lands on a full node and is slow or evicted; without a memory limit one leaking pod can starve its neighbours.",
  remediation:
    "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container.",
  scope: "object",
  tags: ["availability"],
  defaultLevel: "mandatory",
  settings: {
    requireCpuLimit: {
      type: "boolean",
      default: false,
      description: "Also require resources.limits.cpu (off by default: CPU limits throttle and rarely help).",
    },
  },
  check({ index, settings }) {
    const findings: Finding[] = [];
    const wanted: [string, string][] = [
      ["requests", "cpu"],
      ["requests", "memory"],
      ["limits", "memory"],
    ];
    if (settings.requireCpuLimit === true) wanted.push(["limits", "cpu"]);
    for (const { object, template } of index.workloads()) {
      for (const ref of containersOf(template, ["initContainers", "containers"])) {
        const resources = dict(ref.container.resources);
        const missing = wanted.filter(([group, name]) => {
          const value = dict(resources?.[group])?.[name];
          return value === undefined || value === null || value === "";
        });
        if (missing.length === 0) continue;
        const names = missing.map(([group, name]) => `${group}.${name}`);
        findings.push({
          ruleId: this.id,
          object,
          path: resources ? [...ref.path, "resources"] : ref.path,
          message: `${describeContainer(ref)} does not set resources.${names.join(", resources.")}.`,
          fix: `Set ${names.map((n) => `resources.${n}`).join(", ")} in ${describeContainer(ref)} (for example requests cpu 100m, memory 128Mi; limits memory 256Mi).`,
        });
      }
    }
    return findings;
  },
};
