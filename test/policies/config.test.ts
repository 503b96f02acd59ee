import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { configSchemaFor, resolveConfig } from "../../policies/config";
import { evaluate } from "../../policies/engine";
import { ruleById, RULES } from "../../policies/rules";
import { findings, objects } from "./helpers";

function config(raw: unknown) {
  const { config, problems } = resolveConfig(raw);
  assert.deepEqual(problems, []);
  return config;
}

describe("rule configuration", () => {
  test("takes levels and settings in the format of pulumi's --policy-pack-config", () => {
    const c = config({
      all: "advisory",
      "deployment-min-replicas": { enforcementLevel: "mandatory", minReplicas: 3 },
      "deployment-has-recycler": "disabled",
      "recycler-max-pod-age": { maxPodAge: "1d" },
    });
    const rule = (id: string) => ruleById(id)!;
    assert.equal(c.levelOf(rule("deployment-min-replicas")), "mandatory");
    assert.equal(c.levelOf(rule("deployment-has-recycler")), "disabled");
    assert.equal(c.levelOf(rule("readiness-probe")), "advisory");
    assert.deepEqual(c.settingsOf(rule("deployment-min-replicas")), { minReplicas: 3 });
    assert.deepEqual(c.settingsOf(rule("recycler-max-pod-age")), { maxPodAge: "1d" });
    assert.deepEqual(c.settingsOf(rule("resource-requests-limits")), { requireCpuLimit: false });
  });

  test("reports every problem with the field, the value and what is allowed", () => {
    const { problems } = resolveConfig({
      all: "strict",
      "deployment-min-replica": "advisory",
      "deployment-min-replicas": { enforcementLevel: "warn", minReplicas: 0, maxReplicas: 5 },
      "recycler-max-pod-age": { maxPodAge: "1 week" },
      "resource-requests-limits": { requireCpuLimit: "yes" },
      "readiness-probe": 3,
    });
    assert.deepEqual(problems, [
      { path: ["all"], message: 'is "strict"; use one of disabled, advisory, mandatory.' },
      {
        path: ["deployment-min-replica"],
        message: `is not a rule id; the rules are ${RULES.map((r) => r.id).join(", ")}.`,
      },
      {
        path: ["deployment-min-replicas", "enforcementLevel"],
        message: 'is "warn"; use one of disabled, advisory, mandatory.',
      },
      { path: ["deployment-min-replicas", "minReplicas"], message: "(0) must be an integer of at least 1." },
      {
        path: ["deployment-min-replicas", "maxReplicas"],
        message: "is not a setting of deployment-min-replicas; it takes enforcementLevel, minReplicas.",
      },
      {
        path: ["recycler-max-pod-age", "maxPodAge"],
        message:
          '("1 week") must be a whole number of days, hours, minutes and seconds in that order, like 90s, 15m, 24h, 7d or 1d12h.',
      },
      { path: ["resource-requests-limits", "requireCpuLimit"], message: '("yes") must be true or false.' },
      {
        path: ["readiness-probe"],
        message:
          "must be a level (disabled, advisory, mandatory) or a mapping with enforcementLevel and settings.",
      },
    ]);
    assert.deepEqual(resolveConfig(["a"]).problems, [
      { path: [], message: "must be a mapping of rule ids (or `all`) to a level or to settings." },
    ]);
    assert.deepEqual(resolveConfig(null).problems, []);
  });

  test("thresholds change verdicts: minReplicas, maxPodAge and requireCpuLimit", () => {
    const strict = config({
      "deployment-min-replicas": { minReplicas: 3 },
      "recycler-max-pod-age": { maxPodAge: "1d" },
      "resource-requests-limits": { requireCpuLimit: true },
    });
    assert.deepEqual(
      findings("replicas", { rule: "deployment-min-replicas", config: strict }).map((f) => f.object),
      [
        "Deployment replicas/two",
        "Deployment replicas/one",
        "Deployment replicas/unset",
        "Deployment replicas/text",
      ],
    );
    assert.equal(
      findings("replicas", { rule: "deployment-min-replicas", config: strict })[0].message,
      "spec.replicas is 2; at least 3 are needed so that one pod can be replaced while the others serve.",
    );
    assert.deepEqual(
      findings("recycler-age", { rule: "recycler-max-pod-age", config: strict })
        .slice(0, 2)
        .map((f) => [f.object, f.message]),
      [
        ["CronJob ages/ok", 'rotor.dev/max-pod-age is "1d12h", longer than the ceiling of 1d.'],
        ["CronJob ages/too-old", 'rotor.dev/max-pod-age is "14d", longer than the ceiling of 1d.'],
      ],
    );
    assert.deepEqual(
      findings("reference", { rule: "resource-requests-limits", config: strict }).map((f) => [
        f.object,
        f.message,
      ]),
      [
        ["Deployment shop/web", 'container "web" does not set resources.limits.cpu.'],
        ["CronJob shop/web-recycler", 'container "recycler" does not set resources.limits.cpu.'],
      ],
    );
  });

  test("levels: disabled rules do not run, advisory findings say so", () => {
    const c = config({ all: "disabled", "deployment-min-replicas": "advisory" });
    const rated = evaluate(objects("replicas"), { config: c });
    assert.deepEqual(
      rated.map((f) => [f.ruleId, f.level, f.severity]),
      [
        ["deployment-min-replicas", "advisory", "high"],
        ["deployment-min-replicas", "advisory", "high"],
        ["deployment-min-replicas", "advisory", "high"],
      ],
    );
  });

  test("CrossGuard config schemas describe each rule's settings, with defaults", () => {
    assert.deepEqual(configSchemaFor(ruleById("deployment-min-replicas")!), {
      properties: {
        minReplicas: {
          type: "integer",
          minimum: 1,
          default: 2,
          description: "The fewest replicas a Deployment may run.",
        },
      },
    });
    assert.deepEqual(configSchemaFor(ruleById("recycler-max-pod-age")!).properties.maxPodAge, {
      type: "string",
      pattern: "^(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?$",
      minLength: 2,
      default: "7d",
      description: "The longest max pod age a recycler may declare, as a duration like 24h, 7d or 1d12h.",
    });
    assert.deepEqual(configSchemaFor(ruleById("readiness-probe")!), { properties: {} });
  });
});

describe("waivers", () => {
  test("a waiver with a reason silences its rule on its object, and the reason travels with the finding", () => {
    assert.deepEqual(
      findings("waivers", { rule: "deployment-min-replicas" }).map(({ object, waived }) => [object, waived]),
      [
        [
          "Deployment waivers/scaled",
          "Scaled by HPA scaled (minReplicas 3); spec.replicas is only the initial size.",
        ],
        ["Deployment waivers/silent", undefined],
      ],
    );
  });

  test("a waiver for one rule does not silence another", () => {
    const scaled = findings("waivers").filter(
      (f) => f.object === "Deployment waivers/scaled" && f.waived === undefined,
    );
    assert.ok(scaled.some((f) => f.rule === "pod-security-restricted"));
    assert.ok(scaled.every((f) => f.rule !== "deployment-min-replicas"));
  });
});
