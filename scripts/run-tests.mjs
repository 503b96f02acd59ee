#!/usr/bin/env node
// Runs every test/**/*.test.ts with Node's built-in test runner and tsx. Node 20's `--test` takes no globs,
// so the files are listed here; each file still runs in its own process (Pulumi mocks are per-process state).
// Usage: npm test [-- <path fragment>...]   e.g. `npm test -- catalog` runs only files whose path contains "catalog".
// With --deep it runs the long searches instead (test/**/*.deep.ts: `npm run test:deep`), kept out of `npm test`
// so that it stays fast; CI runs both.
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

const root = new URL("..", import.meta.url).pathname;
const deep = process.argv.includes("--deep");
const filters = process.argv.slice(2).filter((a) => a !== "--deep");
const suffix = deep ? ".deep.ts" : ".test.ts";

function walk(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) return walk(full);
    return full.endsWith(suffix) ? [full] : [];
  });
}

const files = walk(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(", ")}`);
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", "--test", `--test-concurrency=${Math.max(2, availableParallelism())}`, ...files],
  { cwd: root, stdio: "inherit" },
);
process.exit(result.status ?? 1);
