import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type * as Sarif from "sarif";
import { resolveConfig } from "../../policies/config";
import { violationMessage } from "../../policies/crossguard";
import { findingStatement, findingText } from "../../policies/finding-text";
import { formatSarif, formatText } from "../../policies/report";
import { RULES } from "../../policies/rules";
import { checkSources } from "../../policies/run-check";
import { fixturePath } from "./helpers";

function sarifOf(files: { name: string; text: string }[], config?: unknown): Sarif.Log {
  const resolved = config === undefined ? undefined : resolveConfig(config).config;
  return JSON.parse(formatSarif(checkSources(files, { config: resolved }), "1.2.3")) as Sarif.Log;
}

const waivers = { name: "manifests/waivers.yaml", text: readFileSync(fixturePath("waivers"), "utf8") };

describe("SARIF report", () => {
  test("is SARIF 2.1.0 with one rule per catalog entry, as GitHub code scanning reads it", () => {
    const log = sarifOf([waivers], {
      "deployment-has-recycler": "disabled",
      "resource-requests-limits": "advisory",
    });
    assert.equal(log.version, "2.1.0");
    assert.equal(log.$schema, "https://json.schemastore.org/sarif-2.1.0.json");
    assert.equal(log.runs.length, 1);
    const driver = log.runs[0].tool.driver;
    assert.equal(driver.name, "rotor");
    assert.equal(driver.semanticVersion, "1.2.3");
    assert.deepEqual(
      driver.rules!.map((r) => r.id),
      RULES.map((r) => r.id),
    );
    for (const rule of driver.rules!) {
      const source = RULES.find((r) => r.id === rule.id)!;
      assert.equal(rule.shortDescription!.text, source.description);
      assert.equal(rule.fullDescription!.text, source.rationale);
      assert.ok(rule.help!.text.includes(source.remediation));
      assert.ok(rule.help!.markdown!.includes(`rotor.dev/waive.${source.id}`));
      assert.match(rule.name!, /^[A-Z][A-Za-z]+$/);
      assert.ok((rule.properties!.tags as string[]).includes("kubernetes"));
    }
    const byId = (id: string) => driver.rules!.find((r) => r.id === id)!;
    assert.deepEqual(byId("deployment-has-recycler").defaultConfiguration, { enabled: false, level: "none" });
    assert.deepEqual(byId("resource-requests-limits").defaultConfiguration, { level: "warning" });
    assert.deepEqual(byId("deployment-min-replicas").defaultConfiguration, { level: "error" });
    // Security rules carry a security-severity, which makes GitHub file them as security alerts.
    assert.equal(byId("pod-security-restricted").properties!["security-severity"], "8.0");
    assert.equal(byId("recycler-rbac-least-privilege").properties!["security-severity"], "8.0");
    assert.equal(byId("deployment-min-replicas").properties!["security-severity"], undefined);
    assert.equal(byId("deployment-min-replicas").properties!["problem.severity"], "error");
  });

  test("gives every result a rule, a level, a message, a physical location with startLine and a fingerprint", () => {
    const log = sarifOf([waivers]);
    const run = log.runs[0];
    assert.ok(run.results!.length > 0);
    for (const result of run.results!) {
      assert.equal(run.tool.driver.rules![result.ruleIndex!].id, result.ruleId);
      assert.ok(result.level === "error" || result.level === "warning");
      assert.ok(result.message.text!.length > 0);
      const physical = result.locations![0].physicalLocation!;
      assert.equal(physical.artifactLocation!.uri, "manifests/waivers.yaml");
      assert.ok(physical.region!.startLine! >= 1 && physical.region!.startColumn! >= 1);
      assert.match(result.partialFingerprints!["rotorFinding/v1"], /^[0-9a-f]{64}$/);
    }
    const first = run.results!.find((r) => r.ruleId === "deployment-min-replicas")!;
    assert.deepEqual(first.locations![0], {
      physicalLocation: {
        artifactLocation: { uri: "manifests/waivers.yaml" },
        region: { startLine: 11, startColumn: 3 },
      },
      logicalLocations: [
        { name: "scaled", fullyQualifiedName: "Deployment/waivers/scaled", kind: "resource" },
      ],
    });
    assert.equal(
      first.message.text,
      "Deployment waivers/scaled: spec.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve. Fix: Set spec.replicas to 2 or more.",
    );
    assert.deepEqual(run.invocations, [{ executionSuccessful: true, toolExecutionNotifications: [] }]);
  });

  test("reports waived findings as in-source suppressions with the waiver's reason", () => {
    const results = sarifOf([waivers]).runs[0].results!.filter((r) => r.ruleId === "deployment-min-replicas");
    assert.deepEqual(
      results.map((r) => r.suppressions),
      [
        [
          {
            kind: "inSource",
            justification: "Scaled by HPA scaled (minReplicas 3); spec.replicas is only the initial size.",
          },
        ],
        undefined,
      ],
    );
  });

  test("keeps fingerprints when lines move, so GitHub tracks an alert across edits", () => {
    const before = sarifOf([waivers]).runs[0].results!;
    const after = sarifOf([{ ...waivers, text: `# a new comment\n# and another\n${waivers.text}` }]).runs[0]
      .results!;
    assert.equal(before.length, after.length);
    before.forEach((r, i) => {
      assert.equal(
        after[i].partialFingerprints!["rotorFinding/v1"],
        r.partialFingerprints!["rotorFinding/v1"],
      );
      assert.equal(
        after[i].locations![0].physicalLocation!.region!.startLine,
        r.locations![0].physicalLocation!.region!.startLine! + 2,
      );
    });
  });

  test("reports input errors as tool notifications with their location", () => {
    const log = sarifOf([{ name: "bad.yaml", text: "a:\n  - b\n  c: d\n" }, waivers]);
    assert.deepEqual(log.runs[0].invocations, [
      {
        executionSuccessful: false,
        toolExecutionNotifications: [
          {
            level: "error",
            message: { text: "is not valid YAML: All mapping items must start at the same column" },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: "bad.yaml" },
                  region: { startLine: 3, startColumn: 1 },
                },
              },
            ],
          },
        ],
      },
    ]);
  });
});

describe("text report", () => {
  test("summarises objects, files, levels, waivers and skipped documents", () => {
    const text = formatText(
      checkSources([
        waivers,
        {
          name: "crd.yaml",
          text: "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n---\nfoo: bar\n",
        },
      ]),
    );
    assert.match(
      text,
      /\n3 objects in 2 files: \d+ findings \(\d+ mandatory, 0 advisory\), 1 waived\. Skipped 1 document that is not a Kubernetes object; 1 object of kinds rotor has no rules for: Widget \(example\.com\/v1\) ×1\.\n$/,
    );
  });
});

describe("finding text", () => {
  test("names the object, says what is wrong and gives the fix", () => {
    const finding = {
      ruleId: "deployment-min-replicas",
      object: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" } },
      path: ["spec", "replicas"],
      message: "spec.replicas is 1.",
      fix: "Set spec.replicas to 2.",
    };
    assert.equal(findingStatement(finding), "Deployment shop/web: spec.replicas is 1.");
    assert.equal(
      findingText(finding),
      "Deployment shop/web: spec.replicas is 1. Fix: Set spec.replicas to 2.",
    );
  });

  test("is the same in CrossGuard's violations, rotor check's SARIF results and its text report", () => {
    const result = checkSources([waivers]);
    const active = result.findings.filter((f) => f.waivedBecause === undefined);
    assert.ok(active.length > 0);
    const sarif = JSON.parse(formatSarif(result, "1.2.3")) as Sarif.Log;
    const texts = sarif.runs[0]
      .results!.filter((r) => r.suppressions === undefined)
      .map((r) => r.message.text);
    assert.deepEqual(texts, active.map(findingText));
    assert.deepEqual(active.map(violationMessage), active.map(findingText));
    const lines = formatText(result).split("\n");
    for (const f of active) {
      const at = lines.findIndex((l) => l.endsWith(`${f.ruleId}: ${findingStatement(f)}`));
      assert.notEqual(at, -1, findingStatement(f));
      assert.equal(lines[at + 1], `  fix: ${f.fix}`);
    }
  });
});
