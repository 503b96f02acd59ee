/**
 * The repository's module graph as TypeScript sees it, and the import cycles in it. Imports are read with the
 * compiler's own pre-processor (`ts.preProcessFile`), which finds every module reference in a file, including
 * `import type`, `export ... from`, `import("./x").T` in type positions, `require()` and dynamic `import()`; the
 * compiler's module resolution (with the project's tsconfig options) turns each into a file. Type-only imports
 * are edges too: a type cycle still ties the files together for a reader, and is one `import` away from a real one.
 */
import { readFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import * as ts from "typescript";

/** A directed graph of files: each file and the files it imports, in the order the imports appear. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** The project as `npm run typecheck` sees it: the files `<root>/tsconfig.json` includes, and its options. */
export function project(root: string): { files: string[]; options: ts.CompilerOptions } {
  const path = join(root, "tsconfig.json");
  const parsed = ts.getParsedCommandLineOfConfigFile(path, undefined, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    },
  });
  if (!parsed) throw new Error(`${path} could not be read`);
  const files = parsed.fileNames.filter((f) => !f.endsWith(".d.ts")).map((f) => resolve(f));
  return { files: files.sort(), options: parsed.options };
}

/**
 * The imports among `files`, keyed and valued by path relative to `root` with `/` separators. An import that
 * resolves outside `files` (a package, a Node built-in) is not an edge.
 */
export function importGraph(
  root: string,
  files: readonly string[],
  options: ts.CompilerOptions,
): ImportGraph {
  const known = new Set(files);
  const name = (file: string) => relative(root, file).split(sep).join("/");
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets: string[] = [];
    for (const { fileName } of info.importedFiles) {
      const resolved = ts.resolveModuleName(fileName, file, options, ts.sys).resolvedModule?.resolvedFileName;
      if (resolved === undefined || !known.has(resolved)) continue;
      const target = name(resolved);
      if (!targets.includes(target)) targets.push(target);
    }
    graph.set(name(file), targets);
  }
  return graph;
}

/** A group of files that import each other, and one cycle through them. */
export interface ImportCycle {
  /** Every file of the group, sorted. */
  readonly files: readonly string[];
  /** The shortest path from the group's first file back to itself, like `["a.ts", "b.ts", "a.ts"]`. */
  readonly path: readonly string[];
}

/**
 * The import cycles of a graph: one per strongly connected component with more than one file, or a file that
 * imports itself, in sort order of their first file.
 */
export function importCycles(graph: ImportGraph): ImportCycle[] {
  const cycles: ImportCycle[] = [];
  for (const group of stronglyConnected(graph)) {
    const files = [...group].sort();
    const start = files[0];
    if (files.length === 1 && !(graph.get(start) ?? []).includes(start)) continue;
    cycles.push({ files, path: shortestCycle(graph, group, start) });
  }
  return cycles.sort((a, b) => (a.files[0] < b.files[0] ? -1 : 1));
}

/** A cycle for a failure message: `a.ts -> b.ts -> a.ts (a group of 3 files: a.ts, b.ts, c.ts)`. */
export function showCycle(cycle: ImportCycle): string {
  const group =
    cycle.files.length > cycle.path.length - 1
      ? ` (in a group of ${cycle.files.length} files that import each other: ${cycle.files.join(", ")})`
      : "";
  return `${cycle.path.join(" -> ")}${group}`;
}

/** Tarjan's algorithm, iterative so a long import chain cannot overflow the stack. */
function stronglyConnected(graph: ImportGraph): Set<string>[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const groups: Set<string>[] = [];
  let next = 0;
  for (const root of [...graph.keys()].sort()) {
    if (index.has(root)) continue;
    const work: { node: string; edge: number }[] = [{ node: root, edge: 0 }];
    index.set(root, next);
    low.set(root, next++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edges = graph.get(frame.node) ?? [];
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++];
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const group = new Set<string>();
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          group.add(member);
        } while (member !== frame.node);
        groups.push(group);
      }
    }
  }
  return groups;
}

/** Breadth-first from `start` inside `group` until an edge leads back to `start`. */
function shortestCycle(graph: ImportGraph, group: ReadonlySet<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    for (const to of graph.get(node) ?? []) {
      if (to === start) {
        const path: string[] = [];
        for (let at = node; at !== start; at = previous.get(at)!) path.unshift(at);
        return [start, ...path, start];
      }
      if (group.has(to) && !previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  throw new Error(`${start} is in a cycle but no path leads back to it`);
}
