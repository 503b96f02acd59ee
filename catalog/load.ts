import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node } from "yaml";
import type { AppInput } from "../components/app-schema";
import { resolveApp, type AppSpec } from "../components/app-spec";
import { formatPath, show, type Problem } from "../components/problems";
import { withoutRejected, zodProblems } from "../components/zod-problems";
import { catalogFileSchema, CATALOG_API_VERSION, type CatalogFile } from "./schema";

/** A problem pinned to the catalog file, line and column where the offending value is written. */
export interface LocatedProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted path of the field within that file, e.g. `apps.web.rotation.maxAge`. */
  readonly path: string;
  readonly message: string;
}

/** Formats a located problem the way compilers do, so editors and CI logs link to it: `file:line:col: path message`. */
export function formatLocated(p: LocatedProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  return `${where}: ${p.path === "" ? "" : `${p.path} `}${p.message}`;
}

/** Raised when a catalog cannot be loaded; lists every problem found, each at its file:line:col. */
export class CatalogError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly LocatedProblem[],
  ) {
    super(
      `catalog ${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  ${formatLocated(p)}`).join("\n"),
    );
    this.name = "CatalogError";
  }
}

/** One environment, loaded, merged and validated: what the stack program and `rotor render` deploy. */
export interface Environment {
  /** Environment name: the file name without extension. */
  readonly name: string;
  /** The environment file, as given. */
  readonly file: string;
  /** Every file read, the environment file last. */
  readonly files: readonly string[];
  readonly description?: string;
  readonly namespace: string;
  readonly createNamespace: boolean;
  /** The apps, sorted by name. */
  readonly apps: readonly CatalogApp[];
}

/** One app of an environment: its merged catalog entry and the spec with every default applied. */
export interface CatalogApp {
  readonly name: string;
  /** The app as the catalog files write it once merged: what `RotatingApp` receives as args. */
  readonly input: AppInput;
  readonly spec: AppSpec;
}

interface Layer {
  readonly file: string;
  readonly display: string;
  readonly doc: Document;
  readonly lines: LineCounter;
  readonly data: CatalogFile;
  /** Paths written in the file but rejected by the schema (already reported), as dotted strings. */
  readonly rejected: ReadonlySet<string>;
}

const MAX_EXTENDS_DEPTH = 10;

/** Loads `<dir>/<name>.yaml`; a missing environment is an error that lists the ones that exist. */
export function loadEnvironmentByName(dir: string, name: string): Environment {
  const file = join(dir, `${name}.yaml`);
  if (!existsSync(file)) {
    const known = existsSync(dir)
      ? readdirSync(dir)
          // Only files that set a namespace can be deployed; shared bases such as base.yaml cannot.
          .filter((f) => /\.ya?ml$/.test(f) && /^namespace:/m.test(readFileSync(join(dir, f), "utf8")))
          .map((f) => basename(f, extname(f)))
          .sort()
      : [];
    throw new CatalogError(display(file), [
      {
        file: display(file),
        line: 0,
        col: 0,
        path: "",
        message: `environment ${show(name)} has no catalog file. ${known.length > 0 ? `Known environments: ${known.join(", ")}. ` : ""}Create ${display(file)} or pick an existing environment.`,
      },
    ]);
  }
  return loadEnvironment(file);
}

/**
 * Loads an environment file and everything it extends, merges them and validates every app. Reports every
 * problem of every file at once, each at the file, line and column where the value is written.
 */
export function loadEnvironment(file: string): Environment {
  const problems: LocatedProblem[] = [];
  const layers: Layer[] = [];
  const seen = new Set<string>();
  let next: string | undefined = resolve(file);
  let from: { layer: Layer; path: (string | number)[] } | undefined;
  // When a file in the chain cannot be read, what it would have contributed is unknown: skip "no apps".
  let chainBroken = false;
  while (next !== undefined) {
    if (seen.has(next) || layers.length >= MAX_EXTENDS_DEPTH) {
      chainBroken = true;
      const at = from ? locate(from.layer, from.path) : { line: 1, col: 1 };
      problems.push({
        file: from?.layer.display ?? display(next),
        ...at,
        path: "extends",
        message: seen.has(next)
          ? `(${show(from?.layer.data.extends)}) makes a cycle: ${[...layers.map((l) => l.display), display(next)].join(" -> ")}. Remove one extends.`
          : `goes deeper than ${MAX_EXTENDS_DEPTH} files. Flatten the chain.`,
      });
      break;
    }
    seen.add(next);
    const layer = readLayer(next, problems, from);
    if (!layer) {
      chainBroken = true;
      break;
    }
    layers.push(layer);
    from = { layer, path: ["extends"] };
    next = layer.data.extends === undefined ? undefined : resolve(dirname(next), layer.data.extends);
  }
  layers.reverse();

  const leaf = layers[layers.length - 1];
  const namespace = lastDefined(layers.map((l) => l.data.namespace));
  if (leaf && namespace === undefined) {
    problems.push({
      file: leaf.display,
      line: 1,
      col: 1,
      path: "namespace",
      message: `is required: set namespace: <name> in ${leaf.display} or in a file it extends, so every app has a namespace.`,
    });
  }

  const apps: CatalogApp[] = [];
  const names = [...new Set(layers.flatMap((l) => Object.keys(l.data.apps ?? {})))].sort();
  const defaults = deepMerge(...layers.map((l) => l.data.defaults ?? {}));
  for (const name of names) {
    const entries = layers.map((l) => (l.data.apps ?? {})[name]);
    const merged = withOwnReplicaChoice(deepMerge(defaults, ...entries.map((e) => e ?? {})), entries);
    if (merged.enabled === false) continue;
    delete merged.enabled;
    const resolved = resolveApp(name, merged, namespace ?? "default");
    for (const problem of resolved.problems) {
      // A required field that was written but rejected is already reported where it is written.
      if (problem.message.startsWith("is required") && wasRejected(layers, name, problem.path)) continue;
      problems.push(locateAppProblem(layers, name, problem));
    }
    if (resolved.spec) apps.push({ name, input: merged as AppInput, spec: resolved.spec });
  }
  if (leaf && names.length === 0 && !chainBroken) {
    problems.push({
      file: leaf.display,
      line: 1,
      col: 1,
      path: "apps",
      message: "is empty: the environment deploys nothing. Add at least one app under apps.",
    });
  }

  const unique = dedupe(problems);
  if (unique.length > 0 || !leaf) throw new CatalogError(display(file), unique);
  return {
    name: basename(file, extname(file)),
    file: display(file),
    files: layers.map((l) => l.display),
    ...(leaf.data.description !== undefined ? { description: leaf.data.description } : {}),
    namespace: namespace ?? "default",
    createNamespace: lastDefined(layers.map((l) => l.data.createNamespace)) ?? true,
    apps,
  };
}

/** Reads and structurally validates one file; returns undefined when nothing usable could be read. */
function readLayer(
  file: string,
  problems: LocatedProblem[],
  from: { layer: Layer; path: (string | number)[] } | undefined,
): Layer | undefined {
  const shown = display(file);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "does not exist"
        : `cannot be read (${String(error)})`;
    const at = from ? locate(from.layer, from.path) : { line: 0, col: 0 };
    problems.push({
      file: from?.layer.display ?? shown,
      ...at,
      path: from ? "extends" : "",
      message: from
        ? `(${show(from.layer.data.extends)}) names ${shown}, which ${reason}. Fix the path: it is relative to the file that extends it.`
        : `${reason}. Check the path.`,
    });
    return undefined;
  }
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, {
    lineCounter: lines,
    uniqueKeys: true,
    merge: true,
    prettyErrors: false,
  });
  const docList = Array.isArray(docs) ? docs : [];
  if (docList.length === 0 || docList.every((d) => d.contents === null)) {
    problems.push({
      file: shown,
      line: 1,
      col: 1,
      path: "",
      message: `is empty. A catalog file starts with apiVersion: ${CATALOG_API_VERSION}, kind: Catalog and lists apps.`,
    });
    return undefined;
  }
  if (docList.length > 1) {
    const second = docList[1];
    const at = lines.linePos(second?.range[0] ?? 0);
    problems.push({
      file: shown,
      line: at.line,
      col: at.col,
      path: "",
      message: "holds more than one YAML document. Keep one catalog per file.",
    });
  }
  const doc = docList[0] as Document;
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = lines.linePos(error.pos[0]);
      problems.push({
        file: shown,
        line: pos.line,
        col: pos.col,
        path: "",
        message: `is not valid YAML: ${error.message.split("\n")[0]}`,
      });
    }
    return undefined;
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const parsed = catalogFileSchema.safeParse(raw);
  const rejected = new Set(
    parsed.success ? [] : parsed.error.issues.map((i) => formatPath(i.path as (string | number)[])),
  );
  const layerFor = (data: CatalogFile): Layer => ({ file, display: shown, doc, lines, data, rejected });
  if (parsed.success) return layerFor(parsed.data);
  for (const problem of zodProblems(catalogFileSchema, raw, parsed.error.issues)) {
    const at = locate({ doc, lines }, problem.path);
    problems.push({ file: shown, ...at, path: formatPath(problem.path), message: problem.message });
  }
  // Keep checking what is valid, so one run reports every problem: drop what was rejected until the rest parses.
  let rest: unknown = raw;
  let issues = parsed.error.issues;
  for (let round = 0; round < 10; round++) {
    rest = withoutRejected(rest, issues);
    const again = catalogFileSchema.safeParse(rest);
    if (again.success) return layerFor(again.data);
    issues = again.error.issues;
  }
  return undefined;
}

function wasRejected(layers: readonly Layer[], app: string, path: readonly (string | number)[]): boolean {
  const targets = [formatPath(["apps", app, ...path]), formatPath(["defaults", ...path])];
  return layers.some((l) =>
    [...l.rejected].some((r) =>
      targets.some((t) => r === t || r.startsWith(`${t}.`) || r.startsWith(`${t}[`)),
    ),
  );
}

/** Finds where an app's problem is written: in the highest-precedence layer that sets that field. */
function locateAppProblem(layers: readonly Layer[], app: string, problem: Problem): LocatedProblem {
  const sources: { layer: Layer; base: (string | number)[] }[] = [
    ...[...layers].reverse().map((layer) => ({ layer, base: ["apps", app] })),
    ...[...layers].reverse().map((layer) => ({ layer, base: ["defaults"] })),
  ];
  for (const { layer, base } of sources) {
    const path = [...base, ...problem.path];
    if (find(layer.doc, path).found) {
      return {
        file: layer.display,
        ...locate(layer, path),
        path: formatPath(path),
        message: problem.message,
      };
    }
  }
  // The field is written nowhere (a required field is missing): point at the app's entry.
  const owner = sources.find((s) => s.base[0] === "apps" && find(s.layer.doc, s.base).found) ?? sources[0];
  const path = [...(owner?.base ?? []), ...problem.path];
  return {
    file: owner?.layer.display ?? "",
    ...(owner ? locate(owner.layer, owner.base) : { line: 0, col: 0 }),
    path: formatPath(path),
    message: problem.message,
  };
}

/** Walks a YAML document along `path`; returns the deepest node and key reached and whether it got to the end. */
function find(
  doc: Document,
  path: readonly (string | number)[],
): { node?: Node; key?: Node; found: boolean } {
  let node = doc.contents;
  let key: Node | undefined;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(part));
      if (!pair) return { node, ...(key ? { key } : {}), found: false };
      key = pair.key as Node;
      node = pair.value as Node | null;
    } else if (isSeq(node) && typeof part === "number" && node.items[part] !== undefined) {
      key = undefined;
      node = node.items[part] as Node;
    } else {
      return { ...(node ? { node } : {}), ...(key ? { key } : {}), found: false };
    }
  }
  return { ...(node ? { node } : {}), ...(key ? { key } : {}), found: true };
}

/** Line and column (1-based) of a path: its value when written, else the key of the deepest part that is. */
function locate(
  layer: { doc: Document; lines: LineCounter },
  path: readonly (string | number)[],
): { line: number; col: number } {
  const hit = find(layer.doc, path);
  // Point at the key when there is one: that is the line a reader looks for, and where a typo is.
  const target = hit.key ?? hit.node;
  const offset = target?.range?.[0] ?? 0;
  return layer.lines.linePos(offset);
}

/** Merges catalog layers: mappings merge key by key, lists and scalars from a later layer replace earlier ones. */
export function deepMerge(...layers: readonly unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const current = out[key];
      out[key] =
        isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : structuredClone(value);
    }
  }
  return out;
}

/**
 * `replicas` and `autoscaling` are alternatives: when an app's own entries choose one, the other is dropped if it
 * came only from defaults (so `defaults: {replicas: 4}` does not clash with one app that autoscales). Both in the
 * app's own entries stay, and validation reports them.
 */
export function withOwnReplicaChoice(
  merged: Record<string, unknown>,
  entries: readonly unknown[],
): Record<string, unknown> {
  const own = (key: string) => entries.some((e) => isPlainObject(e) && e[key] !== undefined);
  if (own("autoscaling") && !own("replicas")) delete merged.replicas;
  if (own("replicas") && !own("autoscaling")) delete merged.autoscaling;
  return merged;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lastDefined<T>(values: readonly (T | undefined)[]): T | undefined {
  return values.filter((v): v is T => v !== undefined).pop();
}

function dedupe(problems: readonly LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = formatLocated(p);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** Paths in messages are relative to the working directory, as editors and CI logs resolve them. */
function display(file: string): string {
  const rel = relative(process.cwd(), resolve(file));
  return rel.startsWith("..") ? resolve(file) : rel;
}
