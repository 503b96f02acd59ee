import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { Command, CommanderError } from "commander";
import { checkCommand, DEFAULT_MAX_FILE_MIB } from "../../cli/check";
import { rotorInProcess } from "../helpers/run-cli";

const root = join(__dirname, "..", "..");
const fixtures = join(root, "test", "fixtures", "policies");
/** Paths as the CLI prints them: relative to the working directory when inside it, else as given. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return (rel.startsWith("..") ? path : rel).split("\\").join("/");
}
const fixture = (name: string) => shown(join(fixtures, `${name}.yaml`));

const rotor = rotorInProcess;

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "rotor-check-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, content: string | Uint8Array): string {
  const path = join(tmp, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, content);
  return path;
}

describe("rotor check", () => {
  test("passes the reference set: exit 0 and a one-line summary", async () => {
    const run = await rotor("check", fixture("reference"));
    assert.deepEqual(run, { code: 0, stdout: "8 objects in 1 file: no findings.\n", stderr: "" });
  });

  test("lists findings with file:line:column, level, rule, object, message and fix; exit 1", async () => {
    const run = await rotor(
      "check",
      fixture("replicas"),
      "--config",
      join(fixtures, "config-replicas-only.yaml"),
    );
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "");
    const file = fixture("replicas");
    assert.equal(
      run.stdout,
      [
        `${file}:27:3: mandatory deployment-min-replicas: Deployment replicas/one: spec.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve.`,
        "  fix: Set spec.replicas to 2 or more.",
        `${file}:45:1: mandatory deployment-min-replicas: Deployment replicas/unset: spec.replicas is unset, so Kubernetes runs 1 replica; at least 2 are needed so that one pod can be replaced while the others serve.`,
        "  fix: Set spec.replicas to 2 or more.",
        `${file}:64:3: mandatory deployment-min-replicas: Deployment replicas/text: spec.replicas is "3", not an integer; at least 2 are needed so that one pod can be replaced while the others serve.`,
        "  fix: Set spec.replicas to 2 or more.",
        "4 objects in 1 file: 3 findings (3 mandatory, 0 advisory).",
        "",
      ].join("\n"),
    );
  });

  test("--fail-level decides which findings fail the check", async () => {
    const advisory = write("advisory.yaml", "all: disabled\ndeployment-min-replicas: advisory\n");
    assert.equal((await rotor("check", fixture("replicas"), "-c", advisory)).code, 0);
    assert.equal(
      (await rotor("check", fixture("replicas"), "-c", advisory, "--fail-level", "advisory")).code,
      1,
    );
    assert.equal((await rotor("check", fixture("replicas"), "--fail-level", "none")).code, 0);
    const run = await rotor("check", fixture("replicas"), "-c", advisory);
    assert.match(run.stdout, /: advisory deployment-min-replicas: Deployment replicas\/one: /);
    assert.match(run.stdout, /4 objects in 1 file: 3 findings \(0 mandatory, 3 advisory\)\.\n$/);
  });

  test("counts waived findings without listing them", async () => {
    const run = await rotor("check", fixture("waivers"), "-c", join(fixtures, "config-replicas-only.yaml"));
    assert.equal(run.code, 1);
    assert.doesNotMatch(run.stdout, /waivers\/scaled/);
    assert.match(run.stdout, /3 objects in 1 file: 4 findings \(4 mandatory, 0 advisory\), 1 waived\.\n$/);
  });

  test("--format json reports every finding, waived ones flagged, with objects and positions", async () => {
    const run = await rotor(
      "check",
      fixture("waivers"),
      "-f",
      "json",
      "-c",
      join(fixtures, "config-replicas-only.yaml"),
    );
    assert.equal(run.code, 1);
    const report = JSON.parse(run.stdout) as {
      summary: Record<string, unknown>;
      findings: Record<string, unknown>[];
    };
    assert.deepEqual(report.summary, {
      files: 1,
      documents: 3,
      objects: 3,
      findings: 4,
      waived: 1,
      skipped: { notKubernetes: 0, unknownKinds: {} },
      inputErrors: 0,
      exitCode: 1,
    });
    assert.deepEqual(report.findings[0], {
      ruleId: "deployment-min-replicas",
      level: "mandatory",
      severity: "high",
      object: { apiVersion: "apps/v1", kind: "Deployment", namespace: "waivers", name: "scaled" },
      file: fixture("waivers"),
      line: 11,
      column: 3,
      field: "spec.replicas",
      message:
        "spec.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve.",
      fix: "Set spec.replicas to 2 or more.",
      waived: { reason: "Scaled by HPA scaled (minReplicas 3); spec.replicas is only the initial size." },
    });
    assert.equal(run.stderr, "3 objects in 1 file: 4 findings (4 mandatory, 0 advisory), 1 waived.\n");
  });

  test("--format sarif with --output writes SARIF 2.1.0 to the file and the summary to stderr", async () => {
    const out = join(tmp, "rotor.sarif");
    const run = await rotor("check", fixture("pdb-budget"), "--format", "sarif", "--output", out);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(
      run.stderr,
      /^18 objects in 1 file: 28 findings \(28 mandatory, 0 advisory\)\. Report written to .*rotor\.sarif\.\n$/,
    );
    const sarif = JSON.parse(readFileSync(out, "utf8")) as {
      version: string;
      runs: { results: { ruleId: string }[] }[];
    };
    assert.equal(sarif.version, "2.1.0");
    assert.ok(sarif.runs[0].results.some((r) => r.ruleId === "pdb-allows-disruption"));
  });

  test("reads directories recursively (.yaml, .yml, .json), unwraps Lists and counts what it skips", async () => {
    const dir = join(tmp, "tree");
    const reference = readFileSync(join(fixtures, "reference.yaml"), "utf8");
    const [deployment, ...rest] = reference.split(/^---$/m);
    write("tree/apps/web/deployment.yml", deployment);
    write("tree/apps/web/rest.yaml", rest.join("---"));
    write(
      "tree/extra.json",
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "shop" } },
          {
            apiVersion: "cert-manager.io/v1",
            kind: "Certificate",
            metadata: { name: "tls", namespace: "shop" },
          },
          { hello: "not kubernetes" },
        ],
      }),
    );
    write("tree/values.yaml", "replicaCount: 3\nimage: {tag: latest}\n");
    write("tree/README.md", "# not read\n");
    write("tree/.git/config.yaml", "not: read\n");
    write("tree/node_modules/x/y.yaml", "not: read\n");
    const run = await rotor("check", dir);
    assert.equal(run.stderr, "");
    assert.equal(
      run.stdout,
      "9 objects in 4 files: no findings. Skipped 2 documents that are not Kubernetes objects; 1 object of kinds rotor has no rules for: Certificate (cert-manager.io/v1) ×1.\n",
    );
    assert.equal(run.code, 0);
  });

  test("reports a file that does not parse with its line and column, and still checks the others (exit 2)", async () => {
    const broken = write(
      "broken.yaml",
      "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n   labels: x\n",
    );
    const run = await rotor(
      "check",
      broken,
      fixture("replicas"),
      "-c",
      join(fixtures, "config-replicas-only.yaml"),
    );
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      `rotor check: ${shown(broken)}:4:9: is not valid YAML: Nested mappings are not allowed in compact mappings\n`,
    );
    assert.match(run.stdout, /replicas\/one/);
    assert.match(
      run.stdout,
      /4 objects in 2 files: 3 findings \(3 mandatory, 0 advisory\)\. 1 input error \(see above\)\.\n$/,
    );
  });

  test("reports invalid JSON with its position, or at least why", async () => {
    const trailing = write("trailing.json", '{\n  "apiVersion": "v1",\n  "kind": "Service",\n}\n');
    const missing = write(
      "missing.json",
      '{"apiVersion": "v1", "kind": "Service", "metadata": {"name": }}\n',
    );
    const run = await rotor("check", trailing, missing);
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      [
        `rotor check: ${shown(trailing)}:4:1: is not valid JSON: Expected double-quoted property name in JSON at position 45`,
        `rotor check: ${shown(missing)}: is not valid JSON: Unexpected token '}'`,
        "",
      ].join("\n"),
    );
  });

  test("rejects binary, UTF-16 and oversized files and missing paths with clear errors (exit 2)", async () => {
    const binary = write("image.yaml", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    const utf16 = write("utf16.yaml", Buffer.from("\ufeffkind: x\n", "utf16le"));
    const huge = write("huge.yaml", `# ${"x".repeat(1.5 * 1024 * 1024)}\n`);
    const run = await rotor(
      "check",
      binary,
      utf16,
      huge,
      join(tmp, "nope.yaml"),
      "--max-file-size",
      "1",
      fixture("reference"),
    );
    assert.equal(run.code, 2);
    const rel = shown;
    assert.equal(
      run.stderr,
      [
        `rotor check: ${rel(binary)}: is a binary file (it contains NUL bytes), not YAML or JSON.`,
        `rotor check: ${rel(utf16)}: is UTF-16 encoded; save it as UTF-8.`,
        `rotor check: ${rel(huge)}: is 1.5 MiB, over the 1 MiB limit for one file; split it, or raise the limit with --max-file-size.`,
        `rotor check: ${rel(join(tmp, "nope.yaml"))}: no such file or directory.`,
        "",
      ].join("\n"),
    );
    assert.equal(run.stdout, "8 objects in 1 file: no findings. 4 input errors (see above).\n");
    assert.equal(DEFAULT_MAX_FILE_MIB, 16);
  });

  test("an empty input is an error, not a pass", async () => {
    const empty = write("empty.yaml", "# nothing here\n");
    const run = await rotor("check", empty);
    assert.equal(run.code, 2);
    assert.equal(
      run.stderr,
      `rotor check: ${shown(empty)}: contains no Kubernetes objects: the input is empty. Give rotor check YAML or JSON manifests.\n`,
    );
    const values = write("values.yaml", "replicaCount: 3\n");
    assert.match(
      (await rotor("check", values)).stderr,
      /contains no Kubernetes objects rotor has rules for \(1 skipped\)/,
    );
    const none = join(tmp, "no-manifests");
    mkdirSync(none);
    assert.match(
      (await rotor("check", none)).stderr,
      /no-manifests: contains no \.yaml, \.yml, \.json files\.\n/,
    );
  });

  test("usage errors exit 2: unknown flags, bad choices, no paths", async () => {
    const unknown = await rotor("check", "--bogus", fixture("reference"));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /error: unknown option '--bogus'/);
    const format = await rotor("check", "--format", "xml", fixture("reference"));
    assert.equal(format.code, 2);
    assert.match(
      format.stderr,
      /error: option '-f, --format <format>' argument 'xml' is invalid\. Allowed choices are text, json, sarif\./,
    );
    const none = await rotor("check");
    assert.equal(none.code, 2);
    assert.match(none.stderr, /error: missing required argument 'paths'/);
    const size = await rotor("check", "--max-file-size", "lots", fixture("reference"));
    assert.equal(size.code, 2);
    assert.match(size.stderr, /must be a positive number of MiB/);
  });

  test("reports an invalid config file at file:line:column and checks nothing", async () => {
    const config = write(
      "bad-config.yaml",
      "deployment-min-replicas:\n  minReplicas: 0\nreadyness-probe: advisory\n",
    );
    const run = await rotor("check", fixture("reference"), "--config", config);
    assert.equal(run.code, 2);
    const rel = shown(config);
    assert.equal(
      run.stderr,
      [
        `rotor check: ${rel}:2:3: deployment-min-replicas.minReplicas (0) must be an integer of at least 1.`,
        `rotor check: ${rel}:3:1: readyness-probe is not a rule id; the rules are deployment-min-replicas, deployment-has-pdb, pdb-allows-disruption, readiness-probe, rolling-update-keeps-capacity, service-selects-one-workload, deployment-has-recycler, recycler-targets-deployment, recycler-max-pod-age, recycler-cronjob-settings, recycler-rbac-least-privilege, pod-security-restricted, resource-requests-limits, waiver-valid.`,
        `rotor check: ${rel} is not a valid rule configuration; nothing was checked.`,
        "",
      ].join("\n"),
    );
    assert.equal(run.stdout, "");
  });

  test("reads standard input with -, and refuses it twice", async () => {
    const stdinProgram = (input: string) => {
      const out: string[] = [];
      const err: string[] = [];
      const program = new Command("rotor").exitOverride();
      program.addCommand(
        checkCommand({
          stdout: (t) => out.push(t),
          stderr: (t) => err.push(t),
          readStdin: () => Promise.resolve(Buffer.from(input)),
        }).exitOverride(),
      );
      return { program, out, err };
    };
    const { program, out, err } = stdinProgram(readFileSync(join(fixtures, "replicas.yaml"), "utf8"));
    await program.parseAsync(["check", "-", "-", "-c", join(fixtures, "config-replicas-only.yaml")], {
      from: "user",
    });
    assert.equal(process.exitCode, 2);
    assert.match(
      out.join(""),
      /^<stdin>:27:3: mandatory deployment-min-replicas: Deployment replicas\/one: /,
    );
    assert.equal(err.join(""), "rotor check: -: standard input is given more than once; give - once.\n");
    process.exitCode = 0;
    const empty = stdinProgram("");
    await empty.program.parseAsync(["check", "-"], { from: "user" });
    assert.equal(process.exitCode, 2);
    assert.equal(
      empty.err.join(""),
      "rotor check: <stdin>: contains no Kubernetes objects: the input is empty. Give rotor check YAML or JSON manifests.\n",
    );
    process.exitCode = 0;
    await assert.rejects(
      stdinProgram("").program.parseAsync(["check", "--nope"], { from: "user" }),
      (e: unknown) => e instanceof CommanderError && e.exitCode === 1,
    );
  });

  test("reads a pipe from a real process: `rotor check -` (cli/main.ts as the bin runs it)", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(root, "cli", "main.ts"), "check", "-", "--format", "json"],
      {
        cwd: root,
        input: readFileSync(join(fixtures, "reference.yaml")),
        encoding: "utf8",
      },
    );
    assert.equal(run.status, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { summary: { objects: number } }).summary.objects, 8);
    assert.equal(run.stderr, "8 objects in 1 file: no findings.\n");
  });

  for (const env of ["dev", "staging", "prod"]) {
    test(`passes what \`rotor render --env ${env}\` writes`, async () => {
      const out = join(tmp, "out", env);
      const render = await rotor("render", "--env", env, "--out", out);
      assert.equal(render.code, 0, render.stderr);
      const run = await rotor("check", out);
      assert.equal(run.stderr, "");
      assert.match(run.stdout, /^\d+ objects in \d+ files: no findings\./);
      assert.equal(run.code, 0);
    });
  }
});
