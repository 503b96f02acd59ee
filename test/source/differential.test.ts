import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import fc from "fast-check";
import { agrees, handWritten } from "./differential";

const CORPUS = join(__dirname, "..", "fixtures", "source");

describe("the fast reader against yaml, on YAML as people write it", () => {
  // Found by the generator below, where the fast reader accepted what yaml rejects (the ? and : case guards the
  // - one's neighbours).
  const found: [name: string, text: string][] = [
    ["a lone - in a flow sequence", "- [-]\n- true\n"],
    ["a - before a flow indicator", "a: [x, -, y]\nb: {k: -}\n"],
    ["a ? or : before a flow indicator", "a: [?]\nb: [:]\n"],
    ["a byte-order mark starting a line after a comment", "# head\n\ufeffx\n"],
    ["a byte-order mark starting a line in a document", "a: 1\n\ufeffb: 2\n"],
    ["a tab before a block scalar's indentation is known", "a:\n  b: |\n \t  # kept\n"],
    ["a tab-only last line without a line end", "---\n\t"],
  ];
  for (const [name, text] of found) {
    test(`hands over ${name}`, () => {
      const mine = agrees(text);
      assert.ok(mine?.includes("fallback"), JSON.stringify(text));
    });
  }

  test("agrees on every document of a corpus of real-world manifests, or hands it over", () => {
    const files = readdirSync(CORPUS)
      .filter((f) => f.endsWith(".yaml"))
      .sort();
    assert.deepEqual(files, [
      "anchors.yaml",
      "crd-block-scalars.yaml",
      "deployment-probes.yaml",
      "helm-output.yaml",
      "kustomize-output.yaml",
    ]);
    const handedOver: Record<string, number> = {};
    for (const file of files) {
      const text = readFileSync(join(CORPUS, file), "utf8");
      for (const variant of [text, text.replaceAll("\n", "\r\n"), `\ufeff${text}`]) {
        const mine = agrees(variant);
        assert.ok(mine, file);
        if (variant === text) handedOver[file] = mine.filter((d) => d === "fallback").length;
      }
    }
    // Only anchors are outside the fast reader's subset: everything else is read on the fast path.
    assert.deepEqual(handedOver, {
      "anchors.yaml": 2,
      "crd-block-scalars.yaml": 0,
      "deployment-probes.yaml": 0,
      "helm-output.yaml": 0,
      "kustomize-output.yaml": 0,
    });
  });

  test("agrees on hand-written YAML, or hands it over (property, fixed seed)", () => {
    fc.assert(
      fc.property(handWritten, (text) => void agrees(text)),
      { numRuns: 3000, seed: 20261202 },
    );
  });
});
