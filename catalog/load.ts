import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import type { AppInput } from "../components/app-schema";
import { resolveApp, type AppSpec } from "../components/app-spec";
import { formatPath, show, type Problem } from "../components/problems";
import { suggest, withoutRejected, zodProblems } from "../components/zod-problems";
import { formatSourceProblem, readYamlDocument, type FieldPositions, type SourceProblem } from "../source";
import { DEFAULT_MAX_CATALOG_FILE_BYTES, readCatalogFile, readHead } from "./read-file";
import { catalogFileSchema, CATALOG_API_VERSION, type CatalogFile } from "./schema";

/** Raised when a catalog cannot be loaded; lists every problem found, each at its file:line:col. */
export class CatalogError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly SourceProblem[],
  ) {
    super(
      `catalog ${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  ${formatSourceProblem(p)}`).join("\n"),
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
  readonly positions: FieldPositions;
  readonly data: CatalogFile;
  /** Paths written in the file but rejected by the schema (already reported), and their ancestors, as dotted strings. */
  readonly rejected: ReadonlySet<string>;
}

const MAX_EXTENDS_DEPTH = 10;

/** What a load may be told; the defaults suit every catalog people write by hand. */
export interface LoadOptions {
  /** Files larger than this are refused before they are read. @default 16 MiB */
  readonly maxFileBytes?: number;
}

/** Loads `<dir>/<name>.yaml`; a missing environment is an error that lists the ones that exist. */
export function loadEnvironmentByName(dir: string, name: string, options: LoadOptions = {}): Environment {
  const file = join(dir, `${name}.yaml`);
  const fail = (where: string, message: string): never => {
    throw new CatalogError(displayPath(file), [{ file: where, message }]);
  };
  const dirStat = statSync(dir, { throwIfNoEntry: false });
  if (!dirStat?.isDirectory()) {
    fail(
      displayPath(dir),
      `${dirStat ? "is not a directory" : "does not exist"}, so it holds no catalog for environment ${show(name)}. Point --catalog-dir (or the stack's rotor:catalogDir) at the directory with the catalog files.`,
    );
  }
  if (!existsSync(file)) {
    const known = environmentsIn(dir);
    fail(
      displayPath(file),
      `environment ${show(name)} has no catalog file. ${known.length > 0 ? `Known environments: ${known.join(", ")}. ` : ""}Create ${displayPath(file)} or pick an existing environment.`,
    );
  }
  return loadEnvironment(file, options);
}

/**
 * The environments a catalog directory holds, sorted: its YAML files that set a namespace (shared bases such as
 * base.yaml cannot be deployed alone), by name without extension. None when it is not a readable directory.
 */
export function environmentsIn(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((f) => f.isFile() && /\.ya?ml$/.test(f.name) && setsNamespace(join(dir, f.name)))
    .map((f) => basename(f.name, extname(f.name)))
    .sort();
}

/** Whether a catalog file sets a top-level namespace; only its head is read, so a huge file costs nothing. */
function setsNamespace(file: string): boolean {
  try {
    return /^namespace:/m.test(readHead(file, 64 * 1024).toString("utf8"));
  } catch {
    return false;
  }
}

/**
 * Loads an environment file and everything it extends, merges them and validates every app. Reports every
 * problem of every file at once, each at the file, line and column where the value is written.
 */
export function loadEnvironment(file: string, options: LoadOptions = {}): Environment {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_CATALOG_FILE_BYTES;
  const problems: SourceProblem[] = [];
  const layers: Layer[] = [];
  const seen = new Set<string>();
  let next: string | undefined = resolve(file);
  let from: { layer: Layer; path: (string | number)[] } | undefined;
  // When the chain cannot be followed to its end, what the rest would contribute is unknown: every problem of
  // the merged apps ("ports is required" when the base that has them is missing) could be a consequence.
  let chainBroken = false;
  while (next !== undefined) {
    if (seen.has(next) || layers.length >= MAX_EXTENDS_DEPTH) {
      chainBroken = true;
      const at = from ? from.layer.positions.locate(from.path) : { line: 1, column: 1 };
      problems.push({
        file: from?.layer.display ?? displayPath(next),
        ...at,
        path: "extends",
        message: seen.has(next)
          ? `(${show(from?.layer.data.extends)}) makes a cycle: ${[...layers.map((l) => l.display), displayPath(next)].join(" -> ")}. Remove one extends.`
          : `goes deeper than ${MAX_EXTENDS_DEPTH} files. Flatten the chain.`,
      });
      break;
    }
    seen.add(next);
    const layer = readLayer(next, problems, from, maxFileBytes);
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
  const apps: CatalogApp[] = [];
  const namespace = lastDefined(layers.map((l) => l.data.namespace));
  if (leaf && !chainBroken) {
    if (namespace === undefined) {
      problems.push({
        file: leaf.display,
        line: 1,
        column: 1,
        path: "namespace",
        message: `is required: set namespace: <name> in ${leaf.display} or in a file it extends, so every app has a namespace.`,
      });
    }
    apps.push(...mergeApps(layers, namespace ?? "default", problems));
  }

  const unique = dedupe(problems);
  if (unique.length > 0 || !leaf) throw new CatalogError(displayPath(file), unique);
  return {
    name: basename(file, extname(file)),
    file: displayPath(file),
    files: layers.map((l) => l.display),
    ...(leaf.data.description !== undefined ? { description: leaf.data.description } : {}),
    namespace: namespace ?? "default",
    createNamespace: lastDefined(layers.map((l) => l.data.createNamespace)) ?? true,
    apps,
  };
}

/** Merges every app of the chain (base first), drops the disabled ones and validates the rest. */
function mergeApps(layers: readonly Layer[], namespace: string, problems: SourceProblem[]): CatalogApp[] {
  const apps: CatalogApp[] = [];
  const names = [...new Set(layers.flatMap((l) => Object.keys(l.data.apps ?? {})))].sort();
  const defaults = deepMerge(...layers.map((l) => l.data.defaults ?? {}));
  // An app is declared by an entry that says more than `enabled`; only those can be disabled meaningfully.
  const declared = names.filter((name) =>
    layers.some((l) => Object.keys(l.data.apps?.[name] ?? {}).some((key) => key !== "enabled")),
  );
  const isDeclared = new Set(declared);
  for (const name of names) {
    const entries = layers.map((l) => l.data.apps?.[name]);
    const merged = withOwnReplicaChoice(deepMerge(defaults, ...entries.map((e) => e ?? {})), entries);
    if (merged.enabled === false) {
      if (!isDeclared.has(name)) problems.push(disablesNothing(layers, name, declared));
      continue;
    }
    delete merged.enabled;
    const resolved = resolveApp(name, merged, namespace);
    for (const problem of resolved.problems) {
      // A required field that was written but rejected is already reported where it is written.
      if (problem.message.startsWith("is required") && wasRejected(layers, name, problem.path)) continue;
      problems.push(locateAppProblem(layers, name, problem));
    }
    if (resolved.spec) apps.push({ name, input: merged as AppInput, spec: resolved.spec });
  }
  const leaf = layers[layers.length - 1];
  if (leaf && names.length === 0) {
    problems.push({
      file: leaf.display,
      line: 1,
      column: 1,
      path: "apps",
      message: "is empty: the environment deploys nothing. Add at least one app under apps.",
    });
  }
  return apps;
}

/** `enabled: false` for an app that no file declares disables nothing: a misspelt or stale name. */
function disablesNothing(layers: readonly Layer[], name: string, declared: readonly string[]): SourceProblem {
  const layer = [...layers].reverse().find((l) => l.data.apps?.[name]?.enabled === false) ?? layers[0];
  const guess = suggest(name, declared);
  return {
    file: layer.display,
    ...layer.positions.locate(["apps", name]),
    path: formatPath(["apps", name]),
    message: `sets enabled: false, but no file of this environment (${layers.map((l) => l.display).join(", ")}) declares an app ${show(name)}, so it disables nothing: almost certainly a typo. ${guess ? `Did you mean ${show(guess)}?` : "Fix the name, or remove the entry."}`,
  };
}

/** Reads and structurally validates one file; returns undefined when nothing usable could be read. */
function readLayer(
  file: string,
  problems: SourceProblem[],
  from: { layer: Layer; path: (string | number)[] } | undefined,
  maxFileBytes: number,
): Layer | undefined {
  const shown = displayPath(file);
  const read = readCatalogFile(file, maxFileBytes);
  if ("unreadable" in read) {
    problems.push({
      file: from?.layer.display ?? shown,
      ...(from ? { ...from.layer.positions.locate(from.path), path: "extends" } : {}),
      message: from
        ? `(${show(from.layer.data.extends)}) names ${shown}, which ${read.unreadable}. Fix the path: it is relative to the file that extends it.`
        : `${read.unreadable}. Check the path.`,
    });
    return undefined;
  }
  if ("refused" in read) {
    problems.push({ file: shown, message: read.refused });
    return undefined;
  }
  const parsed = readYamlDocument(shown, read.text, "catalog", { merge: true });
  if ("problems" in parsed) {
    problems.push(...parsed.problems);
    return undefined;
  }
  if (parsed.value === null) {
    problems.push({
      file: shown,
      line: 1,
      column: 1,
      message: `is empty. A catalog file starts with apiVersion: ${CATALOG_API_VERSION}, kind: Catalog and lists apps.`,
    });
    return undefined;
  }
  const { value: raw, positions } = parsed;
  const result = catalogFileSchema.safeParse(raw);
  const rejected = new Set<string>();
  const layerFor = (data: CatalogFile): Layer => ({ file, display: shown, positions, data, rejected });
  if (result.success) return layerFor(result.data);
  // Each rejected path and its ancestors, so "was this field rejected?" is one lookup per app.
  for (const issue of result.error.issues) {
    const path = issue.path as (string | number)[];
    for (let n = path.length; n >= 0; n--) rejected.add(formatPath(path.slice(0, n)));
  }
  for (const problem of zodProblems(catalogFileSchema, raw, result.error.issues)) {
    problems.push({
      file: shown,
      ...positions.locate(problem.path),
      path: formatPath(problem.path),
      message: problem.message,
    });
  }
  // Keep checking what is valid, so one run reports every problem: drop what was rejected until the rest parses.
  let rest: unknown = raw;
  let issues = result.error.issues;
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
  return layers.some((l) => targets.some((t) => l.rejected.has(t)));
}

/**
 * Finds where an app's problem is written: in the highest-precedence layer that sets that field, in the app's
 * entries first, then in the defaults. A problem of the value alone (`maxAge: 4m`) stays where the default is
 * written, once for every app that inherits it; a problem of the value together with the app's other settings
 * (a schedule too slow for its replicas) belongs to the app, so it is reported at the app's entry and says
 * where the inherited value is written.
 */
function locateAppProblem(layers: readonly Layer[], app: string, problem: Problem): SourceProblem {
  const newestFirst = [...layers].reverse();
  const at = (layer: Layer, path: (string | number)[], message = problem.message): SourceProblem => ({
    file: layer.display,
    ...layer.positions.locate(path),
    path: formatPath(path),
    message,
  });
  const own = newestFirst.find((l) => l.positions.has(["apps", app, ...problem.path]));
  if (own) return at(own, ["apps", app, ...problem.path]);
  const entry = newestFirst.find((l) => l.positions.has(["apps", app]));
  const inherited = newestFirst.find((l) => l.positions.has(["defaults", ...problem.path]));
  if (inherited && !(problem.combination && entry)) return at(inherited, ["defaults", ...problem.path]);
  // The field is written nowhere (a required field is missing), or inherited by a combination problem.
  const owner = entry ?? newestFirst[0];
  const located = at(owner, ["apps", app]);
  const from = inherited && at(inherited, ["defaults", ...problem.path]);
  return {
    ...located,
    path: formatPath(["apps", app, ...problem.path]),
    message: from
      ? `${problem.message} Inherited from ${from.path} at ${from.file}:${from.line}:${from.column}.`
      : problem.message,
  };
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

function dedupe(problems: readonly SourceProblem[]): SourceProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((p) => {
      const key = formatSourceProblem(p);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort(
      (a, b) =>
        a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
    );
}

/**
 * Paths in messages are relative to the working directory, as editors and CI logs resolve them (absolute when
 * outside it; "." for the working directory itself). The stack config's messages show paths the same way.
 */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  return rel === "" ? "." : rel.startsWith("..") ? resolve(path) : rel;
}
