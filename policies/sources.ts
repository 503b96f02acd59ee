import type { Document, LineCounter, Node, parseAllDocuments } from "yaml";
import { yaml } from "../source/lazy-yaml";
import { parseDocumentFast, pathKey, splitDocuments, type DocumentSlice, type Positions } from "../source/fast-yaml";
import { KNOWN_TYPES, describe, isKubeObject, list, servedVersionsIfWrong, typeKey } from "./kube";
import { yamlDataProblem } from "../cli/user-error";
import type { FieldPath, KubeObject } from "./model";

/**
 * Turns manifest files (multi-document YAML or JSON) into Kubernetes objects, remembering where each came from
 * so findings can point at `file:line:column`. Documents go through the fast parser when they can and through
 * the `yaml` library otherwise; line numbers are only worked out for objects that have findings.
 */

/** A file's name as reports show it, and its text. */
export interface SourceFile {
  readonly name: string;
  readonly text: string;
}

/** A position in a source file, 1-based. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** A file that could not be read or parsed, with where and why. */
export interface InputProblem {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** What loading found besides objects: documents that are not Kubernetes objects, kinds rotor does not know. */
export interface SkipCounts {
  notKubernetes: number;
  readonly unknownKinds: Map<string, number>;
}

type ParsedDocument =
  | { readonly kind: "fast"; readonly slice: DocumentSlice; positions?: Positions }
  | {
      readonly kind: "yaml";
      readonly doc: Document;
      readonly counter: LineCounter;
      readonly lineOffset: number;
    };

interface FileState {
  readonly source: SourceFile;
  readonly documents: ParsedDocument[];
  json?: boolean;
}

interface Origin {
  readonly file: FileState;
  readonly document: number;
  readonly prefix: FieldPath;
}

/** Objects loaded from a set of files, in input order, and how to find any of their fields in the source. */
export class LoadedSources {
  readonly objects: KubeObject[] = [];
  readonly problems: InputProblem[] = [];
  readonly skipped: SkipCounts = { notKubernetes: 0, unknownKinds: new Map() };
  documents = 0;
  private readonly origins = new Map<KubeObject, Origin>();
  private readonly files: FileState[] = [];

  /** Parses one file and adds its objects; a file that cannot be parsed at all becomes an input problem. */
  add(source: SourceFile): void {
    const objects = this.objects.length;
    try {
      this.parse(source);
    } catch (error) {
      // Pathological input (nesting deep enough to exhaust the stack, say) must not take the other files down.
      this.objects.length = objects;
      const reason = error instanceof Error ? error.message : String(error);
      // Alias bombs and the like are worded by the CLI's one error path (cli/user-error.ts).
      const message = yamlDataProblem(error) ?? `could not be parsed: ${reason}`;
      this.problems.push({ file: source.name, message });
    }
  }

  private parse(source: SourceFile): void {
    const file: FileState = { source, documents: [] };
    this.files.push(file);
    const text = source.text;
    const trimmed = text.trimStart();
    const jsonFile = source.name.toLowerCase().endsWith(".json");
    if (jsonFile || trimmed.startsWith("{") || trimmed.startsWith("[")) {
      try {
        const value: unknown = JSON.parse(text);
        file.json = true;
        this.documents++;
        this.collect(value, file, 0);
        return;
      } catch (error) {
        // A .json file must be JSON; anything else that merely looks like JSON may still be YAML flow style.
        if (jsonFile) {
          this.problems.push(jsonProblem(source, error));
          return;
        }
      }
    }
    const slices = splitDocuments(text);
    if (!slices) {
      const counter = new (yaml().LineCounter)();
      this.addWithYaml(file, yaml().parseAllDocuments(text, { lineCounter: counter }), counter);
      return;
    }
    for (const slice of slices) {
      this.documents++;
      const fast = parseDocumentFast(text, slice);
      if (fast) {
        file.documents.push({ kind: "fast", slice });
        this.collect(fast.value, file, file.documents.length - 1);
        continue;
      }
      const counter = new (yaml().LineCounter)();
      const doc = yaml().parseDocument(text.slice(slice.sourceStart, slice.end), { lineCounter: counter });
      if (this.reportErrors(file, doc, counter, slice.sourceLine - 1)) continue;
      file.documents.push({ kind: "yaml", doc, counter, lineOffset: slice.sourceLine - 1 });
      this.collect(doc.toJS(), file, file.documents.length - 1);
    }
  }

  private addWithYaml(
    file: FileState,
    docs: ReturnType<typeof parseAllDocuments>,
    counter: LineCounter,
  ): void {
    const all = Array.isArray(docs) ? docs : [docs];
    for (const doc of all) {
      this.documents++;
      if (this.reportErrors(file, doc, counter, 0)) continue;
      file.documents.push({ kind: "yaml", doc, counter, lineOffset: 0 });
      this.collect(doc.toJS(), file, file.documents.length - 1);
    }
  }

  private reportErrors(file: FileState, doc: Document, counter: LineCounter, lineOffset: number): boolean {
    const error = doc.errors[0];
    if (!error) return false;
    // Only the first error of a document: the ones after it are mostly consequences of it.
    const pos = counter.linePos(error.pos[0]);
    this.problems.push({
      file: file.source.name,
      line: pos.line + lineOffset,
      column: pos.col,
      message: yamlMessage(error.message),
    });
    return true;
  }

  private collect(value: unknown, file: FileState, document: number): void {
    if (isKubeObject(value) && value.kind.endsWith("List") && Array.isArray(value.items)) {
      list(value.items).forEach((item, i) => this.accept(item, file, document, ["items", i]));
      return;
    }
    if (value === null || value === undefined) return;
    this.accept(value, file, document, []);
  }

  private accept(value: unknown, file: FileState, document: number, prefix: FieldPath): void {
    if (!isKubeObject(value)) {
      this.skipped.notKubernetes++;
      return;
    }
    const served = servedVersionsIfWrong(value);
    if (served) {
      // The API server refuses it, so it is not an unknown kind to skip: say which apiVersion serves it.
      this.origins.set(value, { file, document, prefix });
      const at = this.locate(value, ["apiVersion"]);
      this.origins.delete(value);
      this.problems.push({
        file: file.source.name,
        ...(at ? { line: at.line, column: at.column } : {}),
        message: `${describe(value)}: apiVersion ${JSON.stringify(value.apiVersion)} does not serve kind ${value.kind} in Kubernetes 1.31 or newer, so the API server refuses the object and rotor does not check it. Use apiVersion: ${served.join(" or ")}.`,
      });
      return;
    }
    const type = typeKey(value);
    if (!KNOWN_TYPES.has(type)) {
      const label = `${value.kind} (${value.apiVersion})`;
      this.skipped.unknownKinds.set(label, (this.skipped.unknownKinds.get(label) ?? 0) + 1);
      return;
    }
    this.objects.push(value);
    this.origins.set(value, { file, document, prefix });
  }

  /** Where a field of a loaded object is written: the deepest part of `path` found in the source. */
  locate(object: KubeObject, path: FieldPath): SourceLocation | undefined {
    const origin = this.origins.get(object);
    if (!origin) return undefined;
    const name = origin.file.source.name;
    const full = [...origin.prefix, ...path];
    if (origin.file.json) {
      if (origin.file.documents.length === 0) {
        const counter = new (yaml().LineCounter)();
        const doc = yaml().parseDocument(origin.file.source.text, { lineCounter: counter });
        origin.file.documents.push({ kind: "yaml", doc, counter, lineOffset: 0 });
      }
    }
    const parsed = origin.file.documents[origin.file.json ? 0 : origin.document];
    if (!parsed) return undefined;
    if (parsed.kind === "fast") {
      if (!parsed.positions) {
        parsed.positions = new Map();
        parseDocumentFast(origin.file.source.text, parsed.slice, parsed.positions);
      }
      for (let n = full.length; n >= 0; n--) {
        const hit = parsed.positions.get(pathKey(full.slice(0, n)));
        if (hit) return { file: name, line: hit[0], column: hit[1] };
      }
      return { file: name, line: parsed.slice.line, column: 1 };
    }
    const offset = yamlOffset(parsed.doc, full);
    if (offset === undefined) return { file: name, line: parsed.lineOffset + 1, column: 1 };
    const pos = parsed.counter.linePos(offset);
    return { file: name, line: pos.line + parsed.lineOffset, column: pos.col };
  }
}

/** A YAML error's first line without the position `yaml` appends (reports put it in front). */
export function yamlMessage(message: string): string {
  return message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
}

/** Where and why a .json file is not JSON: V8 names the offset for most errors; otherwise ask `yaml`. */
function jsonProblem(source: SourceFile, error: unknown): InputProblem {
  const message = `is not valid JSON: ${error instanceof Error ? error.message.split("\n")[0].replace(/, (\.\.\.)?"[^]*$/, "") : String(error)}`;
  const counter = new (yaml().LineCounter)();
  const at = /at position (\d+)/.exec(message);
  let offset = at ? Number(at[1]) : undefined;
  if (offset === undefined) {
    const doc = yaml().parseDocument(source.text, { lineCounter: counter });
    offset = doc.errors[0]?.pos[0];
  } else {
    counter.addNewLine(0);
    for (let i = source.text.indexOf("\n"); i >= 0 && i < offset; i = source.text.indexOf("\n", i + 1))
      counter.addNewLine(i + 1);
  }
  if (offset === undefined) return { file: source.name, message };
  const pos = counter.linePos(offset);
  return { file: source.name, line: pos.line, column: pos.col, message };
}

/** The source offset of the deepest node along `path`: a mapping key or a sequence item. */
function yamlOffset(doc: Document, path: FieldPath): number | undefined {
  let node: unknown = doc.contents;
  let offset = (node as Node | null)?.range?.[0];
  for (const key of path) {
    if (yaml().isMap(node)) {
      const pair = node.items.find((p) => (yaml().isScalar(p.key) ? p.key.value : p.key) === key);
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (yaml().isSeq(node) && typeof key === "number") {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

/**
 * Decodes file bytes as UTF-8 text, or explains why they are not a manifest: NUL bytes (a binary file),
 * invalid UTF-8, or UTF-16.
 */
export function decodeText(bytes: Uint8Array): { text: string } | { error: string } {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return { error: "is UTF-16 encoded; save it as UTF-8." };
  }
  const head = bytes.subarray(0, 8000);
  if (head.includes(0)) return { error: "is a binary file (it contains NUL bytes), not YAML or JSON." };
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return { text: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text };
  } catch {
    return { error: "is not valid UTF-8 text, so it cannot be YAML or JSON." };
  }
}

/** Reads a field of a parsed config or manifest document for error positions. */
export function locateInText(name: string, text: string, path: FieldPath): SourceLocation {
  const counter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: counter });
  const offset = yamlOffset(doc, path) ?? 0;
  const pos = counter.linePos(offset);
  return { file: name, line: pos.line, column: pos.col };
}
