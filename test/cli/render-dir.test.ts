import assert from "node:assert/strict";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { RenderedEnvironment } from "../../catalog/render";
import { runRender } from "../../cli/render";
import { markerEntries, writeRendered } from "../../cli/render-dir";
import { captureIo } from "../helpers/capture-io";

/** A render of two files, independent of the catalog, so these tests are about the directory alone. */
function rendered(...paths: string[]): RenderedEnvironment {
  return { files: paths.map((path) => ({ path, content: `# ${path}\n`, objects: [] })), objects: [] };
}

/** A fresh directory with `out/` (holding `files`) and a file outside it that nothing may touch. */
function workspace(files: Record<string, string> = {}) {
  const root = mkdtempSync(join(tmpdir(), "rotor-render-dir-"));
  const out = join(root, "out");
  mkdirSync(out);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(out, name), content);
  const victim = join(root, "victim.txt");
  writeFileSync(victim, "precious\n");
  return { root, out, victim };
}

describe("render directory", () => {
  it("replaces what an earlier render wrote and removes files it no longer produces", () => {
    const { out } = workspace();
    assert.deepEqual(writeRendered(out, rendered("a.yaml", "b.yaml", "Kustomization")), { warnings: [] });
    assert.deepEqual(writeRendered(out, rendered("a.yaml", "Kustomization")), { warnings: [] });
    assert.deepEqual(readdirSync(out).sort(), [".rotor-render", "Kustomization", "a.yaml"]);
    assert.equal(readFileSync(join(out, ".rotor-render"), "utf8"), "a.yaml\nKustomization\n");
  });

  it("removes the files of the earlier layout (namespaces.yaml, <app>.yaml, kustomization.yaml)", () => {
    const { out } = workspace({
      ".rotor-render": "namespaces.yaml\nweb.yaml\nkustomization.yaml\n",
      "namespaces.yaml": "",
      "web.yaml": "",
      "kustomization.yaml": "",
    });
    assert.deepEqual(writeRendered(out, rendered("00-namespaces.yaml", "app-web.yaml")), { warnings: [] });
    assert.deepEqual(readdirSync(out).sort(), [".rotor-render", "00-namespaces.yaml", "app-web.yaml"]);
  });

  it("refuses a non-empty directory it did not write, and changes nothing there", () => {
    const { out } = workspace({ "mine.yaml": "kind: Keep\n" });
    assert.deepEqual(writeRendered(out, rendered("a.yaml")), {
      refusal: `${out} is not empty and was not written by rotor render (no .rotor-render file). Choose an empty or new directory, or remove it.`,
      warnings: [],
    });
    assert.deepEqual(readdirSync(out), ["mine.yaml"]);
  });

  it("never removes what a hostile marker lists outside the directory, and says so per entry", () => {
    const { root, out, victim } = workspace({ "keep.txt": "mine\n" });
    mkdirSync(join(out, "sub"));
    writeFileSync(join(out, "sub", "x.yaml"), "");
    writeFileSync(
      join(out, ".rotor-render"),
      `../victim.txt\n${victim}\nsub/x.yaml\n..\nkeep.txt\n.rotor-render\n`,
    );
    const result = writeRendered(out, rendered("a.yaml"));
    const rule = `which is not a file name rotor render writes: it removes only its own *.yaml files and Kustomization directly inside ${out} (no "/", "..", absolute paths or other names). Left it alone.`;
    assert.deepEqual(result, {
      warnings: ["../victim.txt", victim, "sub/x.yaml", "..", "keep.txt", ".rotor-render"].map(
        (entry) => `${out}/.rotor-render lists ${JSON.stringify(entry)}, ${rule}`,
      ),
    });
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
    assert.ok(existsSync(join(out, "sub", "x.yaml")));
    assert.equal(readFileSync(join(out, "keep.txt"), "utf8"), "mine\n");
    assert.deepEqual(readdirSync(root).sort(), ["out", "victim.txt"]);
  });

  it("leaves a listed symbolic link and a listed directory alone, and never follows the link", () => {
    const { out, victim } = workspace({ ".rotor-render": "link.yaml\ndir.yaml\n" });
    symlinkSync(victim, join(out, "link.yaml"));
    mkdirSync(join(out, "dir.yaml"));
    const result = writeRendered(out, rendered("a.yaml"));
    assert.deepEqual(result.warnings, [
      `${out}/.rotor-render lists "link.yaml", which is a symbolic link: rotor render removes only regular files it wrote and never follows links. Left it alone.`,
      `${out}/.rotor-render lists "dir.yaml", which is a directory: rotor render removes only regular files it wrote and never follows links. Left it alone.`,
    ]);
    assert.equal(readlinkSync(join(out, "link.yaml")), victim);
    assert.ok(lstatSync(join(out, "dir.yaml")).isDirectory());
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
  });

  it("refuses to write through a symbolic link in the directory, and writes nothing", () => {
    const { out, victim } = workspace({ ".rotor-render": "a.yaml\n", "a.yaml": "old\n" });
    symlinkSync(victim, join(out, "b.yaml"));
    assert.deepEqual(writeRendered(out, rendered("a.yaml", "b.yaml")), {
      refusal: `${out}/b.yaml is a symbolic link; rotor render writes regular files only and never writes through links. Remove it and render again.`,
      warnings: [],
    });
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
    assert.equal(readFileSync(join(out, "a.yaml"), "utf8"), "old\n");
  });

  it("refuses a marker that is a symbolic link, and neither reads nor overwrites its target", () => {
    const { out, victim } = workspace();
    writeFileSync(victim, "../victim.txt\n");
    symlinkSync(victim, join(out, ".rotor-render"));
    assert.deepEqual(writeRendered(out, rendered("a.yaml")), {
      refusal: `${out}/.rotor-render is a symbolic link, not the file rotor render writes; render neither reads nor follows it. Remove it, or choose another directory.`,
      warnings: [],
    });
    assert.equal(readFileSync(victim, "utf8"), "../victim.txt\n");
    assert.deepEqual(readdirSync(out), [".rotor-render"]);
  });

  it("refuses an --out that is a file", () => {
    const { victim } = workspace();
    assert.deepEqual(writeRendered(victim, rendered("a.yaml")), {
      refusal: `${victim} exists and is not a directory. Choose a directory for --out.`,
      warnings: [],
    });
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
  });

  it("accepts an empty marker and a marker with blank lines", () => {
    assert.deepEqual(markerEntries("out", "\n\n"), { removable: [], warnings: [] });
  });

  it("rotor render prints one warning line per hostile entry on stderr, exits 0 and keeps the file outside", () => {
    const { out, victim } = workspace({ ".rotor-render": "../victim.txt\n" });
    const io = captureIo();
    assert.equal(runRender({ env: "dev", catalogDir: "environments", out }, io), 0);
    assert.equal(
      io.err(),
      `rotor: warning: ${out}/.rotor-render lists "../victim.txt", which is not a file name rotor render writes: it removes only its own *.yaml files and Kustomization directly inside ${out} (no "/", "..", absolute paths or other names). Left it alone.\n`,
    );
    assert.equal(readFileSync(victim, "utf8"), "precious\n");
  });
});
