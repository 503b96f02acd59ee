import type { Document, LineCounter, Node, Pair, YAMLMap } from "yaml";
import { parseDocumentFast, pathKey, type DocumentSlice, type Positions } from "./fast-yaml";
import { yaml } from "./lazy-yaml";
import type { Position } from "./problem";

/** A field of a document: mapping keys and sequence indexes from its root, e.g. `["spec", "ports", 0]`. */
export type FieldPath = readonly (string | number)[];

/** Where the fields of one parsed document are written. Nothing is worked out until a position is asked for. */
export interface FieldPositions {
  /** Whether the document writes `path` (a key or a list item), even with an empty value. */
  has(path: FieldPath): boolean;
  /** Where `path`'s key or item is written, or its deepest ancestor the document writes, or the document's start. */
  locate(path: FieldPath): Position;
}

/** Positions of a document the fast reader read: it reads the document once more, recording them, when first asked. */
export class FastPositions implements FieldPositions {
  private recorded?: Positions;

  constructor(
    private readonly text: string,
    private readonly slice: DocumentSlice,
  ) {}

  private all(): Positions {
    if (!this.recorded) {
      this.recorded = new Map();
      parseDocumentFast(this.text, this.slice, this.recorded);
    }
    return this.recorded;
  }

  has(path: FieldPath): boolean {
    return this.all().has(pathKey(path));
  }

  locate(path: FieldPath): Position {
    const all = this.all();
    for (let n = path.length; n >= 0; n--) {
      const hit = all.get(pathKey(path.slice(0, n)));
      if (hit) return { line: hit[0], column: hit[1] };
    }
    return { line: this.slice.line, column: 1 };
  }
}

/**
 * Positions of a document the `yaml` library parsed. `lineOffset` is the number of lines before the text it
 * was given (a document parsed on its own, out of a stream). Mappings are indexed by key on first use, so
 * locating many problems among 100,000 apps does not scan them all each time.
 */
export class YamlPositions implements FieldPositions {
  private readonly indexes = new WeakMap<YAMLMap, Map<string, Pair>>();

  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly lineOffset = 0,
  ) {}

  has(path: FieldPath): boolean {
    return this.find(path).found;
  }

  locate(path: FieldPath): Position {
    const { line, col } = this.lines.linePos(this.find(path).offset);
    return { line: line + this.lineOffset, column: col };
  }

  /** Offset of the deepest node along `path` (a mapping key or a sequence item), and whether all of it is written. */
  private find(path: FieldPath): { offset: number; found: boolean } {
    const y = yaml();
    let node: unknown = this.doc.contents;
    let offset = (node as Node | null)?.range?.[0] ?? this.doc.range?.[0] ?? 0;
    for (const part of path) {
      if (y.isMap(node)) {
        const pair = this.pairOf(node, String(part));
        if (!pair) return { offset, found: false };
        offset = (pair.key as Node | null)?.range?.[0] ?? offset;
        node = pair.value;
      } else if (y.isSeq(node) && typeof part === "number" && node.items[part] !== undefined) {
        node = node.items[part];
        offset = (node as Node).range?.[0] ?? offset;
      } else {
        return { offset, found: false };
      }
    }
    return { offset, found: true };
  }

  private pairOf(map: YAMLMap, key: string): Pair | undefined {
    let index = this.indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) {
        const k = pair.key;
        if (yaml().isScalar(k) && !index.has(String(k.value))) index.set(String(k.value), pair);
      }
      this.indexes.set(map, index);
    }
    return index.get(key);
  }
}

/** Positions of a JSON text, found by reading it with `yaml` (JSON is YAML) when first asked. */
export class JsonPositions implements FieldPositions {
  private parsed?: YamlPositions;

  constructor(private readonly text: string) {}

  private get positions(): YamlPositions {
    if (!this.parsed) {
      const lines = new (yaml().LineCounter)();
      this.parsed = new YamlPositions(
        yaml().parseDocument(this.text, { lineCounter: lines, uniqueKeys: false }),
        lines,
      );
    }
    return this.parsed;
  }

  has(path: FieldPath): boolean {
    return this.positions.has(path);
  }

  locate(path: FieldPath): Position {
    return this.positions.locate(path);
  }
}
