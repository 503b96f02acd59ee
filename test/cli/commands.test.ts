/**
 * What people expect of the `rotor` command itself: --version, `rotor rules`, a complete and validated
 * --fail-level, and a start-up that loads only what the command being run needs.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Help } from "commander";
import { parseFailLevel } from "../../cli/check";
import { COMMANDS, invokedCommand } from "../../cli/main";
import { formatRulesText, waiverOf } from "../../cli/rules";
import { RULES } from "../../policies/rules";
import { FAIL_LEVELS, failsAt } from "../../policies/run-check";
import { rotorInProcess as rotor } from "../helpers/run-cli";

const root = join(__dirname, "..", "..");
const fixtures = join(root, "test", "fixtures", "policies");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };

let tmp: string;
before(() => (tmp = mkdtempSync(join(tmpdir(), "rotor-commands-"))));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("rotor --version and --help", () => {
  test("--version and -V print package.json's version", async () => {
    for (const flag of ["--version", "-V"]) {
      assert.deepEqual(await rotor(flag), { code: 0, stdout: `${pkg.version}\n`, stderr: "" });
    }
  });

  test("--help lists every command with its arguments and description, without loading them", async () => {
    const run = await rotor("--help");
    assert.equal(run.code, 0);
    for (const entry of COMMANDS) {
      assert.match(run.stdout, new RegExp(`\\n  ${entry.term.replace(/[[\].]/g, "\\$&")} +\\S`));
    }
    assert.match(run.stdout, /\n {2}-V, --version +print rotor's version\n/);
  });

  test("each command's help entry is what commander shows for the loaded command", async () => {
    const help = new Help();
    for (const entry of COMMANDS) {
      const command = await entry.load();
      assert.equal(command.name(), entry.name);
      assert.equal(command.description(), entry.summary, entry.name);
      assert.equal(help.subcommandTerm(command), entry.term, entry.name);
    }
  });

  test("the command to load is the first word, or the one after help", () => {
    const name = (argv: string[]) => invokedCommand(argv)?.name;
    assert.equal(name(["check", "-f", "json", "x.yaml"]), "check");
    assert.equal(name(["help", "recycle"]), "recycle");
    assert.equal(name(["--help"]), undefined);
    assert.equal(name(["nosuch"]), undefined);
  });
});

describe("rotor rules", () => {
  test("lists every rule with id, severity, default level, description and how to waive it", async () => {
    const run = await rotor("rules");
    assert.equal(run.code, 0);
    assert.equal(run.stdout, formatRulesText(RULES));
    const lines = run.stdout.split("\n");
    assert.equal(lines[2], "RULE                           SEVERITY  DEFAULT    DESCRIPTION");
    assert.equal(lines[3], `deployment-min-replicas        high      mandatory  ${RULES[0].description}`);
    assert.equal(
      lines[4],
      "                               setting: minReplicas (integer >= 1, default 2): The fewest replicas a Deployment may run.",
    );
    assert.equal(
      lines[5],
      '                               waive:   rotor.dev/waive.deployment-min-replicas: "<why this object is an exception>"',
    );
    assert.equal(
      lines.at(-2),
      "                               waive:   cannot be waived; fix the waiver annotations it reports.",
    );
    for (const rule of RULES) assert.match(run.stdout, new RegExp(`\\n${rule.id} +${rule.severity} `));
  });

  test("--format json has every rule's metadata and its waiver annotation", async () => {
    const run = await rotor("rules", "--format", "json");
    assert.equal(run.code, 0);
    const json = JSON.parse(run.stdout) as {
      tool: string;
      version: string;
      rules: { id: string; severity: string; defaultLevel: string; waiver: { annotation: string } | null }[];
    };
    assert.equal(json.tool, "rotor");
    assert.equal(json.version, pkg.version);
    assert.deepEqual(
      json.rules.map((r) => [r.id, r.severity, r.defaultLevel, r.waiver?.annotation ?? null]),
      RULES.map((r) => [
        r.id,
        r.severity,
        r.defaultLevel,
        r.id === "waiver-valid" ? null : `rotor.dev/waive.${r.id}`,
      ]),
    );
    assert.equal(waiverOf({ id: "waiver-valid" }), undefined);
  });

  test("docs/policies.md's rule table has the same ids and severities", () => {
    const docs = readFileSync(join(root, "docs", "policies.md"), "utf8");
    const rows = [...docs.matchAll(/^\| `([a-z-]+)` +\| (\w+) +\|/gm)].map((m) => [m[1], m[2]]);
    assert.deepEqual(
      rows,
      RULES.map((r) => [r.id, r.severity]),
    );
  });

  test("an unknown format is a usage error", async () => {
    const run = await rotor("rules", "--format", "yaml");
    assert.equal(run.code, 2);
    assert.match(run.stderr, /argument 'yaml' is invalid\. Allowed choices are text, json\./);
  });
});

describe("rotor check --fail-level", () => {
  test("accepts exactly the levels and severities docs/policies.md lists", () => {
    const docs = readFileSync(join(root, "docs", "policies.md"), "utf8");
    const line = /^ {2}--fail-level <level> +(.*)$/m.exec(docs)?.[1] ?? "";
    const listed = [...line.matchAll(/\b(mandatory|advisory|none|critical|high|medium|low)\b/g)].map(
      (m) => m[1],
    );
    assert.deepEqual(listed, [...FAIL_LEVELS]);
    for (const level of FAIL_LEVELS) assert.equal(parseFailLevel(level), level);
  });

  test("a wrong value names every accepted one, the closest first when it looks like a typo; exit 2", async () => {
    const run = await rotor("check", "--fail-level", "hihg", join(fixtures, "reference.yaml"));
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^error: option '--fail-level <level>' argument 'hihg' is invalid\. must be an enforcement level \(mandatory, advisory, none\) or a severity \(critical, high, medium, low\)\. Did you mean high\?\n/,
    );
    assert.throws(() => parseFailLevel("warning"), /or a severity \(critical, high, medium, low\)\.$/);
  });

  const cases: [string, "mandatory" | "advisory", "critical" | "high" | "medium" | "low", boolean][] = [
    ["mandatory", "mandatory", "low", true],
    ["mandatory", "advisory", "critical", false],
    ["advisory", "advisory", "low", true],
    ["none", "mandatory", "critical", false],
    ["high", "mandatory", "critical", true],
    ["high", "mandatory", "high", true],
    ["high", "mandatory", "medium", false],
    ["low", "mandatory", "low", true],
    ["low", "advisory", "critical", false],
    ["critical", "mandatory", "high", false],
  ];
  for (const [failLevel, level, severity, fails] of cases) {
    test(`--fail-level ${failLevel}: a ${severity} ${level} finding ${fails ? "fails" : "passes"}`, () => {
      assert.equal(failsAt({ level, severity }, failLevel as (typeof FAIL_LEVELS)[number]), fails);
    });
  }

  test("a severity decides the exit code of a real check (waiver-valid findings are low)", async () => {
    const config = join(tmp, "only-waivers.yaml");
    writeFileSync(config, "all: disabled\nwaiver-valid: mandatory\n");
    const check = (...args: string[]) =>
      rotor("check", join(fixtures, "waivers.yaml"), "-c", config, ...args);
    assert.equal((await check()).code, 1);
    assert.equal((await check("--fail-level", "medium")).code, 0);
    assert.equal((await check("--fail-level", "low")).code, 1);
    writeFileSync(config, "all: disabled\nwaiver-valid: advisory\n");
    assert.equal((await check("--fail-level", "low")).code, 0);
    assert.equal((await check("--fail-level", "advisory")).code, 1);
  });
});

/** The packages a `rotor` process loaded, as a probe it is started with writes them at exit. */
function loadedPackages(args: string[]): Set<string> {
  const probe = join(tmp, "probe.js");
  writeFileSync(
    probe,
    'process.on("exit", () => require("fs").writeSync(2, "\\nLOADED " + JSON.stringify(Object.keys(require.cache)) + "\\n"));\n',
  );
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "--require", probe, join(root, "cli", "main.ts"), ...args],
    { cwd: root, encoding: "utf8" },
  );
  const line = /\nLOADED (.*)\n/.exec(run.stderr)?.[1];
  assert.ok(line, run.stderr);
  const packages = new Set<string>();
  for (const file of JSON.parse(line) as string[]) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (m) packages.add(m[1]);
  }
  return packages;
}

describe("start-up loads only what the command needs", () => {
  // Not esbuild: tsx, which runs these tests from source, loads it itself.
  const heavy = [
    "@pulumi/pulumi",
    "@pulumi/policy",
    "@pulumi/kubernetes",
    "zod",
    "yaml",
    "croner",
    "cronstrue",
  ];
  const loadedHeavy = (args: string[]) => heavy.filter((p) => loadedPackages(args).has(p));

  test("rotor --help loads none of the SDKs and libraries the commands use", () => {
    assert.deepEqual(loadedHeavy(["--help"]), []);
  });

  test("rotor check of clean manifests loads neither the Pulumi SDK nor zod nor yaml", () => {
    assert.deepEqual(loadedHeavy(["check", join(fixtures, "reference.yaml")]), []);
  });

  test("rotor rules and rotor recycle --help load no Pulumi SDK", () => {
    assert.deepEqual(loadedHeavy(["rules"]), []);
    assert.deepEqual(loadedHeavy(["recycle", "--help"]), ["yaml"]);
  });
});
