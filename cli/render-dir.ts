import {
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";
import type { RenderedEnvironment } from "../catalog/render";

/**
 * The directory `rotor render` writes. A marker file lists what the last render wrote, so the next one can remove
 * the files of apps that left the catalog. The marker is input like any other: render removes only regular files,
 * directly inside the directory, whose names are names render writes; it never follows a symbolic link.
 */

/** Lists the files a render wrote. */
export const MARKER = ".rotor-render";

/**
 * Names render writes, now or in earlier layouts (`namespaces.yaml`, `<app>.yaml`, `kustomization.yaml`), so an
 * upgrade cleans up: a lowercase YAML file name without a path, or the kustomization.
 */
const RENDERED_NAME = /^(?:[a-z0-9][a-z0-9.-]*\.yaml|Kustomization)$/;

export interface WriteResult {
  /** Why nothing was written, when render refused the directory. */
  readonly refusal?: string;
  /** Marker entries render did not act on, one line each: the entry, the rule, what render did. */
  readonly warnings: readonly string[];
}

/** What an earlier render's marker allows removing, and the entries it refuses with why. */
export interface MarkerEntries {
  readonly removable: readonly string[];
  readonly warnings: readonly string[];
}

type EntryKind = "absent" | "file" | "symlink" | "directory" | "other";

function entryKind(path: string): EntryKind {
  try {
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) return "symlink";
    if (stat.isFile()) return "file";
    if (stat.isDirectory()) return "directory";
    return "other";
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
}

const KIND_WORDS: Record<Exclude<EntryKind, "absent" | "file">, string> = {
  symlink: "a symbolic link",
  directory: "a directory",
  other: "not a regular file",
};

/** Sorts a marker's entries into those render may remove and those it must leave alone (with a warning each). */
export function markerEntries(dir: string, marker: string): MarkerEntries {
  const removable: string[] = [];
  const warnings: string[] = [];
  const listed = [...new Set(marker.split("\n").map((line) => line.trim()))].filter(Boolean);
  for (const entry of listed) {
    if (!RENDERED_NAME.test(entry)) {
      warnings.push(
        `${join(dir, MARKER)} lists ${JSON.stringify(entry)}, which is not a file name rotor render writes: it removes only its own *.yaml files and Kustomization directly inside ${dir} (no "/", "..", absolute paths or other names). Left it alone.`,
      );
      continue;
    }
    const kind = entryKind(join(dir, entry));
    if (kind === "absent") continue;
    if (kind === "file") removable.push(entry);
    else
      warnings.push(
        `${join(dir, MARKER)} lists ${JSON.stringify(entry)}, which is ${KIND_WORDS[kind]}: rotor render removes only regular files it wrote and never follows links. Left it alone.`,
      );
  }
  return { removable, warnings };
}

/** Writes a file without following a symbolic link at its path (O_NOFOLLOW fails with ELOOP instead). */
function writeNoFollow(path: string, content: string): void {
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes rendered files into `dir`, replacing what an earlier render wrote there (so an app removed from the
 * catalog disappears from Git too). Refuses, and writes nothing, when the directory is not empty and has no marker,
 * when the marker is not a regular file, or when a file to write exists as something other than a regular file.
 */
export function writeRendered(dir: string, rendered: RenderedEnvironment): WriteResult {
  const markerPath = join(dir, MARKER);
  const dirKind = entryKind(dir);
  let previous: MarkerEntries = { removable: [], warnings: [] };
  if (dirKind !== "absent") {
    // The user named this path, so a link to a directory is followed; anything that is not a directory is refused.
    if (dirKind !== "directory" && !(dirKind === "symlink" && isDirectory(dir))) {
      return { refusal: `${dir} exists and is not a directory. Choose a directory for --out.`, warnings: [] };
    }
    const markerKind = entryKind(markerPath);
    if (markerKind === "absent" && readdirSync(dir).length > 0) {
      return {
        refusal: `${dir} is not empty and was not written by rotor render (no ${MARKER} file). Choose an empty or new directory, or remove it.`,
        warnings: [],
      };
    }
    if (markerKind !== "absent" && markerKind !== "file") {
      return {
        refusal: `${markerPath} is ${KIND_WORDS[markerKind]}, not the file rotor render writes; render neither reads nor follows it. Remove it, or choose another directory.`,
        warnings: [],
      };
    }
    if (markerKind === "file") previous = markerEntries(dir, readFileSync(markerPath, "utf8"));
  }
  for (const file of rendered.files) {
    const kind = entryKind(join(dir, file.path));
    if (kind === "absent" || kind === "file") continue;
    return {
      refusal: `${join(dir, file.path)} is ${KIND_WORDS[kind]}; rotor render writes regular files only and never writes through links. Remove it and render again.`,
      warnings: previous.warnings,
    };
  }
  const writing = new Set(rendered.files.map((f) => f.path));
  for (const file of previous.removable) if (!writing.has(file)) rmSync(join(dir, file));
  mkdirSync(dir, { recursive: true });
  for (const file of rendered.files) writeNoFollow(join(dir, file.path), file.content);
  writeNoFollow(markerPath, rendered.files.map((f) => f.path).join("\n") + "\n");
  return { warnings: previous.warnings };
}

/** What `rotor render --check` found: the files a render would change, and a unified diff of them. */
export interface RenderDiff {
  /** File names (relative to the directory) a render would write, change or remove, in apply order. */
  readonly changed: readonly string[];
  readonly diff: string;
}

/** Longest line the diff shows in full; the minified recycler script is one line of about 56 KB. */
const SHOWN_LINE_MAX = 200;

function shorten(line: string): string {
  if (line.length <= SHOWN_LINE_MAX) return line;
  return `${line.slice(0, SHOWN_LINE_MAX)}... (${line.length - SHOWN_LINE_MAX} more characters)`;
}

/** A file's content as a diff reads it: missing is empty; anything but a regular file is said in words. */
function currentContent(path: string): { text: string; exists: boolean } {
  const kind = entryKind(path);
  if (kind === "absent") return { text: "", exists: false };
  if (kind === "file") return { text: readFileSync(path, "utf8"), exists: true };
  return { text: `(${KIND_WORDS[kind]}: rotor render would refuse to write here)\n`, exists: true };
}

/**
 * Compares a committed render with a fresh one without writing anything: every file the render writes (the marker
 * too) must have the same bytes, and no file the old marker lists that the render no longer writes may remain.
 */
export function diffRendered(dir: string, rendered: RenderedEnvironment): RenderDiff {
  const wanted = new Map(rendered.files.map((f) => [f.path, f.content]));
  wanted.set(MARKER, rendered.files.map((f) => f.path).join("\n") + "\n");
  const markerPath = join(dir, MARKER);
  const stale =
    entryKind(markerPath) === "file"
      ? markerEntries(dir, readFileSync(markerPath, "utf8")).removable.filter((f) => !wanted.has(f))
      : [];
  const changed: string[] = [];
  const patches: string[] = [];
  const compare = (name: string, next: string | undefined) => {
    const current = currentContent(join(dir, name));
    if (next !== undefined && current.exists && current.text === next) return;
    changed.push(name);
    const patch = createTwoFilesPatch(
      current.exists ? `a/${name}` : "/dev/null",
      next === undefined ? "/dev/null" : `b/${name}`,
      current.text,
      next ?? "",
      undefined,
      undefined,
      { context: 3, headerOptions: FILE_HEADERS_ONLY },
    );
    patches.push(patch.split("\n").map(shorten).join("\n"));
  };
  for (const [name, content] of wanted) compare(name, content);
  for (const name of stale) compare(name, undefined);
  return { changed, diff: patches.join("") };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
