import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import { parseAllDocuments, stringify } from "yaml";
import { parseDocumentFast, pathKey, splitDocuments, type Positions } from "../../source/fast-yaml";
import { fixturePath } from "../policies/helpers";

/** What the `yaml` library makes of each document: its value, or "error". */
function reference(text: string): unknown[] {
  const docs = parseAllDocuments(text);
  return (Array.isArray(docs) ? docs : []).map((d) =>
    d.errors.length > 0 ? "error" : (d.toJS() as unknown),
  );
}

/** The fast parser's view: each document's value, or "fallback" where it leaves the subset. */
function fast(text: string): unknown[] | undefined {
  const slices = splitDocuments(text);
  return slices?.map((s) => {
    const parsed = parseDocumentFast(text, s);
    return parsed ? parsed.value : "fallback";
  });
}

/** Asserts the fast parser agrees with `yaml` on every document it accepts, and accepts none `yaml` rejects. */
function agrees(text: string): unknown[] | undefined {
  const mine = fast(text);
  const theirs = reference(text);
  if (mine === undefined) return undefined;
  assert.equal(mine.length, theirs.length, `document count of ${JSON.stringify(text)}`);
  mine.forEach((value, i) => {
    if (value === "fallback") return;
    assert.notEqual(theirs[i], "error", `accepted a document yaml rejects: ${JSON.stringify(text)}`);
    assert.deepStrictEqual(value, theirs[i], JSON.stringify(text));
  });
  return mine;
}

describe("fast YAML parser", () => {
  const handled: [name: string, text: string][] = [
    [
      "block mappings and sequences",
      "a: 1\nb:\n  c: [x, 'y', \"z\"]\n  d:\n    - e: f\n      g: h\n    - i\nj: {k: l, m: [1, 2]}\n",
    ],
    [
      "sequences at their key's indentation",
      "containers:\n- name: a\n  ports:\n  - containerPort: 80\n- name: b\nnext: 1\n",
    ],
    ["comments everywhere", '# head\na: 1 # one\n  # indented comment\nb: x#y\nc: "q" # c\n# tail\n'],
    [
      "core-schema scalars",
      "a: ~\nb: null\nc: True\nd: FALSE\ne: 0o17\nf: 0x1F\ng: -12\nh: +3\ni: 1.5\nj: .5\nk: 1e3\nl: .inf\nm: -.Inf\nn: .nan\no: 010\np: 1_000\nq: 12:30\nr: yes\ns: 0.0\nt: 1.\nu: -0\nv: 123456789012345678901234567890\n",
    ],
    [
      "quoted scalars and escapes",
      'a: "x\\ty\\u00e9\\"\\x41\\U0001F600\\N\\_\\/\\0"\nb: \'it\'\'s\'\n"c d": e\n\'f\': ""\ng: "x # y"\n',
    ],
    ["empty values", "a:\nb: \nc: # comment\nd:\n  -\n  - x\ne: []\nf: {}\n"],
    [
      "literal block scalars",
      "a: |\n  line1\n    indented\n\n  line4\n\n\nb: |-\n  x\n\nc: |+\n  y\n\n\nd: |\n  # not a comment\n  z\n# a comment\ne: |\n\n  leading blank\nf: |\n  at the end",
    ],
    [
      "folded block scalars",
      "a: >\n  one\n  two\n\n  three\n\n\n  four\nb: >-\n  x\n  y\nc: >\n\n  leading\n",
    ],
    ["block scalars in sequences", "- |\n  text\n- >-\n  more\n  text\n- key: |\n    nested\n  other: 1\n"],
    ["CRLF line endings", "a: 1\r\nb:\r\n  - x\r\n  - 'y'\r\nc: |\r\n  z\r\n"],
    ["several documents", "# c\n---\na: 1\n---\n---\nb: 2\n--- # comment\nc: 3\n"],
    ["a document before the first marker", "a: 1\n---\nb: 2\n"],
    ["top-level scalars and sequences", "hello\n---\n- a\n- b\n"],
    [
      "plain scalars with colons and hashes",
      "image: gcr.io/x/y:1.2\nurl: http://a.b/c?d=e#f\nkey with spaces: v\n-x: 1\n",
    ],
    ["indented top level", "  a: 1\n  b: 2\n"],
  ];
  for (const [name, text] of handled) {
    test(`handles ${name} exactly as yaml does`, () => {
      const mine = agrees(text);
      assert.ok(mine && !mine.includes("fallback"), `fell back on ${JSON.stringify(text)}`);
    });
  }

  const declined: [name: string, text: string][] = [
    ["duplicate keys", "a: 1\na: 2\n"],
    ["inconsistent indentation", "a:\n  b: 1\n c: 2\n"],
    ["multi-line plain scalars", "a: one\n  two\n"],
    ["tabs as indentation", "a:\n\tb: 1\n"],
    ["anchors and aliases", "a: &x 1\nb: *x\n"],
    ["tags", "a: !!str 1\n"],
    ["a mapping inside a plain scalar", "a: b: c\n"],
    ["a key ending a value", "a: b:\n"],
    ["nested compact sequences", "- - a\n"],
    ["too deep leading blanks in a block scalar", "a: |\n     \n  x\n"],
    ["empty flow items", "a: [a,,b]\n"],
    ["multi-line flow collections", "a: [1,\n  2]\n"],
    ["multi-line quoted scalars", 'a: "one\n  two"\n'],
    ["explicit indentation indicators", "a: |2\n   x\n"],
    ["complex keys", "? a\n: b\n"],
    ["non-string keys", "1: a\ntrue: b\n"],
    ["merge keys", "<<: {a: 1}\n"],
    ["content on the marker line", "--- a: 1\n"],
    // A plain scalar cannot start with a flow indicator; yaml rejects these, so the fast reader must not read them.
    ["a value starting with a comma", "a: ,x\n"],
    ["a value that is a closing bracket", "a: ]\n"],
    ["a value that is a closing brace", "a: }\n"],
    ["an item starting with a comma", "- ,x\n"],
    ["an item that is a closing bracket", "- ]\n"],
    ["an item that is a closing brace", "- }\n"],
  ];
  for (const [name, text] of declined) {
    test(`leaves ${name} to the yaml library`, () => {
      const mine = agrees(text);
      assert.ok(mine === undefined || mine.includes("fallback"), `accepted ${JSON.stringify(text)}`);
    });
  }

  test("keeps a non-breaking space (U+00A0) where yaml keeps it: it is not YAML white space", () => {
    for (const text of [
      "a\u00a0: 1\n",
      "a: 1\u00a0\n",
      "a: [x\u00a0]\n",
      "--- \u00a0\na: 1\n",
      "\u00a0a: 1\n",
    ]) {
      agrees(text);
    }
    assert.deepEqual(fast("a\u00a0: 1\n"), [{ "a\u00a0": 1 }]);
  });

  test("hands a document that starts with the stream's byte-order mark to yaml, and reads the rest", () => {
    // yaml reads past the mark, then refuses `- a` after it; the front door (source/read.ts) drops the mark first.
    assert.deepEqual(agrees("\ufeffa: 1\n"), ["fallback"]);
    assert.deepEqual(agrees("\ufeff- a\n"), ["fallback"]);
    assert.deepEqual(agrees("\ufeff---\na: 1\n---\nb: 2\n"), [{ a: 1 }, { b: 2 }]);
    // yaml reads a mark after the first one, or at the start of a later document, as part of the content.
    agrees("\ufeff\ufeffa: 1\n");
    agrees("a: 1\n---\n\ufeffb: 2\n");
  });

  test("leaves streams with directives or document end markers to the yaml library", () => {
    assert.equal(splitDocuments("%YAML 1.2\n---\na: 1\n"), undefined);
    assert.equal(splitDocuments("a: 1\n...\n"), undefined);
  });

  test("splits documents with their lines and marker offsets", () => {
    const text = "# preface\n---\na: 1\n--- # two\nb: 2\n";
    assert.deepEqual(splitDocuments(text), [
      { start: 14, end: 19, line: 3, sourceStart: 10, sourceLine: 2, inlineContent: false },
      { start: 29, end: 34, line: 5, sourceStart: 19, sourceLine: 4, inlineContent: false },
    ]);
    assert.deepEqual(splitDocuments(""), []);
    assert.deepEqual(splitDocuments("# only a comment\n"), []);
  });

  test("records the line and column of every key and sequence item", () => {
    const text =
      "---\nkind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          ports: [{containerPort: 80}]\n";
    const positions: Positions = new Map();
    const [slice] = splitDocuments(text)!;
    assert.ok(parseDocumentFast(text, slice, positions));
    const at = (...path: (string | number)[]) => positions.get(pathKey(path));
    assert.deepEqual(at(), [2, 1]);
    assert.deepEqual(at("kind"), [2, 1]);
    assert.deepEqual(at("spec", "template", "spec", "containers"), [6, 7]);
    assert.deepEqual(at("spec", "template", "spec", "containers", 0), [7, 11]);
    assert.deepEqual(at("spec", "template", "spec", "containers", 0, "ports"), [8, 11]);
  });

  test("agrees with yaml on every policy fixture, without falling back", () => {
    for (const name of ["reference", "pdb-budget", "pod-security", "recycler-rbac", "services", "waivers"]) {
      const mine = agrees(readFileSync(fixturePath(name), "utf8"));
      assert.ok(mine && !mine.includes("fallback"), name);
    }
  });

  const key = fc.oneof(
    fc.constantFrom("name", "app.kubernetes.io/name", "rotor.dev/waive.x", "a b", "x-y_z", "spec"),
    fc.string({ minLength: 1, maxLength: 12 }),
  );
  const scalar = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(
      "true",
      "null",
      "0o17",
      "1e3",
      "-",
      "- x",
      "a: b",
      "# c",
      "x #y",
      "'q'",
      '"d"',
      "|",
      "  pad  ",
      "line\nbreak\n",
      "tab\there",
    ),
    fc.integer(),
    fc.double({ noNaN: false }),
    fc.boolean(),
    fc.constant(null),
  );
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("list"), tie("map")),
    list: fc.array(tie("node"), { maxLength: 4 }),
    map: fc.dictionary(key, tie("node"), { maxKeys: 5 }),
  })).node;
  const options = fc.record({
    indentSeq: fc.boolean(),
    indent: fc.integer({ min: 1, max: 4 }),
    defaultStringType: fc.constantFrom<
      "PLAIN" | "QUOTE_DOUBLE" | "QUOTE_SINGLE" | "BLOCK_LITERAL" | "BLOCK_FOLDED"
    >("PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL", "BLOCK_FOLDED"),
    lineWidth: fc.constantFrom(0, 20, 80),
    collectionStyle: fc.constantFrom<"any" | "block" | "flow">("any", "block", "flow"),
  });

  test("agrees with yaml on whatever yaml writes (property)", () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3 }), options, (docs, opts) => {
        agrees(docs.map((d) => stringify(d, opts)).join("---\n"));
      }),
      { numRuns: 400 },
    );
  });

  test("reads Kubernetes-shaped YAML as written by yaml and kubectl without falling back (property)", () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9.-]{0,10}[a-z0-9])?$/);
    const object = fc.record({
      apiVersion: fc.constantFrom("v1", "apps/v1", "batch/v1"),
      kind: fc.constantFrom("Deployment", "Service", "ConfigMap"),
      metadata: fc.record({
        name: label,
        namespace: label,
        labels: fc.dictionary(label, label, { maxKeys: 4 }),
      }),
      spec: fc.record({
        replicas: fc.nat(10),
        ports: fc.array(
          fc.record({ name: label, port: fc.nat(65535), protocol: fc.constantFrom("TCP", "UDP") }),
          { maxLength: 3 },
        ),
        args: fc.array(fc.oneof(label, fc.constantFrom("--max-age", "24h", "--flag=x", "a b")), {
          maxLength: 4,
        }),
        script: fc.constantFrom("", "echo hi\n", "line one\nline two\n"),
      }),
    });
    fc.assert(
      fc.property(fc.array(object, { minLength: 1, maxLength: 4 }), fc.boolean(), (docs, indentSeq) => {
        const text = docs.map((d) => stringify(d, { indentSeq })).join("---\n");
        const mine = agrees(text);
        assert.ok(mine && !mine.includes("fallback"), text);
      }),
      { numRuns: 300 },
    );
  });
});
