import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
import { describe, it } from "node:test";
import ts from "typescript";

// The layering docs/architecture.md describes, checked on every source file: the conventions live in contract/,
// which imports nothing else; components, policies and the catalog take them from there, never from the
// recycler's internals; the simulator keeps its own copies (a second opinion) and never imports the contract.

const ROOT = join(__dirname, "..", "..");

/** The recycler's one module the rest may import: the bundle it ships as (a build of recycler/main.ts). */
const RECYCLER_ARTIFACT = "recycler/bundle";

/** Every `.ts` file under `dir` (a path relative to the repository), as repository-relative POSIX paths. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((entry) => {
    const path = posix.join(dir, entry);
    if (statSync(join(ROOT, path)).isDirectory()) return entry === "node_modules" ? [] : sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** What `file` (repository-relative) imports: static, type-only and dynamic imports, re-exports and requires. */
function importsOf(file: string, text: string): { specifier: string; target?: string }[] {
  return ts.preProcessFile(text, true, true).importedFiles.map(({ fileName: specifier }) => {
    if (!specifier.startsWith(".")) return { specifier };
    const target = relative(ROOT, join(ROOT, dirname(file), specifier))
      .split(sep)
      .join("/");
    return { specifier, target: target.replace(/\.ts$/, "").replace(/\/index$/, "") };
  });
}

/** The layering rules `file` breaks, one sentence each. */
function violations(file: string, text: string): string[] {
  const top = file.split("/")[0];
  const out: string[] = [];
  for (const { specifier, target } of importsOf(file, text)) {
    if (top === "contract") {
      if (!target?.startsWith("contract/")) {
        out.push(
          `${file} imports "${specifier}": contract/ imports only its own files, so it bundles into the recycler as it is.`,
        );
      }
    } else if (top === "simulator") {
      if (target === "contract" || target?.startsWith("contract/")) {
        out.push(
          `${file} imports "${specifier}": the simulator keeps its own copies of the conventions, as a second opinion.`,
        );
      }
    } else if (["components", "policies", "catalog"].includes(top)) {
      if ((target === "recycler" || target?.startsWith("recycler/")) && target !== RECYCLER_ARTIFACT) {
        out.push(
          `${file} imports "${specifier}": take shared conventions from contract/, not from the recycler's internals.`,
        );
      }
    }
  }
  return out;
}

describe("layering", () => {
  const files = ["contract", "components", "policies", "catalog", "simulator"].flatMap(sources);

  it("finds the imports of every kind", () => {
    const text = [
      'import { a } from "../recycler/plan";',
      'import type { B } from "../recycler/types";',
      'export { c } from "../recycler/duration";',
      'const d = await import("../recycler/window");',
      'const e = require("../recycler");',
      '// import { f } from "../recycler/run";',
      'import { recyclerBundle } from "../recycler/bundle";',
      'import { g } from "../contract/names";',
    ].join("\n");
    assert.deepEqual(violations("components/x.ts", text), [
      'components/x.ts imports "../recycler/plan": take shared conventions from contract/, not from the recycler\'s internals.',
      'components/x.ts imports "../recycler/types": take shared conventions from contract/, not from the recycler\'s internals.',
      'components/x.ts imports "../recycler/duration": take shared conventions from contract/, not from the recycler\'s internals.',
      'components/x.ts imports "../recycler/window": take shared conventions from contract/, not from the recycler\'s internals.',
      'components/x.ts imports "../recycler": take shared conventions from contract/, not from the recycler\'s internals.',
    ]);
    assert.deepEqual(violations("policies/rules/y.ts", 'import { h } from "../../recycler/index";'), [
      'policies/rules/y.ts imports "../../recycler/index": take shared conventions from contract/, not from the recycler\'s internals.',
    ]);
    assert.deepEqual(violations("contract/z.ts", 'import { z } from "zod";\nimport { i } from "./names";'), [
      'contract/z.ts imports "zod": contract/ imports only its own files, so it bundles into the recycler as it is.',
    ]);
    assert.deepEqual(violations("simulator/s.ts", 'import { j } from "../contract";'), [
      'simulator/s.ts imports "../contract": the simulator keeps its own copies of the conventions, as a second opinion.',
    ]);
  });

  it("reads every source file of the checked folders", () => {
    assert.ok(files.includes("contract/int-or-percent.ts"));
    assert.ok(files.includes("policies/rules/recycler.ts"));
    assert.ok(files.includes("simulator/objects.ts"));
    const bundleUsers = files.filter((f) =>
      importsOf(f, readFileSync(join(ROOT, f), "utf8")).some((i) => i.target === RECYCLER_ARTIFACT),
    );
    assert.ok(bundleUsers.includes("components/pod-recycler.ts"), "the one allowed recycler import is seen");
  });

  it("components, policies and the catalog take conventions from contract/, which imports nothing else", () => {
    const found = files.flatMap((f) => violations(f, readFileSync(join(ROOT, f), "utf8")));
    assert.deepEqual(found, []);
  });
});
