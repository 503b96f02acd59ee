import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  unknownCheckingProxy,
  type ResourceValidationPolicy,
  type StackValidationPolicy,
} from "@pulumi/policy";
import {
  adaptResource,
  kubeTypeOf,
  rotorPolicies,
  stackPolicy,
  violationMessage,
} from "../../policies/crossguard";
import { evaluate } from "../../policies/engine";
import type { KubeIndex } from "../../policies/kube-index";
import type { KubeObject, Rule } from "../../policies/model";
import { RULES } from "../../policies/rules";
import { objects } from "./helpers";
import {
  resourceFor,
  runResourcePolicies,
  runStackPolicies,
  stackArgs,
  urnFor,
  type FakeResource,
  type Violation,
} from "./pulumi-args";

// The sentinel the policy runtime puts where a value is unknown during a preview (internal to @pulumi/policy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const policies = rotorPolicies();
const resourcePolicies = policies.filter((p): p is ResourceValidationPolicy => "validateResource" in p);
const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p);

/** Resources that are not Kubernetes objects, as a real stack has them; every policy must ignore them. */
const NON_KUBERNETES: FakeResource[] = [
  {
    type: "pulumi:pulumi:Stack",
    name: "rotor-dev",
    urn: urnFor("pulumi:pulumi:Stack", "rotor-dev"),
    props: {},
  },
  {
    type: "pulumi:providers:kubernetes",
    name: "default",
    urn: urnFor("pulumi:providers:kubernetes", "default"),
    props: { namespace: "shop" },
  },
  { type: "rotor:index:RotatingApp", name: "web", urn: urnFor("rotor:index:RotatingApp", "web"), props: {} },
  {
    type: "kubernetes:yaml/v2:ConfigGroup",
    name: "extras",
    urn: urnFor("kubernetes:yaml/v2:ConfigGroup", "extras"),
    props: {},
  },
];

async function violations(fixture: string, config: Record<string, object> = {}): Promise<Violation[]> {
  const resources = [...NON_KUBERNETES, ...objects(fixture).map(resourceFor)];
  return [
    ...(await runResourcePolicies(resourcePolicies, resources, config)),
    ...(await runStackPolicies(stackPolicies, resources, config)),
  ];
}

/**
 * What the pack reports for a fixture: stack rules over every object at once, as the stack policies see them;
 * single-object rules over each object alone, as the resource policies see them.
 */
function expectedViolations(all: readonly KubeObject[]): string[] {
  const stack = evaluate(all, { rules: RULES.filter((r) => r.scope === "stack") });
  const single = all.flatMap((o) => evaluate([o], { rules: RULES.filter((r) => r.scope === "object") }));
  return [...stack, ...single]
    .filter((f) => f.waivedBecause === undefined)
    .map((f) => `${f.ruleId} ${violationMessage(f)}`)
    .sort();
}

describe("CrossGuard pack", () => {
  test("has one policy per rule: resource policies for single-object rules, stack policies for the rest", () => {
    assert.deepEqual(
      policies.map((p) => p.name),
      RULES.map((r) => r.id),
    );
    assert.deepEqual(
      resourcePolicies.map((p) => p.name),
      [
        "deployment-min-replicas",
        "recycler-max-pod-age",
        "recycler-cronjob-settings",
        "pod-security-restricted",
        "resource-requests-limits",
        "waiver-valid",
      ],
    );
    for (const policy of policies) {
      const rule = RULES.find((r) => r.id === policy.name)!;
      assert.equal(policy.description, rule.description);
      assert.equal(policy.enforcementLevel, "mandatory");
      assert.equal(policy.severity, rule.severity);
      assert.equal(policy.remediationSteps, rule.remediation);
      assert.equal(policy.configSchema === undefined, Object.keys(rule.settings).length === 0, policy.name);
      assert.equal(
        policy.configSchema?.properties.enforcementLevel,
        undefined,
        "CrossGuard reserves enforcementLevel",
      );
    }
  });

  test("maps @pulumi/kubernetes type tokens to apiVersion and kind", () => {
    assert.deepEqual(kubeTypeOf("kubernetes:apps/v1:Deployment"), {
      apiVersion: "apps/v1",
      kind: "Deployment",
    });
    assert.deepEqual(kubeTypeOf("kubernetes:core/v1:Service"), { apiVersion: "v1", kind: "Service" });
    assert.deepEqual(kubeTypeOf("kubernetes:rbac.authorization.k8s.io/v1:Role"), {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
    });
    for (const token of [
      "kubernetes:apps/v1:DeploymentPatch",
      "kubernetes:core/v1:ConfigMapList",
      "kubernetes:yaml/v2:ConfigGroup",
      "kubernetes:helm.sh/v4:Chart",
      "aws:s3/bucket:Bucket",
      "pulumi:providers:kubernetes",
    ]) {
      assert.equal(kubeTypeOf(token), undefined, token);
    }
  });

  test("the reference set passes every policy", async () => {
    assert.deepEqual(await violations("reference"), []);
  });

  test("resource policies report single-object findings with the object and the fix", async () => {
    const found = await violations("replicas");
    assert.deepEqual(
      found.filter((v) => v.policy === "deployment-min-replicas"),
      [
        {
          policy: "deployment-min-replicas",
          message:
            "Deployment replicas/one: spec.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve. Fix: Set spec.replicas to 2 or more.",
        },
        {
          policy: "deployment-min-replicas",
          message:
            "Deployment replicas/unset: spec.replicas is unset, so Kubernetes runs 1 replica; at least 2 are needed so that one pod can be replaced while the others serve. Fix: Set spec.replicas to 2 or more.",
        },
        {
          policy: "deployment-min-replicas",
          message:
            'Deployment replicas/text: spec.replicas is "3", not an integer; at least 2 are needed so that one pod can be replaced while the others serve. Fix: Set spec.replicas to 2 or more.',
        },
      ],
    );
  });

  test("stack policies report cross-object findings against the URN of the object at fault", async () => {
    const found = await violations("pdb-coverage");
    assert.deepEqual(
      found.filter((v) => v.policy === "deployment-has-pdb"),
      [
        {
          policy: "deployment-has-pdb",
          message:
            'Deployment missing/app: no PodDisruptionBudget in namespace missing selects its pods, so evictions can take all of them at once. Fix: Create a PodDisruptionBudget in namespace missing with spec.selector.matchLabels {"app":"unguarded"} and spec.maxUnavailable: 1.',
          urn: "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::missing-app",
        },
        {
          policy: "deployment-has-pdb",
          message:
            'Deployment elsewhere/lonely: no PodDisruptionBudget in namespace elsewhere selects its pods, so evictions can take all of them at once. PodDisruptionBudget other/lonely matches its labels, but a budget only covers pods in its own namespace. Fix: Create a PodDisruptionBudget in namespace elsewhere with spec.selector.matchLabels {"app":"lonely"} and spec.maxUnavailable: 1.',
          urn: "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::elsewhere-lonely",
        },
        {
          policy: "deployment-has-pdb",
          message:
            "Deployment double/app: PodDisruptionBudget double/by-app and PodDisruptionBudget double/by-tier all select its pods; the Eviction API refuses to evict a pod covered by more than one budget, so rotations and node drains stall. Fix: Keep one PodDisruptionBudget for these pods; delete the others or narrow their selectors.",
          urn: "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::double-app",
        },
        {
          policy: "deployment-has-pdb",
          message:
            "Deployment empty-budget/app: PodDisruptionBudget empty-budget/app selects its pods but sets neither minAvailable nor maxUnavailable, so it limits nothing. Fix: Set spec.maxUnavailable: 1 on PodDisruptionBudget empty-budget/app.",
          urn: "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::empty-budget-app",
        },
      ],
    );
  });

  test("reports exactly what rotor check reports, for every fixture (one catalog, two front ends)", async () => {
    for (const fixture of [
      "replicas",
      "pdb-coverage",
      "pdb-budget",
      "readiness",
      "rolling-update",
      "services",
      "recycler-presence",
      "recycler-age",
      "recycler-cronjob",
      "recycler-rbac",
      "pod-security",
      "resources",
      "waivers",
      "owned",
      "readiness-services",
      "services-versions",
      "duplicates",
    ]) {
      const actual = (await violations(fixture)).map((v) => `${v.policy} ${v.message}`).sort();
      assert.deepEqual(actual, expectedViolations(objects(fixture)), fixture);
    }
  });

  test("a resource policy sees one object, so it checks an object whose controller is in the stack itself", () => {
    // rotor check checks ReplicaSet probes/unprobed-5d4f8 through its Deployment, which is in the same file.
    const checked = expectedViolations(objects("readiness"));
    const together = evaluate(objects("readiness"))
      .filter((f) => f.waivedBecause === undefined)
      .map((f) => `${f.ruleId} ${violationMessage(f)}`);
    assert.deepEqual(
      checked.filter((v) => !together.includes(v)).map((v) => v.slice(0, v.indexOf(":"))),
      [
        "pod-security-restricted ReplicaSet probes/unprobed-5d4f8",
        "resource-requests-limits ReplicaSet probes/unprobed-5d4f8",
      ],
    );
    assert.deepEqual(
      together.filter((v) => !checked.includes(v)),
      [],
    );
  });

  test("takes rule settings from the policy config (getConfig)", async () => {
    const found = await violations("replicas", { "deployment-min-replicas": { minReplicas: 3 } });
    assert.equal(found.filter((v) => v.policy === "deployment-min-replicas").length, 4);
    assert.ok(
      found.some(
        (v) =>
          v.message ===
          "Deployment replicas/two: spec.replicas is 2; at least 3 are needed so that one pod can be replaced while the others serve. Fix: Set spec.replicas to 3 or more.",
      ),
    );
  });

  test("honours waivers and reports waivers without a reason", async () => {
    const found = await violations("waivers");
    assert.deepEqual(
      found
        .filter((v) => v.policy === "deployment-min-replicas" || v.policy === "waiver-valid")
        .map((v) => v.message),
      [
        "Deployment waivers/silent: spec.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve. Fix: Set spec.replicas to 2 or more.",
        "Deployment waivers/silent: annotation rotor.dev/waive.deployment-min-replicas waives deployment-min-replicas without a reason, so the waiver does not apply. Fix: Write why deployment-min-replicas does not apply to this object as the annotation's value.",
        'Deployment waivers/typo: annotation rotor.dev/waive.deployment-min-replica waives "deployment-min-replica", which is not a rule of the catalog, so it waives nothing. Fix: Did you mean rotor.dev/waive.deployment-min-replicas? Use a rule id from docs/policies.md.',
        "Deployment waivers/typo: annotation rotor.dev/waive.waiver-valid tries to waive waiver-valid, which cannot be waived. Fix: Remove annotation rotor.dev/waive.waiver-valid and fix the waivers it was meant to hide.",
      ],
    );
  });

  test("during a preview, skips objects whose checked fields are unknown, but not objects with unknown status", async () => {
    const [one] = objects("replicas")
      .filter((o) => (o.metadata as { name: string }).name === "one")
      .map(resourceFor);
    const withUnknown = (patch: (props: Record<string, unknown>) => void): FakeResource => {
      const props = structuredClone(one.props);
      patch(props);
      return { ...one, props: unknownCheckingProxy(props) as Record<string, unknown> };
    };
    const unknownNamespace = withUnknown(
      (p) => ((p.metadata as Record<string, unknown>).namespace = unknownStringValue),
    );
    const unknownStatus = withUnknown((p) => (p.status = { observedGeneration: unknownStringValue }));

    assert.equal(adaptResource(unknownNamespace)!.incomplete, true);
    assert.equal(adaptResource(unknownStatus)!.incomplete, false);
    assert.equal(
      (adaptResource(unknownStatus)!.object.status as Record<string, unknown>).observedGeneration,
      undefined,
    );

    const minReplicas = resourcePolicies.filter((p) => p.name === "deployment-min-replicas");
    assert.deepEqual(await runResourcePolicies(minReplicas, [unknownNamespace]), []);
    assert.equal((await runResourcePolicies(minReplicas, [unknownStatus])).length, 1);
  });
});

describe("stack policies share one KubeIndex per AnalyzeStack", () => {
  /** A stack rule that records the index it is given and the replicas of the Deployment it finds there. */
  function spy(id: string, seen: { index: KubeIndex; replicas: unknown }[]): Rule {
    return {
      id,
      description: "records what it sees",
      severity: "low",
      rationale: "a test",
      remediation: "none",
      scope: "stack",
      tags: [],
      defaultLevel: "advisory",
      settings: {},
      check: ({ index }) => {
        const deployment = index.ofType("apps/Deployment")[0] as
          { spec?: { replicas?: unknown } } | undefined;
        seen.push({ index, replicas: deployment?.spec?.replicas });
        return [];
      },
    };
  }
  const deployment = (replicas: number): KubeObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "shop" },
    spec: { replicas },
  });
  const service: KubeObject = {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "web", namespace: "shop" },
    spec: { selector: { app: "web" } },
  };

  /** One AnalyzeStack as the engine runs it: every stack policy in turn, each with its own copy of the resources. */
  async function analyzeStack(stack: readonly StackValidationPolicy[], objects: readonly KubeObject[]) {
    const resources = [...NON_KUBERNETES, ...objects.map(resourceFor)];
    for (const policy of stack)
      await policy.validateStack(
        stackArgs(resources.map((r) => ({ ...r, props: structuredClone(r.props) }))),
        () => assert.fail("the spies report nothing"),
      );
  }

  test("builds the index once for all stack policies, and again only when the stack changes", async () => {
    const seen: { index: KubeIndex; replicas: unknown }[] = [];
    const stack = rotorPolicies([spy("a", seen), spy("b", seen), spy("c", seen)]).filter(
      (p): p is StackValidationPolicy => "validateStack" in p,
    );
    assert.equal(stack.length, 3);

    await analyzeStack(stack, [deployment(3), service]);
    assert.equal(seen.length, 3);
    assert.equal(new Set(seen.map((s) => s.index)).size, 1);
    assert.equal(seen[0].index.objects.length, 2);

    // The same stack again (a second preview): equal resources, the same index.
    await analyzeStack(stack, [deployment(3), service]);
    assert.equal(new Set(seen.map((s) => s.index)).size, 1);

    // One value changed (the stack after an update): a new index, and every rule sees the new value.
    await analyzeStack(stack, [deployment(1), service]);
    assert.equal(new Set(seen.map((s) => s.index)).size, 2);
    assert.deepEqual(
      seen.map((s) => s.replicas),
      [3, 3, 3, 3, 3, 3, 1, 1, 1],
    );
    assert.notEqual(seen[6].index, seen[5].index);
    assert.equal(new Set(seen.slice(6).map((s) => s.index)).size, 1);
  });

  test("the catalog's stack policies build one index per AnalyzeStack and report what they did before", async () => {
    const indexes: KubeIndex[] = [];
    // Every catalog rule, recording the index it checks.
    const watched = RULES.map((rule) => ({
      ...rule,
      check: (context: Parameters<Rule["check"]>[0]) => {
        indexes.push(context.index);
        return rule.check(context);
      },
    }));
    const stack = rotorPolicies(watched).filter((p): p is StackValidationPolicy => "validateStack" in p);
    assert.equal(stack.length, 8);
    await analyzeStack(stack, objects("reference"));
    assert.equal(indexes.length, 8);
    assert.equal(new Set(indexes).size, 1);
    // Findings are what each rule reports with an index of its own.
    const broken = ["pdb-coverage", "readiness-services", "recycler-rbac", "services"].flatMap((f) =>
      objects(f),
    );
    const shared = await runStackPolicies(stack, broken.map(resourceFor));
    const separate = await runStackPolicies(
      RULES.filter((r) => r.scope === "stack").map((r) => stackPolicy(r)),
      broken.map(resourceFor),
    );
    assert.ok(shared.length > 0);
    assert.deepEqual(shared, separate);
  });
});
