import { DEPLOYMENT, describe, field, show } from "../kube";
import type { Finding, Rule } from "../model";

/** Deployments run enough replicas that one pod can always be rotated while the others serve. */
export const deploymentMinReplicas: Rule = {
  id: "deployment-min-replicas",
  description: "Deployments run at least 2 replicas (configurable).",
  severity: "high",
  rationale:
    "Rotating, evicting or rescheduling the only pod of a Deployment is downtime; with two or more, one pod serves while another is replaced.",
  remediation:
    "Set spec.replicas to the minimum or more; when a HorizontalPodAutoscaler scales the Deployment, its spec.minReplicas is what counts.",
  scope: "object",
  tags: ["availability"],
  defaultLevel: "mandatory",
  settings: {
    minReplicas: {
      type: "integer",
      minimum: 1,
      default: 2,
      description: "The fewest replicas a Deployment may run.",
    },
  },
  check({ index, settings }) {
    const min = settings.minReplicas as number;
    const findings: Finding[] = [];
    for (const object of index.ofType(DEPLOYMENT)) {
      const hpa = index.autoscalerOf(object);
      if (hpa) {
        // The autoscaler owns the count: what matters is the fewest pods it scales down to.
        const fewest = index.fewestReplicasOf(object);
        if (fewest >= min) continue;
        const minReplicas = field(hpa, ["spec", "minReplicas"]);
        findings.push({
          ruleId: this.id,
          object,
          path: ["spec"],
          message: `${describe(hpa)} scales it down to ${fewest} replica${fewest === 1 ? "" : "s"}${minReplicas === undefined ? " (spec.minReplicas is unset, so 1)" : ""}; at least ${min} are needed so that one pod can be replaced while the others serve.`,
          fix: `Set spec.minReplicas of ${describe(hpa)} to ${min} or more.`,
        });
        continue;
      }
      const replicas = field(object, ["spec", "replicas"]);
      if (typeof replicas === "number" && Number.isInteger(replicas) && replicas >= min) continue;
      const what =
        replicas === undefined
          ? "spec.replicas is unset, so Kubernetes runs 1 replica"
          : typeof replicas === "number"
            ? `spec.replicas is ${replicas}`
            : `spec.replicas is ${show(replicas)}, not an integer`;
      findings.push({
        ruleId: this.id,
        object,
        path: replicas === undefined ? ["spec"] : ["spec", "replicas"],
        message: `${what}; at least ${min} are needed so that one pod can be replaced while the others serve.`,
        fix: `Set spec.replicas to ${min} or more.`,
      });
    }
    return findings;
  },
};
