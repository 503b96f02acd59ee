import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { jsonPatch, mergePatch, strategicMergePatch } from "../../simulator/patch";
import {
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  selectorMatches,
} from "../../simulator/selectors";
import { ApiError } from "../../simulator/status";
import type { Json, JsonObject } from "../../simulator";

describe("label selectors", () => {
  const labels = { app: "web", tier: "front", version: "3" };
  const cases: Array<[string, boolean]> = [
    ["", true],
    ["app=web", true],
    ["app==web", true],
    ["app=api", false],
    ["app!=api", true],
    ["missing!=x", true],
    ["app in (web, api)", true],
    ["app in (api)", false],
    ["app notin (api)", true],
    ["missing notin (api)", true],
    ["missing in (api)", false],
    ["tier", true],
    ["!tier", false],
    ["!missing", true],
    ["version>2", true],
    ["version<3", false],
    ["app=web,tier in (front,back),!canary", true],
    ["app=web,tier=back", false],
  ];
  for (const [selector, want] of cases) {
    it(`${JSON.stringify(selector)} → ${want}`, () => {
      assert.equal(matchesLabels(parseLabelSelector(selector), labels), want);
    });
  }

  it("rejects malformed selectors with a 400", () => {
    for (const bad of ["app in web", "a b c", "app=(x)", "-bad=1"]) {
      assert.throws(
        () => parseLabelSelector(bad),
        (e: unknown) => e instanceof ApiError && e.code === 400,
        bad,
      );
    }
  });

  it("matches metav1.LabelSelector expressions", () => {
    const selector = {
      matchLabels: { app: "web" },
      matchExpressions: [
        { key: "tier", operator: "In" as const, values: ["front"] },
        { key: "canary", operator: "DoesNotExist" as const },
      ],
    };
    assert.equal(selectorMatches(selector, labels), true);
    assert.equal(selectorMatches(selector, { ...labels, canary: "1" }), false);
  });

  it("parses field selectors and refuses unsupported fields", () => {
    assert.deepEqual(
      parseFieldSelector("metadata.name=web,status.phase!=Failed", ["metadata.name", "status.phase"]),
      [
        { field: "metadata.name", operator: "=", value: "web" },
        { field: "status.phase", operator: "!=", value: "Failed" },
      ],
    );
    assert.throws(
      () => parseFieldSelector("spec.x=1", ["metadata.name"]),
      /field label not supported: spec.x/,
    );
  });
});

describe("patches", () => {
  it("merge patch (RFC 7386)", () => {
    const target: Json = { a: 1, b: { c: 2, d: 3 }, e: [1, 2] };
    assert.deepEqual(mergePatch(target, { a: null, b: { c: 5 }, e: [3], f: "x" }), {
      b: { c: 5, d: 3 },
      e: [3],
      f: "x",
    });
    assert.deepEqual(target, { a: 1, b: { c: 2, d: 3 }, e: [1, 2] });
  });

  it("strategic merge patch: keyed lists, $patch replace and delete, set-like finalizers, replaced plain lists", () => {
    const target: JsonObject = {
      metadata: { finalizers: ["a"], labels: { x: "1", y: "2" } },
      spec: {
        containers: [
          { name: "app", image: "a:1", env: [{ name: "A", value: "1" }] },
          { name: "side", image: "s:1" },
        ],
        args: ["--one"],
      },
    };
    const patched = strategicMergePatch(target, {
      metadata: { finalizers: ["b", "a"], labels: { $patch: "replace", z: "3" } },
      spec: {
        $setElementOrder: [{ name: "app" }],
        containers: [
          { name: "app", env: [{ name: "B", value: "2" }] },
          { name: "side", $patch: "delete" },
        ],
        args: ["--two"],
      },
    });
    assert.deepEqual(patched, {
      metadata: { finalizers: ["a", "b"], labels: { z: "3" } },
      spec: {
        containers: [
          {
            name: "app",
            image: "a:1",
            env: [
              { name: "A", value: "1" },
              { name: "B", value: "2" },
            ],
          },
        ],
        args: ["--two"],
      },
    });
  });

  it("JSON patch (RFC 6902): every operation, escaped pointers, and 422 on a failing one", () => {
    const doc: Json = { a: { "b/c": 1, "d~e": 2 }, list: [1, 2, 3] };
    const out = jsonPatch(doc, [
      { op: "add", path: "/list/-", value: 4 },
      { op: "add", path: "/list/0", value: 0 },
      { op: "remove", path: "/list/1" },
      { op: "replace", path: "/a/b~1c", value: 10 },
      { op: "move", from: "/a/d~0e", path: "/moved" },
      { op: "copy", from: "/moved", path: "/copied" },
      { op: "test", path: "/copied", value: 2 },
    ]);
    assert.deepEqual(out, { a: { "b/c": 10 }, list: [0, 2, 3, 4], moved: 2, copied: 2 });
    assert.throws(
      () => jsonPatch(doc, [{ op: "remove", path: "/nope" }]),
      (e: unknown) => e instanceof ApiError && e.code === 422,
    );
    assert.throws(
      () => jsonPatch(doc, { op: "add" }),
      (e: unknown) => e instanceof ApiError && e.code === 400,
    );
  });
});
