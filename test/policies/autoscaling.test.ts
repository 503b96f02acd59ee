import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { findings } from "./helpers";

describe("rules on autoscaled Deployments", () => {
  it("deployment-min-replicas counts the autoscaler's minReplicas, and only an autoscaler that targets it", () => {
    assert.deepEqual(findings("autoscaling", { rule: "deployment-min-replicas" }), [
      {
        rule: "deployment-min-replicas",
        object: "Deployment hpa-unset/web",
        at: "54:1",
        message:
          "HorizontalPodAutoscaler hpa-unset/web scales it down to 1 replica (spec.minReplicas is unset, so 1); at least 2 are needed so that one pod can be replaced while the others serve.",
      },
      {
        rule: "deployment-min-replicas",
        object: "Deployment hpa-elsewhere/web",
        at: "71:1",
        message:
          "spec.replicas is unset, so Kubernetes runs 1 replica; at least 2 are needed so that one pod can be replaced while the others serve.",
      },
    ]);
  });

  it("pdb-allows-disruption holds the budget at the autoscaler's minimum, not at spec.replicas", () => {
    assert.deepEqual(
      findings("autoscaling", { rule: "pdb-allows-disruption" }).map((f) => [f.object, f.message]),
      [
        [
          "PodDisruptionBudget hpa-low/web",
          "spec.minAvailable is 2 for Deployment hpa-low/web (2 replicas), so it allows 0 evictions when every pod is healthy: node drains hang and the recycler is always blocked.",
        ],
      ],
    );
  });
});
