import { KNOWN_TYPES, describe, isKubeObject, list, servedVersionsIfWrong, typeKey } from "./kube";
import type { FieldPath, KubeObject } from "./model";
import {
  readJson,
  readYamlStream,
  withoutByteOrderMark,
  yamlDataProblem,
  type FieldPositions,
  type SourceDocument,
  type SourceProblem,
} from "../source";

/**
 * Turns manifest files (multi-document YAML or JSON) into Kubernetes objects, remembering where each came from
 * so findings can point at `file:line:column`. Reading, positions and problems are the front door's
 * (`source/`); line numbers are only worked out for objects that have findings.
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

/** What loading found besides objects: documents that are not Kubernetes objects, kinds rotor does not know. */
export interface SkipCounts {
  notKubernetes: number;
  readonly unknownKinds: Map<string, number>;
}

interface Origin {
  readonly file: string;
  readonly positions: FieldPositions;
  readonly prefix: FieldPath;
}

/** Objects loaded from a set of files, in input order, and how to find any of their fields in the source. */
export class LoadedSources {
  readonly objects: KubeObject[] = [];
  readonly problems: SourceProblem[] = [];
  readonly skipped: SkipCounts = { notKubernetes: 0, unknownKinds: new Map() };
  documents = 0;
  private readonly origins = new Map<KubeObject, Origin>();

  /** Parses one file and adds its objects; a file that cannot be parsed at all becomes an input problem. */
  add(source: SourceFile): void {
    const objects = this.objects.length;
    try {
      this.parse(source);
    } catch (error) {
      // Pathological input (nesting deep enough to exhaust the stack, say) must not take the other files down.
      this.objects.length = objects;
      const reason = error instanceof Error ? error.message : String(error);
      const message = yamlDataProblem(error) ?? `could not be parsed: ${reason}`;
      this.problems.push({ file: source.name, message });
    }
  }

  private parse(source: SourceFile): void {
    const text = withoutByteOrderMark(source.text);
    const trimmed = text.trimStart();
    const jsonFile = source.name.toLowerCase().endsWith(".json");
    if (jsonFile || trimmed.startsWith("{") || trimmed.startsWith("[")) {
      const json = readJson(source.name, text);
      // A .json file must be JSON; anything else that merely looks like JSON may still be YAML flow style.
      if ("value" in json || jsonFile) {
        this.read(source.name, json);
        return;
      }
    }
    for (const document of readYamlStream(source.name, text)) this.read(source.name, document);
  }

  private read(file: string, document: SourceDocument): void {
    this.documents++;
    if ("problems" in document) {
      this.problems.push(...document.problems);
      return;
    }
    const { value, positions } = document;
    if (isKubeObject(value) && value.kind.endsWith("List") && Array.isArray(value.items)) {
      list(value.items).forEach((item, i) => this.accept(item, { file, positions, prefix: ["items", i] }));
      return;
    }
    if (value === null || value === undefined) return;
    this.accept(value, { file, positions, prefix: [] });
  }

  private accept(value: unknown, origin: Origin): void {
    if (!isKubeObject(value)) {
      this.skipped.notKubernetes++;
      return;
    }
    const served = servedVersionsIfWrong(value);
    if (served) {
      // The API server refuses it, so it is not an unknown kind to skip: say which apiVersion serves it.
      this.problems.push({
        file: origin.file,
        ...origin.positions.locate([...origin.prefix, "apiVersion"]),
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
    this.origins.set(value, origin);
  }

  /** Where a field of a loaded object is written: the deepest part of `path` found in the source. */
  locate(object: KubeObject, path: FieldPath): SourceLocation | undefined {
    const origin = this.origins.get(object);
    if (!origin) return undefined;
    return { file: origin.file, ...origin.positions.locate([...origin.prefix, ...path]) };
  }
}
