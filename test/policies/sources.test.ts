import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { KNOWN_TYPES, servedVersionsIfWrong } from "../../policies/kube";
import { summary } from "../../policies/report";
import { checkSources } from "../../policies/run-check";
import { LoadedSources } from "../../policies/sources";
import { fixturePath } from "./helpers";

describe("rotor check's reader: kinds at apiVersions that do not serve them", () => {
  const result = checkSources([
    { name: "api-versions.yaml", text: readFileSync(fixturePath("api-versions"), "utf8") },
  ]);

  test("are input problems at the apiVersion, with the apiVersion that serves the kind", () => {
    assert.deepEqual(result.problems, [
      {
        file: "api-versions.yaml",
        line: 2,
        column: 1,
        message:
          'Deployment versions/web: apiVersion "apps/v2" does not serve kind Deployment in Kubernetes 1.31 or newer, so the API server refuses the object and rotor does not check it. Use apiVersion: apps/v1.',
      },
      {
        file: "api-versions.yaml",
        line: 10,
        column: 1,
        message:
          'PodDisruptionBudget versions/web: apiVersion "v1" does not serve kind PodDisruptionBudget in Kubernetes 1.31 or newer, so the API server refuses the object and rotor does not check it. Use apiVersion: policy/v1.',
      },
      {
        file: "api-versions.yaml",
        line: 18,
        column: 1,
        message:
          'Ingress versions/web: apiVersion "extensions/v1beta1" does not serve kind Ingress in Kubernetes 1.31 or newer, so the API server refuses the object and rotor does not check it. Use apiVersion: networking.k8s.io/v1.',
      },
    ]);
    assert.equal(result.exitCode, 2);
  });

  test("a custom resource with a core kind's name is skipped as unknown, not reported", () => {
    assert.equal(
      summary(result),
      "1 object in 1 file: no findings. Skipped 1 object of kinds rotor has no rules for: Service (serving.knative.dev/v1) ×1. 3 input errors (see above).",
    );
  });

  test("every kind rotor knows has the apiVersions that serve it, and they are accepted", () => {
    for (const type of KNOWN_TYPES) {
      const [group, kind] = type.split("/") as [string, string];
      const wrong = servedVersionsIfWrong({ apiVersion: group === "core" ? "v0" : `${group}/v0`, kind });
      assert.ok(wrong && wrong.length > 0, `${type} has served versions`);
      for (const apiVersion of wrong) assert.equal(servedVersionsIfWrong({ apiVersion, kind }), undefined);
      assert.ok(
        wrong.some((v) => (v.includes("/") ? v.split("/")[0] : "core") === group),
        type,
      );
    }
  });
});

describe("rotor check on a kubectl dump whose controllers were not exported", () => {
  test("checks the owned objects themselves: the privileged Job of an absent CronJob fails the check", () => {
    const result = checkSources([{ name: "-", text: readFileSync(fixturePath("owned"), "utf8") }]);
    assert.equal(result.exitCode, 1);
    assert.deepEqual(
      result.findings.map((f) => `${f.ruleId} ${f.location?.line}:${f.location?.column}`),
      ["pod-security-restricted 30:13", "readiness-probe 62:11", "pod-security-restricted 157:17"],
    );
    assert.equal(summary(result), "7 objects in 1 file: 3 findings (3 mandatory, 0 advisory).");
  });
});

describe("rotor check's reader: a byte-order mark", () => {
  const service =
    "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    app: web\n";

  test("at the start of a text is not part of the first key, so the object is read (and located) as written", () => {
    const result = checkSources([{ name: "bom.yaml", text: `\ufeff${service}` }]);
    assert.equal(result.objects, 1);
    assert.equal(result.skipped.notKubernetes, 0);
    assert.deepEqual(result.problems, []);
    const sources = new LoadedSources();
    sources.add({ name: "bom.yaml", text: `\ufeff${service}` });
    const [object] = sources.objects;
    assert.ok(object);
    assert.deepEqual(sources.locate(object, ["apiVersion"]), { file: "bom.yaml", line: 1, column: 1 });
    assert.deepEqual(sources.locate(object, ["metadata", "name"]), { file: "bom.yaml", line: 4, column: 3 });
  });

  test("at the start of a JSON text is read past too", () => {
    const json = JSON.stringify({ apiVersion: "v1", kind: "Service", metadata: { name: "web" } });
    const result = checkSources([{ name: "bom.json", text: `\ufeff${json}` }]);
    assert.deepEqual(result.problems, []);
    assert.equal(result.objects, 1);
  });
});
