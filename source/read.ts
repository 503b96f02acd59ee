import type { Document, DocumentOptions, LineCounter, ParseOptions, SchemaOptions } from "yaml";
import { withoutByteOrderMark } from "./decode";
import { parseDocumentFast, splitDocuments } from "./fast-yaml";
import { yaml } from "./lazy-yaml";
import { FastPositions, JsonPositions, YamlPositions, type FieldPositions } from "./positions";
import type { SourceProblem } from "./problem";
import {
  documentData,
  duplicateKeys,
  syntaxProblem,
  yamlDataProblem,
  type TextProblem,
} from "./yaml-problems";

/**
 * The front door for YAML and JSON text: every document's data and where its fields are written, or the
 * problems that stopped it, each at its file, line and column. Linear in the size of the text, whatever its shape:
 * - Documents in the YAML subset `./fast-yaml.ts` reads (most manifests and catalogs) are read line by line,
 *   several times faster than a full parser; positions are only worked out when a problem needs one.
 * - Every other document goes through the `yaml` library, loaded on first use, which also words the errors.
 *   Its duplicate-key check is off, because it compares every key of a mapping with every earlier one;
 *   duplicates are found here instead, with one set per mapping, and named by their path.
 * A byte-order mark at the start of the text is not content, and columns count from the character after it.
 */

/** One document of a stream: its data and where its fields are written, or why it could not be read. */
export type SourceDocument =
  | {
      readonly value: unknown;
      readonly positions: FieldPositions;
      /** 1-based line where the document starts (its `---` line, if it has one). */
      readonly line: number;
    }
  | { readonly problems: readonly SourceProblem[]; readonly line: number };

/** How YAML is read: what the catalog and `rotor check` differ in. */
export interface YamlReadOptions {
  /** Whether `<<` merge keys merge (YAML 1.1, as the catalog reads them) or are plain keys (YAML 1.2). @default false */
  readonly merge?: boolean;
}

/** Reads every document of a YAML stream. */
export function readYamlStream(file: string, text: string, options: YamlReadOptions = {}): SourceDocument[] {
  const source = withoutByteOrderMark(text);
  const slices = splitDocuments(source);
  if (!slices) return readWithYaml(file, source, options);
  return slices.map((slice) => {
    const fast = parseDocumentFast(source, slice);
    if (fast)
      return { value: fast.value, positions: new FastPositions(source, slice), line: slice.sourceLine };
    const lines = new (yaml().LineCounter)();
    const part = source.slice(slice.sourceStart, slice.end);
    const doc = guarded(file, slice.sourceLine, () =>
      yaml().parseDocument(part, yamlOptions(lines, options)),
    );
    if ("problems" in doc) return doc;
    return readDocument(file, doc, lines, slice.sourceLine - 1, slice.sourceLine);
  });
}

/** Whether a stream or a document is empty: no documents, or only empty ones. */
export function isEmpty(documents: readonly SourceDocument[]): boolean {
  return documents.every((d) => "value" in d && d.value === null);
}

/**
 * Reads a file that holds one YAML document (a catalog file, a rule configuration): a second document is a
 * problem at its start (`what` names the file's kind: "catalog"). An empty file is the value `null`.
 */
export function readYamlDocument(
  file: string,
  text: string,
  what: string,
  options: YamlReadOptions = {},
): { readonly value: unknown; readonly positions: FieldPositions } | { readonly problems: SourceProblem[] } {
  const documents = readYamlStream(file, text, options);
  if (isEmpty(documents)) return { value: null, positions: NOTHING_WRITTEN };
  const [first, second] = documents;
  const problems: SourceProblem[] = [];
  if (second) {
    problems.push({
      file,
      line: second.line,
      column: 1,
      message: `holds more than one YAML document. Keep one ${what} per file.`,
    });
  }
  if (first && "problems" in first) problems.push(...first.problems);
  if (problems.length > 0 || !first || !("value" in first)) return { problems };
  return first;
}

/** The positions of an empty file: everything is at its start. */
const NOTHING_WRITTEN: FieldPositions = { has: () => false, locate: () => ({ line: 1, column: 1 }) };

/**
 * Reads a JSON text (a `.json` file must be JSON). Positions are only worked out, by reading it as YAML, when a
 * problem needs one.
 */
export function readJson(file: string, text: string): SourceDocument {
  const source = withoutByteOrderMark(text);
  try {
    return { value: JSON.parse(source) as unknown, positions: new JsonPositions(source), line: 1 };
  } catch (error) {
    return { problems: [jsonProblem(file, source, error)], line: 1 };
  }
}

/** Where and why a text is not JSON: V8 names the offset for most errors; otherwise ask `yaml`. */
function jsonProblem(file: string, text: string, error: unknown): SourceProblem {
  const message = `is not valid JSON: ${error instanceof Error ? error.message.split("\n")[0].replace(/, (\.\.\.)?"[^]*$/, "") : String(error)}`;
  const lines = new (yaml().LineCounter)();
  const at = /at position (\d+)/.exec(message);
  let offset = at ? Number(at[1]) : undefined;
  if (offset === undefined) {
    offset = yaml().parseDocument(text, { lineCounter: lines }).errors[0]?.pos[0];
  } else {
    lines.addNewLine(0);
    for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1))
      lines.addNewLine(i + 1);
  }
  if (offset === undefined) return { file, message };
  const pos = lines.linePos(offset);
  return { file, line: pos.line, column: pos.col, message };
}

function yamlOptions(
  lines: LineCounter,
  options: YamlReadOptions,
): ParseOptions & DocumentOptions & SchemaOptions {
  return { lineCounter: lines, uniqueKeys: false, merge: options.merge ?? false, prettyErrors: false };
}

/** A stream `splitDocuments` leaves to `yaml` (directives, `...` end markers): parsed whole. */
function readWithYaml(file: string, text: string, options: YamlReadOptions): SourceDocument[] {
  const lines = new (yaml().LineCounter)();
  const docs = guarded(file, 1, () => yaml().parseAllDocuments(text, yamlOptions(lines, options)));
  if ("problems" in docs) return [docs];
  return (Array.isArray(docs) ? docs : []).map((doc) =>
    readDocument(file, doc, lines, 0, lines.linePos(doc.range[0]).line),
  );
}

/** A parsed document's data, or its problems: the first syntax error, every duplicate key, or a refusal. */
function readDocument(
  file: string,
  doc: Document,
  lines: LineCounter,
  lineOffset: number,
  line: number,
): SourceDocument {
  const at = (offset: number) => {
    const pos = lines.linePos(offset);
    return { line: pos.line + lineOffset, column: pos.col };
  };
  const located = (problems: readonly TextProblem[]) => ({
    problems: problems.map((p): SourceProblem => ({ file, ...p })),
    line,
  });
  const error = doc.errors[0];
  // Only the first error of a document: the ones after it are mostly consequences of it.
  if (error) return located([syntaxProblem(doc, error, at)]);
  const duplicates = duplicateKeys(doc, at);
  if (duplicates.length > 0) return located(duplicates);
  const data = guarded(file, line, () => documentData(doc, at));
  if ("problems" in data) return data;
  if ("problem" in data) return located([data.problem]);
  return { value: data.value, positions: new YamlPositions(doc, lines, lineOffset), line };
}

/** Runs a step of `yaml`; a refusal it throws (nesting that exhausts the stack) becomes a problem at `line`. */
function guarded<T>(
  file: string,
  line: number,
  step: () => T,
): T | { problems: SourceProblem[]; line: number } {
  try {
    return step();
  } catch (error) {
    const message = yamlDataProblem(error);
    if (message === undefined) throw error;
    return { problems: [{ file, line, column: 1, message }], line };
  }
}
