import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { evaluate } from "../../policies/engine";
import {
  PDB,
  SERVICE,
  containersOf,
  describe as describeObject,
  dict,
  field,
  list,
  mapSelectorMatches,
  namespaceOf,
  podTemplateOf,
  selectorMatches,
  stringMap,
  typeKey,
} from "../../policies/kube";
import { KubeIndex } from "../../policies/kube-index";
import type { KubeObject } from "../../policies/model";
import { objects } from "./helpers";

/**
 * Where rotor's rules overlap kube-linter, kube-score, Polaris and Kyverno's policy library, this encodes their
 * verdict on the same fixture objects, from their rule definitions (see docs/policies.md), and checks that rotor
 * agrees where docs/policies.md says it agrees and differs where it says it differs. The checkers themselves do
 * not run here; each model below follows the named check's published logic.
 */

type Verdict = "pass" | "fail";
type Model = (object: KubeObject, all: readonly KubeObject[]) => Verdict;

const fail = (failed: boolean): Verdict => (failed ? "fail" : "pass");
const replicas = (o: KubeObject) => field(o, ["spec", "replicas"]);
const templateLabels = (o: KubeObject) => podTemplateOf(o)?.labels ?? {};
const percent = (v: unknown) =>
  typeof v === "string" && v.endsWith("%") ? Number.parseInt(v, 10) : undefined;
const workloadsOf = (all: readonly KubeObject[]) =>
  all.filter((o) => podTemplateOf(o) && !["batch/Job", "batch/CronJob", "core/Pod"].includes(typeKey(o)));
const servicesTargeting = (o: KubeObject, all: readonly KubeObject[]) =>
  all.filter(
    (s) =>
      typeKey(s) === SERVICE &&
      namespaceOf(s) === namespaceOf(o) &&
      Object.keys(stringMap(field(s, ["spec", "selector"]))).length > 0 &&
      mapSelectorMatches(stringMap(field(s, ["spec", "selector"])), templateLabels(o)),
  );

const MODELS: Record<string, Model> = {
  // kube-linter 0.8.3 pkg/templates/pdbminavailable: 100% fails; else deployment-likes in the namespace whose
  // selector (as a label set) the PDB's selector matches, percentages rounded UP, with an HPA's minReplicas for a
  // Deployment at 1 (or unset) replicas, fail when replicas <= minAvailable.
  "kube-linter pdb-min-available": (pdb, all) => {
    const min = field(pdb, ["spec", "minAvailable"]);
    if (min === undefined) return "pass";
    if (percent(min) === 100) return "fail";
    return fail(
      workloadsOf(all)
        .filter(
          (w) =>
            namespaceOf(w) === namespaceOf(pdb) &&
            selectorMatches(
              field(pdb, ["spec", "selector"]),
              stringMap(field(w, ["spec", "selector", "matchLabels"])),
            ),
        )
        .some((w) => {
          const r = typeof replicas(w) === "number" ? (replicas(w) as number) : 1;
          const p = percent(min);
          return r <= (p === undefined ? (min as number) : Math.ceil((r * p) / 100));
        }),
    );
  },
  // kube-linter 0.8.3 pkg/templates/pdbmaxunavailable: intstr.GetScaledValueFromIntOrPercent(max, 100, false) == 0,
  // so 0 and "0%" fail and any other percentage passes.
  "kube-linter pdb-max-unavailable": (pdb) => {
    const max = field(pdb, ["spec", "maxUnavailable"]);
    if (max === undefined) return "pass";
    return fail((typeof max === "number" ? max : (percent(max) ?? 0)) === 0);
  },
  // kube-linter no-readiness-probe: every (non-init) container of a deployment-like needs a readinessProbe.
  "kube-linter no-readiness-probe": (o) =>
    fail(containersOf(podTemplateOf(o)!, ["containers"]).some((c) => !dict(c.container.readinessProbe))),
  // kube-linter dangling-service: a Service whose selector matches no deployment-like in its namespace.
  "kube-linter dangling-service": (s, all) =>
    fail(
      !all.some(
        (w) =>
          podTemplateOf(w) &&
          namespaceOf(w) === namespaceOf(s) &&
          mapSelectorMatches(stringMap(field(s, ["spec", "selector"])), templateLabels(w)),
      ),
    ),
  // kube-score deployment-has-poddisruptionbudget: skipped below 2 replicas; else any PDB in the namespace whose
  // selector matches the template labels (what the PDB allows is not looked at).
  "kube-score deployment-has-poddisruptionbudget": (d, all) => {
    if (typeof replicas(d) === "number" && (replicas(d) as number) < 2) return "pass";
    return fail(
      !all.some(
        (p) =>
          typeKey(p) === PDB &&
          namespaceOf(p) === namespaceOf(d) &&
          selectorMatches(field(p, ["spec", "selector"]), templateLabels(d)),
      ),
    );
  },
  // kube-score deployment-replicas: only Deployments targeted by a Service (and without an HPA); replicas >= 2.
  "kube-score deployment-replicas": (d, all) =>
    servicesTargeting(d, all).length === 0
      ? "pass"
      : fail((typeof replicas(d) === "number" ? (replicas(d) as number) : 1) < 2),
  // kube-score pod-probes: readiness required only when a Service targets the pods (or a ServiceAccount is set).
  "kube-score pod-probes": (o, all) => {
    const targeted =
      servicesTargeting(o, all).length > 0 || Boolean(podTemplateOf(o)!.spec.serviceAccountName);
    return targeted
      ? fail(
          !containersOf(podTemplateOf(o)!, ["initContainers", "containers"]).some((c) =>
            dict(c.container.readinessProbe),
          ),
        )
      : "pass";
  },
  // kube-score service-targets-pod: a Service must match some pod; matching several is not its concern.
  "kube-score service-targets-pod": (s, all) =>
    fail(
      !all.some(
        (w) =>
          podTemplateOf(w) &&
          namespaceOf(w) === namespaceOf(s) &&
          mapSelectorMatches(stringMap(field(s, ["spec", "selector"])), templateLabels(w)),
      ),
    ),
  // kube-score cronjob-has-deadline: spec.startingDeadlineSeconds is set.
  "kube-score cronjob-has-deadline": (c) => fail(field(c, ["spec", "startingDeadlineSeconds"]) === undefined),
  // Polaris deploymentMissingReplicas: spec.replicas is required and at least 2.
  "polaris deploymentMissingReplicas": (d) =>
    fail(!(typeof replicas(d) === "number" && (replicas(d) as number) >= 2)),
  // Polaris pdbDisruptionsIsZero: reads the spec; maxUnavailable 0 (or "0%") and minAvailable "100%" fail. An
  // integer minAvailable is not compared with the replicas.
  "polaris pdbDisruptionsIsZero": (pdb) => {
    const max = field(pdb, ["spec", "maxUnavailable"]);
    const min = field(pdb, ["spec", "minAvailable"]);
    return fail(max === 0 || max === "0%" || min === "100%");
  },
  // Polaris readinessProbeMissing: every container of controllers other than Jobs and CronJobs.
  "polaris readinessProbeMissing": (o) =>
    ["batch/Job", "batch/CronJob"].includes(typeKey(o))
      ? "pass"
      : fail(containersOf(podTemplateOf(o)!, ["containers"]).some((c) => !dict(c.container.readinessProbe))),
  // Polaris runAsRootAllowed: runAsNonRoot true OR runAsUser >= 1, at pod level (not overridden) or per container.
  "polaris runAsRootAllowed": (o) => {
    const good = (ctx: unknown) =>
      dict(ctx)?.runAsNonRoot === true || ((dict(ctx)?.runAsUser as number) ?? 0) >= 1;
    const template = podTemplateOf(o)!;
    return fail(
      !containersOf(template, ["containers"]).every(
        (c) => good(c.container.securityContext) || good(template.spec.securityContext),
      ),
    );
  },
  // Kyverno deployment-has-multiple-replicas: pattern spec.replicas ">1" (a missing field fails the pattern).
  "kyverno deployment-has-multiple-replicas": (d) =>
    fail(!(typeof replicas(d) === "number" && (replicas(d) as number) > 1)),
  // Kyverno pdb-maxunavailable: `=(maxUnavailable): ">0"`; minAvailable is not looked at.
  "kyverno pdb-maxunavailable": (pdb) => {
    const max = field(pdb, ["spec", "maxUnavailable"]);
    return fail(max !== undefined && !(typeof max === "number" ? max > 0 : (percent(max) ?? 0) > 0));
  },
  // Kyverno require-pod-probes: each container has a liveness, readiness OR startup probe.
  "kyverno require-pod-probes": (o) =>
    fail(
      containersOf(podTemplateOf(o)!, ["containers"]).some(
        (c) => !["livenessProbe", "readinessProbe", "startupProbe"].some((p) => dict(c.container[p])),
      ),
    ),
  // Kyverno require-requests-limits: cpu and memory requests and a memory limit on containers and init containers.
  "kyverno require-requests-limits": (o) =>
    fail(
      containersOf(podTemplateOf(o)!, ["initContainers", "containers"]).some((c) => {
        const r = dict(c.container.resources);
        return (
          !field(r, ["requests", "cpu"]) ||
          !field(r, ["requests", "memory"]) ||
          !field(r, ["limits", "memory"])
        );
      }),
    ),
  // Kyverno disallow-capabilities-strict: drop must contain ALL; add only NET_BIND_SERVICE.
  "kyverno disallow-capabilities-strict": (o) =>
    fail(
      containersOf(podTemplateOf(o)!).some((c) => {
        const caps = dict(dict(c.container.securityContext)?.capabilities);
        return !list(caps?.drop).includes("ALL") || list(caps?.add).some((a) => a !== "NET_BIND_SERVICE");
      }),
    ),
  // Kyverno require-run-as-non-root: pod runAsNonRoot true (containers may not set false), or every container true.
  "kyverno require-run-as-non-root": (o) => {
    const template = podTemplateOf(o)!;
    const containers = containersOf(template, ["initContainers", "containers"]).map(
      (c) => dict(c.container.securityContext)?.runAsNonRoot,
    );
    const pod =
      dict(template.spec.securityContext)?.runAsNonRoot === true &&
      containers.every((v) => v === undefined || v === true);
    return fail(!(pod || containers.every((v) => v === true)));
  },
  // Kyverno restrict-wildcard-verbs: no "*" in any rule's verbs.
  "kyverno restrict-wildcard-verbs": (role) =>
    fail(list(field(role, ["rules"])).some((r) => list(dict(r)?.verbs).includes("*"))),
};

/** Whether rotor reports (an unwaived finding of) `rule` on `object`. */
function rotorVerdict(rule: string, object: KubeObject, all: readonly KubeObject[]): Verdict {
  return fail(
    evaluate(all).some((f) => f.ruleId === rule && f.object === object && f.waivedBecause === undefined),
  );
}

/** [checker check, rotor rule, fixture, object, their verdict, agrees or differs] — the table in docs/policies.md. */
const TABLE: [
  check: string,
  rule: string,
  fixture: string,
  object: string,
  theirs: Verdict,
  relation: "agrees" | "differs",
][] = [
  [
    "kube-linter pdb-min-available",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget min-equal/app",
    "fail",
    "agrees",
  ],
  [
    "kube-linter pdb-min-available",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget min-below/app",
    "pass",
    "agrees",
  ],
  [
    "kube-linter pdb-min-available",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget min-percent-rounds-up/app",
    "fail",
    "agrees",
  ],
  [
    "kube-linter pdb-max-unavailable",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-zero/app",
    "fail",
    "agrees",
  ],
  [
    "kube-linter pdb-max-unavailable",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-one/app",
    "pass",
    "agrees",
  ],
  [
    "kube-linter pdb-max-unavailable",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-ten-percent/app",
    "pass",
    "agrees",
  ],
  [
    "kube-linter pdb-max-unavailable",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-zero-percent/app",
    "fail",
    "agrees",
  ],
  [
    "kube-linter no-readiness-probe",
    "readiness-probe",
    "readiness",
    "Deployment probes/probed",
    "fail",
    "differs",
  ],
  [
    "kube-linter no-readiness-probe",
    "readiness-probe",
    "readiness",
    "StatefulSet probes/db",
    "fail",
    "agrees",
  ],
  [
    "kube-linter dangling-service",
    "service-selects-one-workload",
    "services",
    "Service nothing/web",
    "fail",
    "agrees",
  ],
  [
    "kube-linter dangling-service",
    "service-selects-one-workload",
    "services",
    "Service two/shop",
    "pass",
    "differs",
  ],
  [
    "kube-score deployment-has-poddisruptionbudget",
    "deployment-has-pdb",
    "pdb-coverage",
    "Deployment elsewhere/lonely",
    "fail",
    "agrees",
  ],
  [
    "kube-score deployment-has-poddisruptionbudget",
    "deployment-has-pdb",
    "pdb-coverage",
    "Deployment covered/app",
    "pass",
    "agrees",
  ],
  [
    "kube-score deployment-has-poddisruptionbudget",
    "deployment-has-pdb",
    "pdb-coverage",
    "Deployment double/app",
    "pass",
    "differs",
  ],
  [
    "kube-score deployment-has-poddisruptionbudget",
    "deployment-has-pdb",
    "pdb-coverage",
    "Deployment empty-budget/app",
    "pass",
    "differs",
  ],
  [
    "kube-score deployment-has-poddisruptionbudget",
    "deployment-has-pdb",
    "replicas",
    "Deployment replicas/one",
    "pass",
    "differs",
  ],
  [
    "kube-score deployment-replicas",
    "deployment-min-replicas",
    "replicas",
    "Deployment replicas/one",
    "pass",
    "differs",
  ],
  ["kube-score pod-probes", "readiness-probe", "readiness", "StatefulSet probes/db", "pass", "differs"],
  [
    "kube-score pod-probes",
    "readiness-probe",
    "readiness-services",
    "Deployment svc/hidden",
    "fail",
    "agrees",
  ],
  [
    "polaris readinessProbeMissing",
    "readiness-probe",
    "readiness-services",
    "Job svc/batch-worker",
    "pass",
    "agrees",
  ],
  [
    "kube-linter dangling-service",
    "service-selects-one-workload",
    "services-versions",
    "Service versions/web",
    "pass",
    "agrees",
  ],
  [
    "kube-score service-targets-pod",
    "service-selects-one-workload",
    "services",
    "Service nothing/web",
    "fail",
    "agrees",
  ],
  [
    "kube-score service-targets-pod",
    "service-selects-one-workload",
    "services",
    "Service two/shop",
    "pass",
    "differs",
  ],
  [
    "kube-score cronjob-has-deadline",
    "recycler-cronjob-settings",
    "recycler-cronjob",
    "CronJob cron/safe",
    "pass",
    "agrees",
  ],
  [
    "kube-score cronjob-has-deadline",
    "recycler-cronjob-settings",
    "recycler-cronjob",
    "CronJob cron/defaults",
    "fail",
    "agrees",
  ],
  [
    "polaris deploymentMissingReplicas",
    "deployment-min-replicas",
    "replicas",
    "Deployment replicas/unset",
    "fail",
    "agrees",
  ],
  [
    "polaris deploymentMissingReplicas",
    "deployment-min-replicas",
    "replicas",
    "Deployment replicas/two",
    "pass",
    "agrees",
  ],
  [
    "polaris pdbDisruptionsIsZero",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-one/app",
    "pass",
    "agrees",
  ],
  [
    "polaris pdbDisruptionsIsZero",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-zero/app",
    "fail",
    "agrees",
  ],
  [
    "polaris pdbDisruptionsIsZero",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget min-equal/app",
    "pass",
    "differs",
  ],
  [
    "polaris readinessProbeMissing",
    "readiness-probe",
    "readiness",
    "Deployment probes/probed",
    "fail",
    "differs",
  ],
  [
    "polaris runAsRootAllowed",
    "pod-security-restricted",
    "pod-security",
    "Deployment psa/uid-only",
    "pass",
    "differs",
  ],
  [
    "polaris runAsRootAllowed",
    "pod-security-restricted",
    "pod-security",
    "Deployment psa/restricted",
    "pass",
    "agrees",
  ],
  [
    "kyverno deployment-has-multiple-replicas",
    "deployment-min-replicas",
    "replicas",
    "Deployment replicas/one",
    "fail",
    "agrees",
  ],
  [
    "kyverno deployment-has-multiple-replicas",
    "deployment-min-replicas",
    "replicas",
    "Deployment replicas/unset",
    "fail",
    "agrees",
  ],
  [
    "kyverno pdb-maxunavailable",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-zero/app",
    "fail",
    "agrees",
  ],
  [
    "kyverno pdb-maxunavailable",
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget min-equal/app",
    "pass",
    "differs",
  ],
  ["kyverno require-pod-probes", "readiness-probe", "readiness", "StatefulSet probes/db", "pass", "differs"],
  [
    "kyverno require-requests-limits",
    "resource-requests-limits",
    "resources",
    "Deployment res/partly",
    "fail",
    "agrees",
  ],
  [
    "kyverno require-requests-limits",
    "resource-requests-limits",
    "resources",
    "Deployment res/sized",
    "pass",
    "agrees",
  ],
  [
    "kyverno disallow-capabilities-strict",
    "pod-security-restricted",
    "pod-security",
    "Deployment psa/escalating",
    "fail",
    "agrees",
  ],
  [
    "kyverno disallow-capabilities-strict",
    "pod-security-restricted",
    "pod-security",
    "Deployment psa/restricted",
    "pass",
    "agrees",
  ],
  [
    "kyverno require-run-as-non-root",
    "pod-security-restricted",
    "pod-security",
    "Pod psa/root",
    "fail",
    "agrees",
  ],
  [
    "kyverno require-run-as-non-root",
    "pod-security-restricted",
    "pod-security",
    "Deployment psa/uid-only",
    "fail",
    "agrees",
  ],
  [
    "kyverno require-run-as-non-root",
    "pod-security-restricted",
    "pod-security",
    "StatefulSet psa/container-level",
    "pass",
    "agrees",
  ],
  [
    "kyverno restrict-wildcard-verbs",
    "recycler-rbac-least-privilege",
    "recycler-rbac",
    "Role broad/web-recycler",
    "fail",
    "agrees",
  ],
  [
    "kyverno restrict-wildcard-verbs",
    "recycler-rbac-least-privilege",
    "recycler-rbac",
    "Role least/web-recycler",
    "pass",
    "agrees",
  ],
];

describe("agreement with kube-linter, kube-score, Polaris and Kyverno", () => {
  for (const [check, rule, fixture, name, theirs, relation] of TABLE) {
    test(`${check} says ${theirs} on ${name}; rotor's ${rule} ${relation}`, () => {
      const all = objects(fixture);
      const object = all.find((o) => describeObject(o) === name);
      assert.ok(object, `${name} is in ${fixture}.yaml`);
      assert.equal(MODELS[check](object, all), theirs, `${check}'s verdict as encoded`);
      const expected: Verdict = relation === "agrees" ? theirs : theirs === "pass" ? "fail" : "pass";
      assert.equal(rotorVerdict(rule, object, all), expected, `rotor's ${rule}`);
    });
  }

  test("every model is used and every row's checker is documented in docs/policies.md", () => {
    const docs = readFileSync(join(__dirname, "..", "..", "docs", "policies.md"), "utf8");
    assert.deepEqual(new Set(TABLE.map(([check]) => check)), new Set(Object.keys(MODELS)));
    for (const check of Object.keys(MODELS)) {
      const name = check.split(" ").slice(1).join(" ");
      assert.ok(docs.includes(`\`${name}\``), `docs/policies.md names ${check}`);
    }
  });

  test("KubeIndex's replica default matches the API's (1 when spec.replicas is unset)", () => {
    const unset = objects("replicas").find((o) => describeObject(o) === "Deployment replicas/unset")!;
    assert.equal(KubeIndex.replicasOf(unset), 1);
  });
});
