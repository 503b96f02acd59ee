import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { buildRecyclerBundle, recyclerBundle, recyclerBundleInputs } from "../../recycler/bundle";

describe("recyclerBundle", () => {
  it("is one minified dependency-free CommonJS file under 64 KB, cached per process", () => {
    const b = recyclerBundle();
    assert.ok(b.bytes < 64 * 1024, `${b.bytes} bytes`);
    assert.equal(b.bytes, Buffer.byteLength(b.code));
    assert.equal(b.sha256, createHash("sha256").update(b.code).digest("hex"));
    assert.equal(recyclerBundle().code, b.code);
    assert.doesNotMatch(
      b.code,
      /require\("(?!node:|fs|path|os|crypto|http|https|child_process|util)[^"]+"\)/,
      "only Node built-ins are required",
    );
    assert.ok(b.code.split("\n").length < 20, "minified (newlines only inside template strings)");
  });

  it("bundles only the recycler's own sources and the contract: no yaml, no node_modules", () => {
    const inputs = recyclerBundleInputs();
    assert.ok(inputs.length > 5);
    for (const input of inputs) assert.match(input, /^(recycler\/(effects\/)?|contract\/)[a-z-]+\.ts$/);
    assert.ok(inputs.includes("recycler/effects/evict.ts"), "the effects are bundled too");
    assert.ok(!inputs.includes("recycler/index.ts"), "the public index (with the YAML loader) stays out");
    assert.ok(
      inputs.includes("contract/names.ts"),
      "the field manager and Event source come from the contract",
    );
  });

  it("is deterministic: building again gives the same bytes", () => {
    const again = buildRecyclerBundle();
    assert.equal(again.code, recyclerBundle().code);
    assert.equal(again.sha256, recyclerBundle().sha256);
  });

  it("is the same from an installed package, which has the sources but no tsconfig.json: strict mode either way", () => {
    // The package ships recycler/ and contract/ (the bundle is built from them at run time), not tsconfig.json.
    const dir = mkdtempSync(join(tmpdir(), "rotor-bundle-package-"));
    try {
      const root = join(__dirname, "..", "..");
      for (const folder of ["recycler", "contract"]) {
        cpSync(join(root, folder), join(dir, folder), { recursive: true });
      }
      const installed = buildRecyclerBundle(join(dir, "recycler", "main.ts"));
      assert.equal(installed.sha256, recyclerBundle().sha256);
      assert.ok(installed.code.startsWith('"use strict";'), installed.code.slice(0, 40));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs as a separate node process: --help, and invalid settings exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-bundle-"));
    try {
      const file = join(dir, "recycler.js");
      writeFileSync(file, recyclerBundle().code);
      const help = spawnSync(process.execPath, [file, "--help"], { encoding: "utf8", env: {} });
      assert.equal(help.status, 0);
      assert.match(help.stdout, /^Usage: recycler --deployment <name> --max-age <duration>/);
      const bad = spawnSync(process.execPath, [file, "--deployment", "web"], { encoding: "utf8", env: {} });
      assert.equal(bad.status, 2);
      const lines = bad.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { msg: string });
      assert.deepEqual(
        lines.map((l) => l.msg),
        [
          '--namespace ("") is required. Pass the Deployment\'s namespace, like --namespace shop.',
          '--max-age ("") is required. Pass the oldest a pod may get, like --max-age 24h.',
          "invalid settings: 2 problem(s); nothing was changed",
        ],
      );
      const outside = spawnSync(
        process.execPath,
        [file, "--namespace", "shop", "--deployment", "web", "--max-age", "1d"],
        { encoding: "utf8", env: {} },
      );
      assert.equal(outside.status, 2);
      assert.match(outside.stdout, /not running in a pod/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the Clock contract", () => {
  it("no recycler or contract module but clock.ts reads the wall clock or sets timers directly", () => {
    const root = join(__dirname, "..", "..");
    const files = ["recycler", "contract"].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && f !== "clock.ts")
        .map((f) => join(dir, f)),
    );
    assert.ok(files.includes(join("contract", "window.ts")));
    assert.ok(files.includes(join("recycler", "effects", "evict.ts")), "the effects are checked too");
    for (const file of files) {
      const text = readFileSync(join(root, file), "utf8");
      for (const banned of [
        /Date\.now\(/,
        /\bsetTimeout\(/,
        /\bsetInterval\(/,
        /new Date\(\)/,
        /performance\.now\(/,
      ]) {
        assert.doesNotMatch(text, banned, `${file} uses ${String(banned)}`);
      }
    }
  });
});
