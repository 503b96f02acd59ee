import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  visit,
  type Document,
  type Node,
  type Pair,
  type YAMLMap,
  type YAMLError,
} from "yaml";
import { formatPath } from "../components/problems";
import { parseDocumentFast, pathKey, splitDocuments, type Positions } from "../source/fast-yaml";
import { yamlDataProblem } from "../cli/user-error";

/**
 * Parses the text of one catalog file into a plain value and a way to find where any field of it is written.
 * Linear in the size of the file, whatever its shape:
 * - Most catalogs are in the YAML subset `source/fast-yaml.ts` reads line by line (several times faster than
 *   a full parser, and positions are only worked out when a problem needs one).
 * - Everything else goes through the `yaml` library with `uniqueKeys` off, because its duplicate-key check
 *   compares every key of a mapping with every earlier one (100,000 apps: minutes); duplicates are found here
 *   instead, with one set per mapping, and named in the message.
 */

/** Where the fields of a parsed file are written. */
export interface FieldPositions {
  /** Whether the file writes `path` (a key or a list item), even with an empty value. */
  has(path: readonly (string | number)[]): boolean;
  /** Line and column (1-based) of `path`'s key or item, or of its deepest ancestor the file writes. */
  locate(path: readonly (string | number)[]): { line: number; col: number };
}

/** A problem of the file's text, before any schema: where it is and what to do. */
export interface TextProblem {
  readonly line: number;
  readonly col: number;
  readonly path: string;
  readonly message: string;
}

export type ParsedFile =
  | { readonly value: unknown; readonly positions: FieldPositions }
  | { readonly problems: readonly TextProblem[] };

/** The `yaml` library's limit on alias expansion: a few anchors are normal, an exponential expansion is an attack. */
export const MAX_ALIASES = 100;

export function parseCatalogText(text: string, emptyHint: string): ParsedFile {
  const slices = splitDocuments(text);
  if (slices?.length === 1) {
    const slice = slices[0];
    const fast = parseDocumentFast(text, slice);
    if (fast && fast.value !== null) return { value: fast.value, positions: fastPositions(text, slice) };
  }
  return parseWithYaml(text, emptyHint);
}

function fastPositions(text: string, slice: NonNullable<ReturnType<typeof splitDocuments>>[number]) {
  let positions: Positions | undefined;
  const all = (): Positions => {
    if (!positions) {
      positions = new Map();
      parseDocumentFast(text, slice, positions);
    }
    return positions;
  };
  return {
    has: (path: readonly (string | number)[]) => all().has(pathKey(path)),
    locate(path: readonly (string | number)[]) {
      for (let n = path.length; n >= 0; n--) {
        const hit = all().get(pathKey(path.slice(0, n)));
        if (hit) return { line: hit[0], col: hit[1] };
      }
      return { line: slice.line, col: 1 };
    },
  };
}

function parseWithYaml(text: string, emptyHint: string): ParsedFile {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    uniqueKeys: false,
    merge: true,
    prettyErrors: false,
  });
  const docList = Array.isArray(docs) ? docs : [];
  const at = (offset: number) => lines.linePos(offset);
  if (docList.length === 0 || docList.every((d) => d.contents === null)) {
    return { problems: [{ line: 1, col: 1, path: "", message: `is empty. ${emptyHint}` }] };
  }
  const problems: TextProblem[] = [];
  if (docList.length > 1) {
    problems.push({
      ...at(docList[1]?.range[0] ?? 0),
      path: "",
      message: "holds more than one YAML document. Keep one catalog per file.",
    });
  }
  const doc = docList[0] as Document;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) problems.push(syntaxProblem(doc, error, at));
    return { problems };
  }
  problems.push(...duplicateKeys(doc, at));
  if (problems.length > 0) return { problems };
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    // Alias bombs and the like are worded by the CLI's one error path (cli/user-error.ts).
    const message = yamlDataProblem(error);
    if (message === undefined) throw error;
    return { problems: [{ line: 1, col: 1, path: "", message }] };
  }
  return { value, positions: yamlPositions(doc, lines) };
}

/**
 * A syntax error where the reader can fix it. The `yaml` library reports an unclosed bracket or quote where it
 * gave up looking, often the end of the file; the bracket or quote that was never closed is what to fix.
 */
function syntaxProblem(
  doc: Document,
  error: YAMLError,
  at: (offset: number) => { line: number; col: number },
): TextProblem {
  const offset = error.pos[0];
  const unclosed =
    error.code === "BAD_INDENT" || error.code === "MISSING_CHAR" ? opener(doc, offset) : undefined;
  if (unclosed) {
    const what =
      unclosed.kind === "seq"
        ? 'the "[" that starts a list here is never closed. Add the missing "]".'
        : unclosed.kind === "map"
          ? 'the "{" that starts a mapping here is never closed. Add the missing "}".'
          : `the quote (${unclosed.kind}) that starts a quoted value here is never closed. Add the closing quote.`;
    return { ...at(unclosed.offset), path: "", message: `is not valid YAML: ${what}` };
  }
  return { ...at(offset), path: "", message: `is not valid YAML: ${error.message.split("\n")[0]}` };
}

/** The innermost flow collection or quoted scalar that starts before `offset` and runs on to it unclosed. */
function opener(
  doc: Document,
  offset: number,
): { kind: "seq" | "map" | '"' | "'"; offset: number } | undefined {
  let found: { kind: "seq" | "map" | '"' | "'"; offset: number } | undefined;
  visit(doc, (_key, node) => {
    const range = (node as Node).range;
    if (!range || range[0] >= offset || range[1] < offset) return;
    if ((isSeq(node) || isMap(node)) && node.flow)
      found = { kind: isSeq(node) ? "seq" : "map", offset: range[0] };
    else if (isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE"))
      found = { kind: node.type === "QUOTE_DOUBLE" ? '"' : "'", offset: range[0] };
  });
  return found;
}

/** Every key written twice in one mapping, named by its path, with one set per mapping (linear). */
function duplicateKeys(doc: Document, at: (offset: number) => { line: number; col: number }): TextProblem[] {
  const problems: TextProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      const first = new Map<string, number>();
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const offset = pair.key.range?.[0] ?? 0;
        const earlier = first.get(key);
        if (earlier === undefined) first.set(key, offset);
        else {
          problems.push({
            ...at(offset),
            path: formatPath([...path, key]),
            message: `is written twice (first at line ${at(earlier).line}): YAML keys must be unique, and the second would replace the first. Keep one of them.`,
          });
        }
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return problems;
}

function yamlPositions(doc: Document, lines: LineCounter): FieldPositions {
  // Mappings indexed by key on first use, so locating a problem among 100,000 apps does not scan them all.
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string): Pair | undefined => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) if (isScalar(pair.key)) index.set(String(pair.key.value), pair);
      indexes.set(map, index);
    }
    return index.get(key);
  };
  const find = (path: readonly (string | number)[]) => {
    let node: unknown = doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? 0;
    for (const part of path) {
      if (isMap(node)) {
        const pair = pairOf(node, String(part));
        if (!pair) return { offset, found: false };
        offset = (pair.key as Node).range?.[0] ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof part === "number" && node.items[part] !== undefined) {
        node = node.items[part];
        offset = (node as Node).range?.[0] ?? offset;
      } else {
        return { offset, found: false };
      }
    }
    return { offset, found: true };
  };
  return {
    has: (path) => find(path).found,
    locate: (path) => lines.linePos(find(path).offset),
  };
}
