/**
 * Every command against bad paths and hostile files: each mistake is one line that names the path and the fix,
 * exit code 2, and no stack trace ever reaches the user.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fsErrorMessage, reportError, UserError } from "../../cli/user-error";
import { yamlDataProblem } from "../../source";
import { rotorInProcess } from "../helpers/run-cli";

const root = join(__dirname, "..", "..");
const reference = join(root, "test", "fixtures", "policies", "reference.yaml");

/** An alias bomb: 9 levels of 9 aliases each, a billion-laughs document of a few hundred bytes. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]'];
  for (let i = 1; i <= 8; i++) {
    const p = `*a${i - 1}`;
    lines.push(`a${i}: &a${i} [${Array.from({ length: 9 }, () => p).join(", ")}]`);
  }
  return lines.join("\n") + "\n";
}

/** What must never reach a user: stack frames and `SomethingError:` class names. */
function assertNoTrace(text: string): void {
  assert.doesNotMatch(text, /^\s+at /m, "a stack frame reached the user");
  assert.doesNotMatch(text, /\b[A-Z][A-Za-z]*Error\b:?/, "an error class name reached the user");
}

let tmp: string;
const at = (...parts: string[]) => join(tmp, ...parts);

before(() => {
  tmp = mkdtempSync(join(tmpdir(), "rotor-user-errors-"));
  writeFileSync(at("a-file"), "not a directory\n");
  mkdirSync(at("a-dir"));
  writeFileSync(at("bomb.yaml"), aliasBomb());
  // A catalog directory with a directory named like an environment and a catalog file that is an alias bomb.
  cpSync(join(root, "environments"), at("catalog"), { recursive: true });
  mkdirSync(at("catalog", "x.yaml"));
  writeFileSync(
    at("catalog", "bomb.yaml"),
    `apiVersion: rotor.dev/v1alpha1\nkind: Catalog\nnamespace: shop\n${aliasBomb()}apps: {}\n`,
  );
  // A render directory rotor wrote before, where a directory now sits where an app's file goes.
  mkdirSync(at("rendered", "app-storefront.yaml"), { recursive: true });
  writeFileSync(at("rendered", ".rotor-render"), "\n");
  // Manifest directories with a link to a directory and a dangling link, both named like manifests.
  mkdirSync(at("links"));
  symlinkSync(at("a-dir"), at("links", "to-dir.yaml"));
  mkdirSync(at("dangling"));
  symlinkSync(at("nowhere"), at("dangling", "gone.yaml"));
  // Kubeconfigs whose files are wrong in the ways people get them wrong.
  const kubeconfig = (name: string, cluster: string, user: string) =>
    writeFileSync(
      at(name),
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: c",
        "contexts: [{name: c, context: {cluster: c, user: u, namespace: shop}}]",
        `clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"${cluster}}}]`,
        `users: [{name: u, user: {${user}}}]`,
        "",
      ].join("\n"),
    );
  kubeconfig("kube-ca-dir.yaml", `, certificate-authority: "${at("a-dir")}"`, "token: t");
  kubeconfig("kube-token.yaml", "", `tokenFile: "${at("no-token")}"`);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const recycleArgs = ["recycle", "--deployment", "web", "--max-age", "1d", "--dry-run"];

/** [what the user did, the arguments, the exact lines on stderr]. */
const cases: [string, () => string[], () => string[]][] = [
  [
    "render --out an existing file",
    () => ["render", "--env", "dev", "--out", at("a-file")],
    () => [`rotor: ${at("a-file")} exists and is not a directory. Choose a directory for --out.`],
  ],
  [
    "render --out below a file",
    () => ["render", "--env", "dev", "--out", at("a-file", "sub")],
    () => [
      `rotor render: cannot write ${at("a-file", "sub")} (--out): part of the path is a file, not a directory. Check the path, or move that file out of the way.`,
    ],
  ],
  [
    "render into a directory where an app's file is a directory",
    () => ["render", "--env", "dev", "--out", at("rendered")],
    () => [
      `rotor: ${at("rendered", "app-storefront.yaml")} is a directory; rotor render writes regular files only and never writes through links. Remove it and render again.`,
    ],
  ],
  [
    "render --env nope, with a directory named x.yaml in the catalog directory",
    () => ["render", "--env", "nope", "--catalog-dir", at("catalog")],
    () => [
      `rotor: catalog ${at("catalog", "nope.yaml")} has 1 problem:`,
      `  ${at("catalog", "nope.yaml")}: environment "nope" has no catalog file. Known environments: bomb, dev, prod, staging. Create ${at("catalog", "nope.yaml")} or pick an existing environment.`,
    ],
  ],
  [
    "render --env x, where x.yaml is a directory",
    () => ["render", "--env", "x", "--catalog-dir", at("catalog")],
    () => [
      `rotor: catalog ${at("catalog", "x.yaml")} has 1 problem:`,
      `  ${at("catalog", "x.yaml")}: is a directory, not a file. Check the path.`,
    ],
  ],
  [
    "render a catalog file that is an alias bomb",
    () => ["render", "--env", "bomb", "--catalog-dir", at("catalog")],
    () => [
      `rotor: catalog ${at("catalog", "bomb.yaml")} has 1 problem:`,
      `  ${at("catalog", "bomb.yaml")}:7:10: expands its YAML aliases into too much data (an alias bomb), so it was not read. Write the values out, or use fewer nested aliases.`,
    ],
  ],
  [
    "demo --out an existing file",
    () => ["demo", "--out", at("a-file")],
    () => [`rotor: ${at("a-file")} exists and is not a directory. Choose a directory for --out.`],
  ],
  [
    "check -o a directory",
    () => ["check", "-o", at("a-dir"), reference],
    () => [
      `rotor check: cannot write ${at("a-dir")} (--output): it is a directory. Name a file to write, like ${at("a-dir", "rotor-report.txt")}.`,
    ],
  ],
  [
    "check -o into a missing directory",
    () => ["check", "-f", "sarif", "-o", at("missing", "rotor.sarif"), reference],
    () => [
      `rotor check: cannot write ${at("missing", "rotor.sarif")} (--output): the directory ${at("missing")} does not exist. Create it first (mkdir -p ${at("missing")}) or choose a path in an existing directory.`,
    ],
  ],
  [
    "check -c a directory",
    () => ["check", "-c", at("a-dir"), reference],
    () => [
      `rotor check: ${at("a-dir")}: is a directory, not a file. Name a file.`,
      `rotor check: ${at("a-dir")} is not a valid rule configuration; nothing was checked.`,
    ],
  ],
  [
    "check -c an alias bomb",
    () => ["check", "-c", at("bomb.yaml"), reference],
    () => [
      `rotor check: ${at("bomb.yaml")}:4:10: expands its YAML aliases into too much data (an alias bomb), so it was not read. Write the values out, or use fewer nested aliases.`,
      `rotor check: ${at("bomb.yaml")} is not a valid rule configuration; nothing was checked.`,
    ],
  ],
  [
    "check a manifest that is an alias bomb",
    () => ["check", at("bomb.yaml"), reference],
    () => [
      `rotor check: ${at("bomb.yaml")}:4:10: expands its YAML aliases into too much data (an alias bomb), so it was not read. Write the values out, or use fewer nested aliases.`,
    ],
  ],
  [
    "check a directory holding a link to a directory named like a manifest",
    () => ["check", at("links"), reference],
    () => [`rotor check: ${at("links", "to-dir.yaml")}: is a directory, not a file. Name a file.`],
  ],
  [
    "check a directory holding a dangling link",
    () => ["check", at("dangling"), reference],
    () => [`rotor check: ${at("dangling", "gone.yaml")}: does not exist. Check the path.`],
  ],
  [
    "recycle --kubeconfig a directory",
    () => [...recycleArgs, "--kubeconfig", at("a-dir")],
    () => [`error: cannot read kubeconfig ${at("a-dir")}: it is a directory, not a file. Name a file.`],
  ],
  [
    "recycle --kubeconfig an alias bomb",
    () => [...recycleArgs, "--kubeconfig", at("bomb.yaml")],
    () => [
      `error: cannot parse kubeconfig ${at("bomb.yaml")}: it expands its YAML aliases into too much data (an alias bomb), so it was not read. Write the values out, or use fewer nested aliases.`,
    ],
  ],
  [
    "recycle with a certificate-authority that is a directory",
    () => [...recycleArgs, "--kubeconfig", at("kube-ca-dir.yaml")],
    () => [
      `error: cannot read certificate authority ${at("a-dir")} (from ${at("kube-ca-dir.yaml")}): it is a directory, not a file. Name a file.`,
    ],
  ],
  [
    "recycle with a tokenFile that does not exist",
    () => [...recycleArgs, "--kubeconfig", at("kube-token.yaml")],
    () => [`error: cannot read the token file ${at("no-token")}: it does not exist. Check the path.`],
  ],
];

describe("every command: bad paths and hostile files", () => {
  for (const [name, args, lines] of cases) {
    test(`${name}: one line with the path and the fix, exit 2`, async () => {
      const run = await rotorInProcess(...args());
      assertNoTrace(run.stdout + run.stderr);
      // check still reports the files it could read; its summary line is not the error.
      assert.deepEqual(
        run.stderr.split("\n").filter((l) => l !== ""),
        lines(),
      );
      assert.equal(run.code, 2);
    });
  }
});

/** The real CLI as its own process, as a user runs it. */
function spawnRotor(args: string[]) {
  return spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], {
    cwd: root,
  });
}

describe("the rotor process", () => {
  test("a reader that stops early (| head) gets no stack trace from a closed pipe", async () => {
    const child = spawnRotor(["render", "--env", "prod", "--stdout"]);
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assertNoTrace(stderr);
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });

  test("check reads a pipe given as a path (bash's <(...)) to its end", () => {
    const run = spawnSync(
      "bash",
      ["-c", `"${process.execPath}" --import tsx cli/main.ts check <(cat "${reference}")`],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(run.stderr, "");
    assert.equal(run.stdout, "8 objects in 1 file: no findings.\n");
    assert.equal(run.status, 0);
  });
});

describe("cli/user-error.ts", () => {
  const errno = (code: string, syscall: string, path?: string) =>
    Object.assign(new Error(`${code}: reason, ${syscall}${path ? ` '${path}'` : ""}`), {
      code,
      syscall,
      ...(path ? { path } : {}),
    });

  const messages: [string, NodeJS.ErrnoException, Parameters<typeof fsErrorMessage>[1], string][] = [
    ["missing file", errno("ENOENT", "open", "x.yaml"), {}, "x.yaml does not exist. Check the path."],
    [
      "a write into a missing directory",
      errno("ENOENT", "open", "out/r.json"),
      { action: "write", option: "--output" },
      "cannot write out/r.json: the directory out does not exist. Create it first (mkdir -p out) or choose a path in an existing directory.",
    ],
    [
      "a listed file",
      errno("ENOTDIR", "scandir", "f"),
      { under: "f", option: "--out" },
      "f (--out) is a file, not a directory. Give a directory, or move the file out of the way.",
    ],
    [
      "EISDIR on read names the caller's path (Node gives none)",
      errno("EISDIR", "read"),
      { path: "conf" },
      "conf is a directory, not a file. Name a file.",
    ],
    [
      "EISDIR on read inside a directory",
      errno("EISDIR", "read"),
      { under: "out/dev" },
      "a file in out/dev is a directory, not a file. Name a file.",
    ],
    [
      "permission denied",
      errno("EACCES", "open", "/etc/x"),
      { action: "write" },
      "cannot write /etc/x: permission denied. Fix its permissions, or choose another path.",
    ],
    [
      "an existing file where a directory is created",
      errno("EEXIST", "mkdir", "out"),
      {},
      "cannot create out: a file of that name already exists. Remove it or choose another path.",
    ],
    [
      "a full disk",
      errno("ENOSPC", "write", "big"),
      {},
      "cannot write big: no space left on the device. Free some space, or choose another path.",
    ],
    [
      "a read-only file system",
      errno("EROFS", "open", "/ro/x"),
      { action: "write" },
      "cannot write /ro/x: the file system is read-only. Choose a writable path.",
    ],
    [
      "a symlink loop",
      errno("ELOOP", "open", "l"),
      {},
      "cannot read l: too many levels of symbolic links (a link that points at itself?). Fix the links.",
    ],
    [
      "an unusual code keeps Node's reason",
      errno("EIO", "read", "disk"),
      {},
      "cannot read disk: reason (EIO).",
    ],
  ];
  for (const [name, error, context, expected] of messages) {
    test(`fsErrorMessage: ${name}`, () => assert.equal(fsErrorMessage(error, context), expected));
  }

  test("yamlDataProblem words the yaml library's refusals and nothing else", () => {
    assert.match(
      yamlDataProblem(new ReferenceError("Excessive alias count indicates a resource exhaustion attack")) ??
        "",
      /^expands its YAML aliases into too much data \(an alias bomb\)/,
    );
    assert.match(
      yamlDataProblem(new RangeError("Maximum call stack size exceeded")) ?? "",
      /^nests too deeply/,
    );
    assert.equal(yamlDataProblem(new TypeError("x is undefined")), undefined);
  });

  test("reportError: user errors and system errors are one line, exit 2; a bug keeps its stack, exit 1", () => {
    assert.deepEqual(reportError(new UserError("x is wrong. Fix x."), "rotor check"), {
      text: "rotor check: x is wrong. Fix x.\n",
      exitCode: 2,
    });
    assert.deepEqual(reportError(errno("ENOTDIR", "scandir", "f"), "rotor render"), {
      text: "rotor render: f is a file, not a directory. Give a directory, or move the file out of the way.\n",
      exitCode: 2,
    });
    const bug = reportError(new TypeError("cannot read properties of undefined"), "rotor demo");
    assert.equal(bug.exitCode, 1);
    assert.match(
      bug.text,
      /^rotor demo: internal error, a bug in rotor\. Please report it with the command you ran:\nTypeError: cannot read properties of undefined\n {4}at /,
    );
  });
});
