import type { Alias, Document, Node, YAMLError } from "yaml";
import { formatPath } from "../components/problems";
import { yaml } from "./lazy-yaml";
import type { Position } from "./problem";

/**
 * What the `yaml` library reports, as problems people can act on: syntax errors at what to fix, duplicate keys
 * by their path, and its refusals to build data (alias bombs, nesting that exhausts the stack) at the alias.
 */

/** The `yaml` library's limit on alias expansion: a few anchors are normal, an exponential expansion is an attack. */
export const MAX_ALIASES = 100;

/** A problem inside one document, before the file is known. */
export interface TextProblem extends Position {
  readonly path?: string;
  readonly message: string;
}

type At = (offset: number) => Position;

/**
 * Why the `yaml` library refused to turn a parsed document into data, as the rest of a sentence that starts with
 * the file's name; undefined when `error` is not one of those refusals.
 */
export function yamlDataProblem(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (/Excessive alias count/.test(error.message)) {
    return "expands its YAML aliases into too much data (an alias bomb), so it was not read. Write the values out, or use fewer nested aliases.";
  }
  if (/Unresolved alias/.test(error.message)) {
    return "uses a YAML alias (*name) before its anchor (&name) is defined. Define the anchor first.";
  }
  if (error instanceof RangeError && /call stack/.test(error.message)) {
    return "nests too deeply to read (it exhausted the stack). Flatten the nesting.";
  }
  return undefined;
}

/**
 * A document's data, or the located problem that stopped it: an alias bomb or an alias before its anchor is
 * reported at the alias that crossed the line, nesting too deep at the document's start.
 */
export function documentData(doc: Document, at: At): { value: unknown } | { problem: TextProblem } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIASES }) };
  } catch (error) {
    const message = yamlDataProblem(error);
    if (message === undefined) throw error;
    const alias = error instanceof ReferenceError ? refusedAlias(doc) : undefined;
    const offset = alias?.range?.[0] ?? doc.contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    return { problem: { ...at(offset), message } };
  }
}

/**
 * The alias whose expansion `yaml` refused. Its error names none, so the document is built once more (this is
 * the error path only) with every alias wrapped to catch it: the innermost one that throws is the one.
 */
function refusedAlias(doc: Document): Alias | undefined {
  const aliases: Alias[] = [];
  yaml().visit(doc, { Alias: (_key, node) => void aliases.push(node) });
  let refused: Alias | undefined;
  for (const alias of aliases) {
    const own = Object.getPrototypeOf(alias) as Alias;
    Object.defineProperty(alias, "toJSON", {
      configurable: true,
      value(this: Alias, ...args: Parameters<Alias["toJSON"]>) {
        try {
          return own.toJSON.apply(this, args);
        } catch (error) {
          refused ??= alias;
          throw error;
        }
      },
    });
  }
  try {
    doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch {
    // Expected: it is the same refusal again.
  } finally {
    for (const alias of aliases) delete (alias as { toJSON?: unknown }).toJSON;
  }
  return refused;
}

/**
 * A syntax error where the reader can fix it. The `yaml` library reports an unclosed bracket or quote where it
 * gave up looking, often the end of the file; the bracket or quote that was never closed is what to fix.
 */
export function syntaxProblem(doc: Document, error: YAMLError, at: At): TextProblem {
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
    return { ...at(unclosed.offset), message: `is not valid YAML: ${what}` };
  }
  return { ...at(offset), message: `is not valid YAML: ${yamlMessage(error.message)}` };
}

/** A `yaml` error's first line without the position it may append (reports put the position in front). */
function yamlMessage(message: string): string {
  return (message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
}

/** The innermost flow collection or quoted scalar that starts before `offset` and runs on to it unclosed. */
function opener(
  doc: Document,
  offset: number,
): { kind: "seq" | "map" | '"' | "'"; offset: number } | undefined {
  const y = yaml();
  let found: { kind: "seq" | "map" | '"' | "'"; offset: number } | undefined;
  y.visit(doc, (_key, node) => {
    const range = (node as Node).range;
    if (!range || range[0] >= offset || range[1] < offset) return;
    if ((y.isSeq(node) || y.isMap(node)) && node.flow)
      found = { kind: y.isSeq(node) ? "seq" : "map", offset: range[0] };
    else if (y.isScalar(node) && (node.type === "QUOTE_DOUBLE" || node.type === "QUOTE_SINGLE"))
      found = { kind: node.type === "QUOTE_DOUBLE" ? '"' : "'", offset: range[0] };
  });
  return found;
}

/**
 * Every key written twice in one mapping, named by its path, with one set per mapping: linear, where the
 * `yaml` library's own check (`uniqueKeys`) compares every key with every earlier one (100,000 apps: minutes).
 */
export function duplicateKeys(doc: Document, at: At): TextProblem[] {
  const y = yaml();
  const problems: TextProblem[] = [];
  const walk = (node: unknown, path: (string | number)[]) => {
    if (y.isMap(node)) {
      const first = new Map<string, number>();
      for (const pair of node.items) {
        if (!y.isScalar(pair.key)) continue;
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
    } else if (y.isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i]));
    }
  };
  walk(doc.contents, []);
  return problems;
}
