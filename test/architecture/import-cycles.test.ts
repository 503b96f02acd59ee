import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { importCycles, importGraph, project, showCycle, type ImportGraph } from "./import-graph";

const root = join(__dirname, "..", "..");

describe("import cycles", () => {
  test("no file of the project imports itself through other files (type-only imports included)", () => {
    const { files, options } = project(root);
    const graph = importGraph(root, files, options);
    // The walk covers every part of the repository, so a cycle cannot hide in a folder it skipped.
    const parts = new Set([...graph.keys()].map((file) => file.split("/")[0]));
    for (const part of [
      "index.ts",
      "components",
      "policies",
      "catalog",
      "recycler",
      "cli",
      "plan",
      "simulator",
      "bench",
      "e2e",
      "test",
    ])
      assert.ok(parts.has(part), `${part} is not in the import graph`);
    // A type-only import is an edge: model.ts uses KubeIndex only as a type.
    assert.ok(graph.get("policies/model.ts")?.includes("policies/kube-index.ts"));
    const cycles = importCycles(graph);
    assert.deepEqual(
      cycles.map(showCycle),
      [],
      `import cycles:\n${cycles.map((c) => `  ${showCycle(c)}`).join("\n")}\nMove what both sides need into a module of its own.`,
    );
  });
});

describe("the cycle detector", () => {
  test("finds every group of files that import each other, with the shortest cycle from its first file", () => {
    const graph: ImportGraph = new Map([
      ["a.ts", ["b.ts"]],
      ["b.ts", ["c.ts", "d.ts"]],
      ["c.ts", ["a.ts"]],
      ["d.ts", ["e.ts"]],
      ["e.ts", []],
      ["f.ts", ["f.ts"]],
      ["g.ts", ["h.ts", "i.ts"]],
      ["h.ts", ["j.ts"]],
      ["i.ts", ["g.ts"]],
      ["j.ts", ["g.ts"]],
    ]);
    assert.deepEqual(importCycles(graph), [
      { files: ["a.ts", "b.ts", "c.ts"], path: ["a.ts", "b.ts", "c.ts", "a.ts"] },
      { files: ["f.ts"], path: ["f.ts", "f.ts"] },
      { files: ["g.ts", "h.ts", "i.ts", "j.ts"], path: ["g.ts", "i.ts", "g.ts"] },
    ]);
    assert.deepEqual(importCycles(graph).map(showCycle), [
      "a.ts -> b.ts -> c.ts -> a.ts",
      "f.ts -> f.ts",
      "g.ts -> i.ts -> g.ts (in a group of 4 files that import each other: g.ts, h.ts, i.ts, j.ts)",
    ]);
  });

  test("finds nothing in a graph without cycles, however the files are shared", () => {
    const graph: ImportGraph = new Map([
      ["a.ts", ["b.ts", "c.ts"]],
      ["b.ts", ["d.ts"]],
      ["c.ts", ["d.ts"]],
      ["d.ts", []],
    ]);
    assert.deepEqual(importCycles(graph), []);
  });

  test("follows a chain longer than the call stack allows for recursion", () => {
    const n = 20_000;
    const graph = new Map<string, string[]>();
    for (let i = 0; i < n; i++) graph.set(`m${i}.ts`, [`m${(i + 1) % n}.ts`]);
    const [cycle, ...rest] = importCycles(graph);
    assert.equal(rest.length, 0);
    assert.equal(cycle.files.length, n);
    assert.equal(cycle.path.length, n + 1);
  });
});

describe("the import graph", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotor-imports-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), text);
  };

  test("has an edge for every kind of module reference, and none for packages, comments or strings", () => {
    write(
      "a.ts",
      [
        'import { b } from "./b";',
        'import type { C } from "./c";',
        'export { d } from "./d";',
        'export type * from "./e";',
        'import "./f";',
        'const g = require("./g");',
        'const h = import("./h");',
        'type I = import("./i").I;',
        'import { j } from "./lib";',
        'import { readFileSync } from "node:fs";',
        'import * as ts from "typescript";',
        '// import { k } from "./k";',
        "const text = \"import { l } from './l'\";",
        "export const all = [b, g, h, j, readFileSync, ts, text];",
        "export type All = C | I;",
      ].join("\n"),
    );
    for (const name of ["b", "c", "d", "e", "f", "g", "h", "i", "k", "l"])
      write(`${name}.ts`, `export const ${name} = 1; export type ${name.toUpperCase()} = 1;`);
    write("lib/index.ts", "export const j = 1;");
    const files = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "k", "l", "lib/index"].map((f) =>
      join(dir, `${f}.ts`),
    );
    const graph = importGraph(dir, files, project(root).options);
    assert.deepEqual(graph.get("a.ts"), [
      "b.ts",
      "c.ts",
      "d.ts",
      "e.ts",
      "f.ts",
      "g.ts",
      "h.ts",
      "i.ts",
      "lib/index.ts",
    ]);
    assert.deepEqual(graph.get("k.ts"), []);
  });

  test("reports a cycle made only of type imports, naming its files", () => {
    write("model.ts", 'import type { Index } from "./index-of";\nexport interface Model { index: Index }');
    write("index-of.ts", 'import type { Model } from "./model";\nexport interface Index { model: Model }');
    const graph = importGraph(dir, [join(dir, "model.ts"), join(dir, "index-of.ts")], project(root).options);
    assert.deepEqual(importCycles(graph).map(showCycle), ["index-of.ts -> model.ts -> index-of.ts"]);
  });
});
