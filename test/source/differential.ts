/**
 * The differential check of the fast reader against the `yaml` library, and a generator of YAML as people write
 * it by hand (not as `yaml.stringify` writes it): flow collections, odd indicators, non-breaking spaces,
 * byte-order marks, tabs, comments everywhere, CRLF line ends. Shared by the quick property test and the deep run.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseAllDocuments, parseDocument, type Document } from "yaml";
import { parseDocumentFast, splitDocuments } from "../../source/fast-yaml";

/** What the `yaml` library makes of a document: its value, or "error". */
function outcome(doc: Document.Parsed): unknown {
  if (doc.errors.length > 0) return "error";
  try {
    return doc.toJS();
  } catch {
    return "error";
  }
}

/**
 * Asserts that on every document of `text` the fast reader agrees with `yaml` or hands the document over:
 * - a document the fast reader accepts, `yaml` reads to the same value (reading that document alone, which is
 *   what rotor does with a document the fast reader hands over);
 * - where `yaml` reads the whole stream without an error, it finds the same documents, each with the value it
 *   has alone, so splitting the stream at `---` lines changes nothing. (In a stream with an error, an unclosed
 *   quote say, `yaml` may read on across a `---` line; rotor reports the error in its document either way.)
 * Returns what the fast reader made of each document ("fallback" where it handed over), or undefined when it
 * left the whole stream to `yaml`.
 */
export function agrees(text: string): unknown[] | undefined {
  const slices = splitDocuments(text);
  if (slices === undefined) return undefined;
  const show = JSON.stringify(text);
  const all = parseAllDocuments(text);
  const stream = (Array.isArray(all) ? all : []).map(outcome);
  const clean = stream.every((d) => d !== "error");
  if (clean) assert.equal(slices.length, stream.length, `document count of ${show}`);
  return slices.map((slice, i) => {
    const alone = outcome(parseDocument(text.slice(slice.sourceStart, slice.end)));
    if (clean)
      assert.deepStrictEqual(alone, stream[i], `document ${i} read alone differs from the stream: ${show}`);
    const fast = parseDocumentFast(text, slice);
    if (!fast) return "fallback";
    assert.notEqual(alone, "error", `accepted document ${i}, which yaml rejects: ${show}`);
    assert.deepStrictEqual(fast.value, alone, `document ${i}: ${show}`);
    return fast.value;
  });
}

const NBSP = "\u00a0";
const BOM = "\ufeff";

const word = fc.constantFrom("a", "name", "app.kubernetes.io/name", "x-y_z", "spec", "k8s", "v1", "web");
/** Scalars that sit on a line: plain, quoted, indicators and the characters around them. */
const scalar = fc.oneof(
  word,
  fc.constantFrom(
    ",x",
    "]",
    "}",
    "x]",
    "x}",
    "x,y",
    "x:y",
    "x: y",
    "x :y",
    "-x",
    "- x",
    "-",
    "?x",
    "? x",
    ":x",
    ": x",
    "#x",
    "x#y",
    "x #y",
    "x\t#y",
    "%x",
    "@x",
    "`x",
    "!x",
    "!!str 1",
    "&a x",
    "*a",
    "|",
    ">-",
    "|+",
    "|2",
    "'q'",
    "'it''s'",
    "'q' x",
    '"d"',
    '"a\\tb"',
    '"\\u00e9"',
    '"x" y',
    '"unclosed',
    "'unclosed",
    `${NBSP}x`,
    `x${NBSP}`,
    `x${NBSP}#y`,
    `${NBSP}`,
    `${BOM}x`,
    "x\ty",
    "true",
    "False",
    "~",
    "null",
    "0o17",
    "0x1F",
    "1e3",
    ".inf",
    "-.Inf",
    ".nan",
    "010",
    "1_000",
    "12:30",
    "",
    "\t",
    "a: b: c",
  ),
);
/** Flow collections on one line, well-formed or not. */
const flow = fc.letrec((tie) => ({
  item: fc.oneof({ depthSize: "small" }, scalar, tie("seq"), tie("map")),
  seq: fc
    .tuple(
      fc.array(tie("item"), { maxLength: 3 }),
      fc.constantFrom("", ",", " ,", ", ,"),
      fc.constantFrom("", " "),
    )
    .map(([items, trail, pad]) => `[${pad}${(items as string[]).join(", ")}${trail}${pad}]`),
  map: fc
    .tuple(
      fc.array(fc.tuple(word, tie("item")), { maxLength: 3 }),
      fc.constantFrom("", ","),
      fc.constantFrom(": ", ":", " : "),
    )
    .map(
      ([pairs, trail, sep]) =>
        `{${(pairs as [string, string][]).map(([k, v]) => `${k}${sep}${v}`).join(", ")}${trail}}`,
    ),
})).item as fc.Arbitrary<string>;
const key = fc.oneof(
  word,
  fc.constantFrom(
    `a${NBSP}`,
    `${NBSP}a`,
    '"q k"',
    "'s k'",
    "a b",
    "-k",
    "?k",
    "k#x",
    "1",
    "true",
    "<<",
    "[a]",
    `${BOM}k`,
  ),
);
const value = fc.oneof(scalar, flow);
const comment = fc.constantFrom("", " # c", "\t# c", " #", "#c", ` ${NBSP}# c`);
const space = fc.constantFrom(" ", " ", " ", "  ", "\t", ` ${NBSP}`, "");

/** A block node at `indent`, as lines without their line ends. */
function block(depth: number): fc.Arbitrary<(indent: string) => string[]> {
  const leaf = fc.tuple(value, comment).map(([v, c]) => () => [`${v}${c}`]);
  const scalarBlock = fc
    .tuple(
      fc.constantFrom("|", "|-", ">", ">+", "|2"),
      fc.array(fc.constantFrom("line", "  more", "", "# kept", "\tt", `${NBSP}n`), { maxLength: 3 }),
    )
    .map(([header, body]) => (indent: string) => [
      header,
      ...body.map((l) => (l === "" ? "" : `${indent}  ${l}`)),
    ]);
  if (depth <= 0) return fc.oneof(leaf, scalarBlock);
  const entries = fc.array(
    fc.tuple(
      key,
      space,
      block(depth - 1),
      comment,
      fc.constantFrom(0, 0, 0, 1, 2),
      fc.constantFrom("  ", "  ", " ", "\t", "   "),
    ),
    { minLength: 1, maxLength: 3 },
  );
  const mapping = entries.map(
    (es) => (indent: string) =>
      es.flatMap(([k, sp, child, c, extra, step]) => {
        const inner = indent + step;
        const lines = child(inner);
        const first = lines[0] ?? "";
        const nested = /^[|>]/.test(first) || lines.length === 1;
        const head = nested ? `${indent}${k}:${sp}${first}` : `${indent}${k}:${c}`;
        const rest = nested ? lines.slice(1) : lines.map((l, i) => (i === 0 ? `${inner}${l}` : l));
        const noise = extra === 1 ? [`${indent}# between`] : extra === 2 ? [""] : [];
        return [head, ...rest, ...noise];
      }),
  );
  const sequence = fc
    .array(fc.tuple(block(depth - 1), fc.constantFrom(" ", "  ", "\t")), { minLength: 1, maxLength: 3 })
    .map(
      (items) => (indent: string) =>
        items.flatMap(([child, sp]) => {
          const lines = child(`${indent}  `);
          return lines.length === 1 || /^[|>]/.test(lines[0] ?? "")
            ? [`${indent}-${sp}${lines[0] ?? ""}`, ...lines.slice(1)]
            : [`${indent}-`, ...lines.map((l, i) => (i === 0 ? `${indent}  ${l}` : l))];
        }),
    );
  return fc.oneof(leaf, mapping, sequence);
}

/** A stream of hand-written documents: markers, comments, a byte-order mark, LF or CRLF line ends. */
export const handWritten: fc.Arbitrary<string> = fc
  .tuple(
    fc.array(fc.tuple(block(3), fc.constantFrom("---", "--- # doc", "---\t", "", "--- ")), {
      minLength: 1,
      maxLength: 3,
    }),
    fc.constantFrom("", "", BOM, "# head\n"),
    fc.constantFrom("\n", "\n", "\r\n"),
    fc.constantFrom("", "\n", "\n# tail\n"),
  )
  .map(
    ([docs, head, eol, tail]) =>
      head +
      docs
        .map(([doc, marker], i) =>
          [...(marker === "" && i > 0 ? ["---"] : marker === "" ? [] : [marker]), ...doc("")].join(eol),
        )
        .join(eol) +
      tail,
  );
