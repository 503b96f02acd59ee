// The e2e suite's structural comparison (live object against `rotor render`), which must be able to fail.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { missingFields } from "../../e2e/harness/rotor";

describe("missingFields", () => {
  it("accepts fields the server adds, in objects and in array items", () => {
    const expected = { spec: { containers: [{ name: "app", ports: [{ containerPort: 80 }] }] } };
    const live = {
      metadata: { uid: "u" },
      spec: { containers: [{ name: "app", ports: [{ containerPort: 80, protocol: "TCP" }], tty: false }] },
    };
    assert.deepEqual(missingFields(expected, live), []);
  });

  it("names each missing or different field by its path", () => {
    const expected = { metadata: { labels: { a: "1", b: "2" } }, spec: { replicas: 2, args: ["x", "y"] } };
    const live = { metadata: { labels: { a: "1" } }, spec: { replicas: "2", args: ["x"] } };
    assert.deepEqual(missingFields(expected, live), [
      'metadata.labels.b: expected "2", found undefined',
      'spec.replicas: expected 2, found "2"',
      "spec.args: expected 2 items, found 1",
    ]);
  });

  it("says when the shape differs", () => {
    assert.deepEqual(missingFields({ a: [1] }, { a: { 0: 1 } }), ['a: expected an array, found {"0":1}']);
    assert.deepEqual(missingFields({ a: { b: 1 } }, { a: [] }), ["a: expected an object, found []"]);
    assert.deepEqual(missingFields({ a: { b: 1 } }, {}), ["a: expected an object, found undefined"]);
  });
});
