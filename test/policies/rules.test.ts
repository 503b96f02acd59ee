import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { evaluate } from "../../policies/engine";
import { describe as describeObject } from "../../policies/kube";
import { RULES } from "../../policies/rules";
import { findings, load, objects } from "./helpers";

/** [object, line:column in the fixture, message] for every finding of one rule, in evaluation order. */
type Expected = [object: string, at: string, message: string][];

const CASES: [rule: string, fixture: string, what: string, expected: Expected][] = [
  [
    "deployment-min-replicas",
    "replicas",
    "Deployments replicas/two passes; one, unset (defaults to 1) and text (not an integer) fail.",
    [
      [
        "Deployment replicas/one",
        "27:3",
        "spec.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve.",
      ],
      [
        "Deployment replicas/unset",
        "45:1",
        "spec.replicas is unset, so Kubernetes runs 1 replica; at least 2 are needed so that one pod can be replaced while the others serve.",
      ],
      [
        "Deployment replicas/text",
        "64:3",
        'spec.replicas is "3", not an integer; at least 2 are needed so that one pod can be replaced while the others serve.',
      ],
    ],
  ],
  [
    "deployment-has-pdb",
    "pdb-coverage",
    "covered passes; missing, a budget in another namespace, two budgets and an empty budget fail.",
    [
      [
        "Deployment missing/app",
        "37:3",
        "no PodDisruptionBudget in namespace missing selects its pods, so evictions can take all of them at once.",
      ],
      [
        "Deployment elsewhere/lonely",
        "57:3",
        "no PodDisruptionBudget in namespace elsewhere selects its pods, so evictions can take all of them at once. PodDisruptionBudget other/lonely matches its labels, but a budget only covers pods in its own namespace.",
      ],
      [
        "Deployment double/app",
        "88:3",
        "PodDisruptionBudget double/by-app and PodDisruptionBudget double/by-tier all select its pods; the Eviction API refuses to evict a pod covered by more than one budget, so rotations and node drains stall.",
      ],
      [
        "Deployment empty-budget/app",
        "133:3",
        "PodDisruptionBudget empty-budget/app selects its pods but sets neither minAvailable nor maxUnavailable, so it limits nothing.",
      ],
    ],
  ],
  [
    "pdb-allows-disruption",
    "pdb-budget",
    "maxUnavailable 1, 10% of 2, minAvailable 2 of 3 and 50% of 4 pass; zero, 0%, minAvailable = replicas, 67% of 3 (rounds up to 3), 100%, invalid and both fields fail.",
    [
      [
        "PodDisruptionBudget max-zero/app",
        "60:3",
        "spec.maxUnavailable is 0, so no pod can ever be evicted: node drains hang and the recycler is always blocked.",
      ],
      [
        "PodDisruptionBudget max-zero-percent/app",
        "72:3",
        'spec.maxUnavailable is "0%", so no pod can ever be evicted: node drains hang and the recycler is always blocked.',
      ],
      [
        "PodDisruptionBudget min-equal/app",
        "134:3",
        "spec.minAvailable is 2 for Deployment min-equal/app (2 replicas), so it allows 0 evictions when every pod is healthy: node drains hang and the recycler is always blocked.",
      ],
      [
        "PodDisruptionBudget min-percent-rounds-up/app",
        "196:3",
        'spec.minAvailable is "67%" for Deployment min-percent-rounds-up/app (3 replicas), so it allows 0 evictions when every pod is healthy: node drains hang and the recycler is always blocked.',
      ],
      [
        "PodDisruptionBudget min-all/app",
        "239:3",
        'spec.minAvailable is "100%" for whatever pods it selects, so it allows 0 evictions when every pod is healthy: node drains hang and the recycler is always blocked.',
      ],
      [
        "PodDisruptionBudget invalid/app",
        "251:3",
        'spec.maxUnavailable is "one": it must be an integer or a percentage like "25%".',
      ],
      [
        "PodDisruptionBudget both/app",
        "263:3",
        "sets both spec.minAvailable (1) and spec.maxUnavailable (1); the API server accepts only one.",
      ],
    ],
  ],
  [
    "readiness-probe",
    "readiness",
    "containers with ports need a probe, including sidecars; workers, plain init containers and controlled ReplicaSets are not reported.",
    [
      [
        "Deployment probes/unprobed",
        "49:11",
        'init container "proxy" declares ports 15001, 15090 but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.',
      ],
      [
        "Deployment probes/unprobed",
        "56:11",
        'container "web" declares port 8080 but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.',
      ],
      [
        "StatefulSet probes/db",
        "79:11",
        'container "postgres" declares port 5432 but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.',
      ],
    ],
  ],
  [
    "readiness-probe",
    "readiness-services",
    "a container a Service sends traffic to (by port name, number or the default port) needs a probe, declared ports or not; Jobs need one only behind a Service.",
    [
      [
        "Deployment svc/hidden",
        "21:11",
        'container "web" receives traffic from Service svc/hidden (targetPort 8080) but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.',
      ],
      [
        "Deployment svc/default-port",
        "103:11",
        'container "web" receives traffic from Service svc/default-port (targetPort 80) but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.',
      ],
      [
        "Job svc/batch-served",
        "163:11",
        'container "server" receives traffic from Service svc/batch-served (targetPort 8080) but has no readinessProbe, so it gets traffic as soon as it starts.',
      ],
    ],
  ],
  [
    "readiness-probe",
    "owned",
    "a ReplicaSet whose Deployment is not in the input is checked itself.",
    [
      [
        "ReplicaSet owned/web-7c9d",
        "62:11",
        'container "web" declares port 8080 but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.',
      ],
    ],
  ],
  [
    "rolling-update-keeps-capacity",
    "rolling-update",
    "surge-first, 25% of 2 and within-budget pass; Recreate, 25% of 8 over a budget of 1, no budget and an invalid value fail.",
    [
      [
        "Deployment recreate/app",
        "36:5",
        'spec.strategy.type is "Recreate": every rollout stops all pods before starting new ones, which is downtime.',
      ],
      [
        "Deployment defaults-large/app",
        "75:1",
        'with maxSurge "25%" and maxUnavailable "25%" at 8 replicas, a rollout may take 2 pods out of service before replacements are Ready, more than the 1 that PodDisruptionBudget defaults-large/app allows.',
      ],
      [
        "Deployment no-budget/app",
        "147:7",
        "with maxSurge 1 and maxUnavailable 1 at 4 replicas, a rollout may take 1 pod out of service before replacements are Ready, and no PodDisruptionBudget bounds it.",
      ],
      [
        "Deployment bad-value/app",
        "172:7",
        'spec.strategy.rollingUpdate.maxUnavailable is "half": it must be an integer or a percentage like "25%".',
      ],
    ],
  ],
  [
    "service-selects-one-workload",
    "services",
    "one workload passes (its ReplicaSet does not count); no match and two matches fail; ExternalName and selector-less Services are skipped.",
    [
      [
        "Service nothing/web",
        "72:3",
        'spec.selector {"app.kubernetes.io/name":"wbe"} matches the pods of no workload in namespace nothing, so the Service has no endpoints.',
      ],
      [
        "Service two/shop",
        "103:3",
        'spec.selector {"app.kubernetes.io/part-of":"shop"} matches the pods of 2 workloads (Deployment two/web, CronJob two/web-recycler), so their pods share its traffic.',
      ],
    ],
  ],
  [
    "service-selects-one-workload",
    "services-versions",
    "versions of one app (same name label, a different version label each) and one object defined twice pass; the same app without versions or at one version fails.",
    [
      [
        "Service unversioned/web",
        "148:3",
        'spec.selector {"app.kubernetes.io/name":"web"} matches the pods of 2 workloads (Deployment unversioned/web-a, Deployment unversioned/web-b), so their pods share its traffic.',
      ],
      [
        "Service same-version/web",
        "192:3",
        'spec.selector {"app.kubernetes.io/name":"web"} matches the pods of 2 workloads (Deployment same-version/web-a, Deployment same-version/web-b), so their pods share its traffic.',
      ],
    ],
  ],
  [
    "service-selects-one-workload",
    "owned",
    "two Pods of one ReplicaSet that is not in the input are one workload.",
    [],
  ],
  [
    "deployment-has-pdb",
    "duplicates",
    "a budget defined twice is one budget, not two that stall every eviction.",
    [],
  ],
  [
    "pdb-allows-disruption",
    "duplicates",
    "a Deployment defined twice counts its replicas once: minAvailable 2 of 2 allows no eviction.",
    [
      [
        "PodDisruptionBudget dup/api",
        "43:3",
        "spec.minAvailable is 2 for Deployment dup/api (2 replicas), so it allows 0 evictions when every pod is healthy: node drains hang and the recycler is always blocked.",
      ],
      [
        "PodDisruptionBudget dup/api",
        "53:3",
        "spec.minAvailable is 2 for Deployment dup/api (2 replicas), so it allows 0 evictions when every pod is healthy: node drains hang and the recycler is always blocked.",
      ],
    ],
  ],
  [
    "deployment-has-recycler",
    "recycler-presence",
    "a recycler next to the Deployment passes; none, an unlabelled one and one in another namespace fail, with hints.",
    [
      [
        "Deployment unrotated/web",
        "47:3",
        "no recycler rotates its pods: rotor expects a CronJob labelled app.kubernetes.io/component: pod-recycler with annotation rotor.dev/target-deployment: web in namespace unrotated. CronJob rotated/web-recycler names it but is in another namespace.",
      ],
      [
        "Deployment unlabelled/api",
        "68:3",
        "no recycler rotates its pods: rotor expects a CronJob labelled app.kubernetes.io/component: pod-recycler with annotation rotor.dev/target-deployment: api in namespace unlabelled. CronJob unlabelled/api-recycler names it but lacks the label app.kubernetes.io/component: pod-recycler; CronJob ops/api-recycler names it but is in another namespace.",
      ],
      [
        "Deployment misspelt/web",
        "128:3",
        "no recycler rotates its pods: rotor expects a CronJob labelled app.kubernetes.io/component: pod-recycler with annotation rotor.dev/target-deployment: web in namespace misspelt. CronJob rotated/web-recycler names it but is in another namespace.",
      ],
    ],
  ],
  [
    "recycler-targets-deployment",
    "recycler-presence",
    "a recycler must name a Deployment in its namespace.",
    [
      [
        "CronJob ops/api-recycler",
        "110:3",
        'rotor.dev/target-deployment is "api", but there is no Deployment ops/api.',
      ],
      [
        "CronJob misspelt/web-recycler",
        "151:3",
        'rotor.dev/target-deployment is "wbe", but there is no Deployment misspelt/wbe.',
      ],
      [
        "CronJob untargeted/stray-recycler",
        "173:3",
        "rotor.dev/target-deployment is missing, so the recycler does not know which Deployment to rotate.",
      ],
    ],
  ],
  [
    "recycler-max-pod-age",
    "recycler-age",
    "1d12h matching --max-age 36h passes; 14d, an unparsable age, no annotation and a disagreeing --max-age fail.",
    [
      ["CronJob ages/too-old", "33:5", 'rotor.dev/max-pod-age is "14d", longer than the ceiling of 7d.'],
      [
        "CronJob ages/unreadable",
        "54:5",
        'rotor.dev/max-pod-age is "1 week": it must be a whole number of days, hours, minutes and seconds in that order, like 90s, 15m, 24h, 7d or 1d12h, and more than 0.',
      ],
      [
        "CronJob ages/unannotated",
        "73:3",
        "rotor.dev/max-pod-age is missing, so nobody can tell how old its pods may get.",
      ],
      [
        "CronJob ages/disagreeing",
        "106:50",
        "the container runs with --max-age 12h, but rotor.dev/max-pod-age says 24h.",
      ],
    ],
  ],
  [
    "recycler-cronjob-settings",
    "recycler-cronjob",
    "Forbid, a deadline and Europe/Berlin pass; defaults, Replace, 0, wrong case and an unknown zone fail; plain CronJobs are ignored.",
    [
      [
        "CronJob cron/defaults",
        "36:1",
        "spec.concurrencyPolicy is unset (Allow), so a slow run and the next one can rotate pods at the same time.",
      ],
      [
        "CronJob cron/defaults",
        "36:1",
        "spec.startingDeadlineSeconds is unset: after more than 100 missed schedules (an outage, a suspended CronJob) the controller stops scheduling it.",
      ],
      [
        "CronJob cron/defaults",
        "36:1",
        "spec.timeZone is unset, so the schedule follows the kube-controller-manager's time zone.",
      ],
      [
        "CronJob cron/sloppy",
        "60:3",
        'spec.concurrencyPolicy is "Replace", so a slow run and the next one can rotate pods at the same time.',
      ],
      ["CronJob cron/sloppy", "61:3", "spec.startingDeadlineSeconds is 0; it must be a positive integer."],
      [
        "CronJob cron/sloppy",
        "59:3",
        'spec.timeZone ("europe/berlin") has the wrong letter case: write "Europe/Berlin".',
      ],
      [
        "CronJob cron/nowhere",
        "83:3",
        'spec.timeZone ("Mars/Olympus_Mons") is not an IANA time-zone name; use one like "Europe/Berlin", "America/New_York" or "Etc/UTC".',
      ],
    ],
  ],
  [
    "recycler-rbac-least-privilege",
    "recycler-rbac",
    "the Role rotor renders passes; wildcards, pod delete, secrets, escalate/bind/impersonate, the default ServiceAccount and cluster-wide or unknown roles fail.",
    [
      [
        "Role broad/web-recycler",
        "117:5",
        'rules[0] has a wildcard in apiGroups (["*"]), which grants whatever exists now and anything added later.',
      ],
      [
        "Role broad/web-recycler",
        "118:5",
        'rules[0] has a wildcard in resources (["*"]), which grants whatever exists now and anything added later.',
      ],
      [
        "Role broad/web-recycler",
        "119:5",
        'rules[0] has a wildcard in verbs (["*"]), which grants whatever exists now and anything added later.',
      ],
      [
        "Role broad/web-recycler",
        "122:5",
        "rules[1] lets it delete and deletecollection pods, which bypasses PodDisruptionBudgets; the recycler only evicts.",
      ],
      [
        "Role broad/web-recycler",
        "124:5",
        "rules[2] grants access to secrets, which the recycler never reads.",
      ],
      [
        "Role broad/web-recycler",
        "128:5",
        "rules[3] grants bind and escalate: verbs that let it give itself or others more permissions.",
      ],
      [
        "Role broad/web-recycler",
        "131:5",
        "rules[4] grants impersonate: verbs that let it give itself or others more permissions.",
      ],
      [
        "CronJob default-sa/web-recycler",
        "149:9",
        "runs as the namespace's default ServiceAccount, so every permission it needs is shared with every other pod that uses the default account.",
      ],
      [
        "CronJob default-sa/web-recycler",
        "149:9",
        "no RoleBinding in namespace default-sa grants ServiceAccount default a Role, so its permissions cannot be checked (and the recycler cannot read or evict pods).",
      ],
      [
        "ClusterRoleBinding recycler-admin",
        "182:1",
        'grants ServiceAccount cluster/recycler (the recycler of CronJob cluster/web-recycler) ClusterRole "cluster-admin" in every namespace.',
      ],
      [
        "RoleBinding cluster/recycler-view",
        "200:1",
        'binds ClusterRole "view", which is not among the checked objects, so the recycler\'s permissions cannot be verified.',
      ],
    ],
  ],
  [
    "pod-security-restricted",
    "pod-security",
    "pod- or container-level restricted settings pass; root, escalation, capabilities, host namespaces, hostPath, privileged and Unconfined fail.",
    [
      ["Deployment psa/escalating", "103:13", 'container "app" sets allowPrivilegeEscalation: true.'],
      ["Deployment psa/escalating", "105:15", 'container "app" drops ["NET_RAW"] but not ALL capabilities.'],
      [
        "Deployment psa/escalating",
        "106:15",
        'container "app" adds capabilities ["SYS_ADMIN"]; the restricted profile allows adding only NET_BIND_SERVICE.',
      ],
      [
        "Deployment psa/uid-only",
        "196:11",
        'container "app" does not set runAsNonRoot: true, which the restricted profile requires.',
      ],
      ["Pod psa/root", "74:5", "the pod sets runAsUser: 0 (root)."],
      [
        "Pod psa/root",
        "76:7",
        'container "app" does not set runAsNonRoot: true, seccompProfile.type: RuntimeDefault, allowPrivilegeEscalation: false, capabilities.drop: [ALL], which the restricted profile requires.',
      ],
      ["DaemonSet psa/host", "123:7", "the pod sets hostNetwork: true, sharing the node's namespace."],
      ["DaemonSet psa/host", "124:7", "the pod sets hostPID: true, sharing the node's namespace."],
      ["DaemonSet psa/host", "125:7", "the pod sets hostIPC: true, sharing the node's namespace."],
      [
        "DaemonSet psa/host",
        "140:11",
        'volume "root" is a hostPath volume, which exposes the node\'s file system; the restricted profile allows only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret.',
      ],
      ["DaemonSet psa/host", "134:13", 'container "agent" is privileged.'],
      ["Job psa/unconfined", "161:13", 'container "tracer" sets seccompProfile.type "Unconfined".'],
      ["Job psa/unconfined", "169:13", 'container "helper" sets runAsNonRoot: false.'],
      ["Job psa/unconfined", "170:13", 'container "helper" sets runAsUser: 0 (root).'],
    ],
  ],
  [
    "pod-security-restricted",
    "owned",
    "a Job whose CronJob is not in the input is checked itself; one whose CronJob is, through the CronJob.",
    [
      ["Job owned/nightly-28910", "30:13", 'container "backup" is privileged.'],
      ["CronJob owned/report", "157:17", 'container "report" is privileged.'],
    ],
  ],
  [
    "resource-requests-limits",
    "resources",
    "requests cpu and memory plus a memory limit on every container, init and recycler containers included.",
    [
      ["Deployment res/partly", "45:11", 'init container "migrate" does not set resources.limits.memory.'],
      ["Deployment res/partly", "52:11", 'container "app" does not set resources.requests.cpu.'],
      [
        "Deployment res/partly",
        "57:11",
        'container "sidecar" does not set resources.requests.cpu, resources.requests.memory, resources.limits.memory.',
      ],
      [
        "CronJob res/web-recycler",
        "77:15",
        'container "recycler" does not set resources.requests.cpu, resources.requests.memory.',
      ],
    ],
  ],
  [
    "waiver-valid",
    "waivers",
    "a waiver needs a reason and a known rule id, and cannot waive the waiver rule.",
    [
      [
        "Deployment waivers/silent",
        "31:5",
        "annotation rotor.dev/waive.deployment-min-replicas waives deployment-min-replicas without a reason, so the waiver does not apply.",
      ],
      [
        "Deployment waivers/typo",
        "53:5",
        'annotation rotor.dev/waive.deployment-min-replica waives "deployment-min-replica", which is not a rule of the catalog, so it waives nothing.',
      ],
      [
        "Deployment waivers/typo",
        "54:5",
        "annotation rotor.dev/waive.waiver-valid tries to waive waiver-valid, which cannot be waived.",
      ],
    ],
  ],
];
/** The fix each rule gives for the first finding of its fixture. */
const FIXES: [rule: string, fixture: string, object: string, fix: string][] = [
  ["deployment-min-replicas", "replicas", "Deployment replicas/one", "Set spec.replicas to 2 or more."],
  [
    "deployment-has-pdb",
    "pdb-coverage",
    "Deployment missing/app",
    'Create a PodDisruptionBudget in namespace missing with spec.selector.matchLabels {"app":"unguarded"} and spec.maxUnavailable: 1.',
  ],
  [
    "pdb-allows-disruption",
    "pdb-budget",
    "PodDisruptionBudget max-zero/app",
    "Set spec.maxUnavailable to 1.",
  ],
  [
    "readiness-probe",
    "readiness",
    "Deployment probes/unprobed",
    'Add a readinessProbe to init container "proxy", for example an httpGet or tcpSocket check on port 15001.',
  ],
  [
    "rolling-update-keeps-capacity",
    "rolling-update",
    "Deployment recreate/app",
    "Set spec.strategy.type to RollingUpdate with rollingUpdate.maxUnavailable: 0 and rollingUpdate.maxSurge: 1.",
  ],
  [
    "service-selects-one-workload",
    "services",
    "Service nothing/web",
    "Set spec.selector to the pod template labels of the workload this Service fronts.",
  ],
  [
    "deployment-has-recycler",
    "recycler-presence",
    "Deployment unrotated/web",
    "Deploy web with rotor, which adds CronJob unrotated/web-recycler, or create a CronJob in namespace unrotated with that label and annotation.",
  ],
  [
    "recycler-targets-deployment",
    "recycler-presence",
    "CronJob ops/api-recycler",
    "Set annotation rotor.dev/target-deployment to the name of the Deployment this CronJob rotates, in namespace ops.",
  ],
  [
    "recycler-max-pod-age",
    "recycler-age",
    "CronJob ages/too-old",
    'Set annotation rotor.dev/max-pod-age and the container\'s --max-age to the same duration, at most 7d, like "24h".',
  ],
  [
    "recycler-cronjob-settings",
    "recycler-cronjob",
    "CronJob cron/defaults",
    "Set spec.concurrencyPolicy: Forbid.",
  ],
  [
    "recycler-rbac-least-privilege",
    "recycler-rbac",
    "Role broad/web-recycler",
    'List the exact apiGroups the recycler needs instead of "*".',
  ],
  [
    "pod-security-restricted",
    "pod-security",
    "Deployment psa/escalating",
    'Set allowPrivilegeEscalation: false in container "app".',
  ],
  [
    "resource-requests-limits",
    "resources",
    "Deployment res/partly",
    'Set resources.limits.memory in init container "migrate" (for example requests cpu 100m, memory 128Mi; limits memory 256Mi).',
  ],
  [
    "waiver-valid",
    "waivers",
    "Deployment waivers/silent",
    "Write why deployment-min-replicas does not apply to this object as the annotation's value.",
  ],
];

describe("the rule catalog", () => {
  test("has one entry per rule id, each with a description, rationale, remediation and a case below", () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), [...new Set(CASES.map(([rule]) => rule))].sort());
    for (const rule of RULES) {
      assert.ok(rule.description.endsWith("."), rule.id);
      assert.ok(rule.rationale.length > 40 && rule.remediation.length > 20, rule.id);
      assert.ok(!rule.description.includes("\n"), `${rule.id}: the description is one line`);
    }
  });

  test("the reference set rotor deploys for app web passes every rule", () => {
    const all = evaluate(objects("reference"));
    assert.deepEqual(all, []);
    assert.equal(objects("reference").length, 8);
  });

  for (const [rule, fixture, what, expected] of CASES) {
    test(`${rule} on ${fixture}.yaml: ${what}`, () => {
      const seen = findings(fixture, { rule }).map((f) => [f.object, f.at, f.message]);
      assert.deepEqual(seen, expected);
    });
  }

  for (const [rule, fixture, object, fix] of FIXES) {
    test(`${rule} tells how to fix ${object}`, () => {
      const first = evaluate(load(fixture).objects).find((f) => f.ruleId === rule);
      assert.ok(first);
      assert.equal(describeObject(first.object), object);
      assert.equal(first.fix, fix);
    });
  }
});
