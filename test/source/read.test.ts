import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { readJson, readYamlDocument, readYamlStream, type SourceDocument } from "../../source";

/** A document's value, or its problems as `line:column: path message` lines. */
function outcome(d: SourceDocument | undefined): unknown {
  assert.ok(d);
  if ("value" in d) return d.value;
  return d.problems.map((p) => `${p.line}:${p.column}: ${p.path ? `${p.path} ` : ""}${p.message}`);
}

const BOMB =
  'a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';

describe("readYamlStream: one reader for every YAML rotor reads", () => {
  test("documents the fast reader reads and documents it hands to yaml are located alike", () => {
    const text = "a: 1\n---\nb: !!str x\nc:\n  d: 1\n--- # three\ne:\n  - f\n";
    const docs = readYamlStream("m.yaml", text);
    assert.deepEqual(docs.map(outcome), [{ a: 1 }, { b: "x", c: { d: 1 } }, { e: ["f"] }]);
    assert.deepEqual(
      docs.map((d) => d.line),
      [1, 2, 6],
    );
    const at = (i: number, ...path: (string | number)[]) => {
      const d = docs[i];
      assert.ok(d && "positions" in d);
      return d.positions.locate(path);
    };
    assert.deepEqual(at(0, "a"), { line: 1, column: 1 });
    assert.deepEqual(at(1, "c", "d"), { line: 5, column: 3 });
    assert.deepEqual(at(1, "c", "nothing", "here"), { line: 4, column: 1 });
    assert.deepEqual(at(2, "e", 0), { line: 8, column: 5 });
  });

  test("a syntax error is reported at its own line in a later document, and the other documents are read", () => {
    const docs = readYamlStream("m.yaml", "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n");
    assert.deepEqual(docs.map(outcome), [
      { a: 1 },
      ['3:4: is not valid YAML: the "[" that starts a list here is never closed. Add the missing "]".'],
      { d: 4 },
    ]);
    assert.equal((docs[1] as { readonly problems: readonly { file: string }[] }).problems[0]?.file, "m.yaml");
  });

  test("a stream with directives goes to yaml whole, with the same lines", () => {
    const docs = readYamlStream("m.yaml", "%YAML 1.2\n---\na: 1\n---\nb: ]\n");
    assert.deepEqual(docs.map(outcome), [
      { a: 1 },
      ['5:4: is not valid YAML: Unexpected flow-seq-end token in YAML stream: "]"'],
    ]);
  });

  test("the values the fast reader refuses are errors at their column", () => {
    assert.deepEqual(readYamlStream("m.yaml", "a: ,x\n").map(outcome), [
      ["1:4: is not valid YAML: Plain value cannot start with flow indicator character ,"],
    ]);
  });

  test("every duplicate key is named by its path, at the second one", () => {
    assert.deepEqual(
      readYamlStream("m.yaml", "metadata:\n  name: a\n  labels: {}\n  name: b\nx: 1\nx: 2\n").map(outcome),
      [
        [
          "4:3: metadata.name is written twice (first at line 2): YAML keys must be unique, and the second would replace the first. Keep one of them.",
          "6:1: x is written twice (first at line 5): YAML keys must be unique, and the second would replace the first. Keep one of them.",
        ],
      ],
    );
  });

  test("an alias bomb is reported at the alias that crosses the limit (a billion-laughs document)", () => {
    assert.deepEqual(readYamlStream("m.yaml", `ok: 1\n---\n${BOMB}`).map(outcome), [
      { ok: 1 },
      [
        "6:8: expands its YAML aliases into too much data (an alias bomb), so it was not read. Write the values out, or use fewer nested aliases.",
      ],
    ]);
  });

  test("an alias before its anchor is reported at the alias", () => {
    assert.deepEqual(readYamlStream("m.yaml", "a: 1\nb:\n  c: *later\nd: &later 2\n").map(outcome), [
      ["3:6: uses a YAML alias (*name) before its anchor (&name) is defined. Define the anchor first."],
    ]);
  });

  test("merge keys merge only when asked (the catalog reads YAML 1.1 merges, rotor check does not)", () => {
    const text = "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n";
    assert.deepEqual(outcome(readYamlStream("c.yaml", text, { merge: true })[0]), {
      base: { x: 1 },
      use: { x: 1, y: 2 },
    });
    assert.deepEqual(outcome(readYamlStream("m.yaml", text)[0]), {
      base: { x: 1 },
      use: { "<<": { x: 1 }, y: 2 },
    });
  });

  test("a byte-order mark at the start is not content, and columns count after it", () => {
    const [doc] = readYamlStream("m.yaml", "\ufeffa: !!str 1\n");
    assert.deepEqual(outcome(doc), { a: "1" });
    assert.ok(doc && "positions" in doc);
    assert.deepEqual(doc.positions.locate(["a"]), { line: 1, column: 1 });
  });
});

describe("readYamlDocument: files that hold one document", () => {
  test("a second document is a problem at its start", () => {
    assert.deepEqual(readYamlDocument("c.yaml", "a: 1\n---\nb: 2\n", "catalog"), {
      problems: [
        {
          file: "c.yaml",
          line: 2,
          column: 1,
          message: "holds more than one YAML document. Keep one catalog per file.",
        },
      ],
    });
  });

  test("an empty file, or one of comments and empty documents, is the value null", () => {
    for (const text of ["", "# nothing\n", "---\n---\n"]) {
      const read = readYamlDocument("c.yaml", text, "catalog");
      assert.ok("value" in read, JSON.stringify(text));
      assert.equal(read.value, null);
      assert.deepEqual(read.positions.locate(["a"]), { line: 1, column: 1 });
    }
  });
});

describe("readJson", () => {
  test("a JSON syntax error at its line and column (V8 words it, differently in each Node.js version)", () => {
    for (const [text, line, column] of [
      ['{\n  "a": [1,\n', 3, 1],
      ['{"a": 1}}', 1, 9],
    ] as const) {
      const doc = readJson("m.json", text);
      assert.ok("problems" in doc);
      const [problem] = doc.problems;
      assert.deepEqual([problem?.file, problem?.line, problem?.column], ["m.json", line, column]);
      assert.match(problem?.message ?? "", /^is not valid JSON: Unexpected /);
    }
  });

  test("positions are found when asked", () => {
    const doc = readJson("m.json", '\ufeff{\n  "a": {\n    "b": [1, 2]\n  }\n}\n');
    assert.ok("positions" in doc);
    assert.deepEqual(doc.value, { a: { b: [1, 2] } });
    assert.deepEqual(doc.positions.locate(["a", "b", 1]), { line: 3, column: 14 });
  });
});
