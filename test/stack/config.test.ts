import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { stackOptions } from "../../stack/config";

const root = join(__dirname, "..", "..");
// The messages show paths relative to the working directory, as the catalog's do.
const inRoot = (path: string) => relative(process.cwd(), join(root, path)) || ".";

function problems(config: Record<string, string>, stack = "dev"): string {
  try {
    stackOptions(config, stack, root);
  } catch (error) {
    // A RunError: the engine prints its message without a stack trace.
    assert.ok(pulumi.RunError.isInstance(error), String(error));
    return error.message;
  }
  assert.fail("stackOptions accepted the config");
}

const ENVIRONMENTS = "dev, prod, staging";

describe("stackOptions (the stack config index.ts reads)", () => {
  it("reads the environment, the catalog directory (relative to the project) and stackTraces", () => {
    assert.deepEqual(
      stackOptions(
        { "rotor:environment": "prod", "rotor:catalogDir": "environments", "rotor:stackTraces": "true" },
        "p",
        root,
      ),
      { environment: "prod", catalogDir: join(root, "environments"), stackTraces: true },
    );
    // Nothing set: the stack name, environments/, no stack traces. Other namespaces are not rotor's to check.
    assert.deepEqual(stackOptions({ "kubernetes:context": "x" }, "staging", root), {
      environment: "staging",
      catalogDir: join(root, "environments"),
      stackTraces: false,
    });
  });

  const cases: { name: string; stack?: string; config: Record<string, string>; problems: string[] }[] = [
    {
      name: "an environment with no catalog file",
      stack: "qa",
      config: { "rotor:environment": "qa" },
      problems: [
        `rotor:environment ("qa") must name a catalog file in ${inRoot("environments")}, but ${inRoot("environments/qa.yaml")} does not exist. Environments in ${inRoot("environments")}/: ${ENVIRONMENTS}. Run pulumi config set rotor:environment dev -s qa (or another of them), or create ${inRoot("environments/qa.yaml")}.`,
      ],
    },
    {
      name: "no environment set and a stack name that is none",
      stack: "qa",
      config: {},
      problems: [
        `rotor:environment (not set, so the stack name: "qa") must name a catalog file in ${inRoot("environments")}, but ${inRoot("environments/qa.yaml")} does not exist. Environments in ${inRoot("environments")}/: ${ENVIRONMENTS}. Run pulumi config set rotor:environment dev -s qa (or another of them), or create ${inRoot("environments/qa.yaml")}.`,
      ],
    },
    {
      name: "an environment that is a path",
      config: { "rotor:environment": "../prod" },
      problems: [
        `rotor:environment ("../prod") must be a catalog file's name without .yaml (letters, digits, ".", "_" and "-", starting with a letter or digit). Environments in ${inRoot("environments")}/: ${ENVIRONMENTS}. Run pulumi config set rotor:environment dev -s dev (or another of them).`,
      ],
    },
    {
      name: "a catalog directory that does not exist",
      config: { "rotor:environment": "dev", "rotor:catalogDir": "nowhere" },
      problems: [
        `rotor:catalogDir ("nowhere") must be the directory of the catalog files, relative to the project directory, but it is ${inRoot("nowhere")}, which does not exist. Run pulumi config set rotor:catalogDir environments -s dev (or the directory that holds them), or pulumi config rm rotor:catalogDir -s dev for the default, environments.`,
      ],
    },
    {
      name: "a catalog directory that is a file",
      config: { "rotor:environment": "dev", "rotor:catalogDir": "README.md" },
      problems: [
        `rotor:catalogDir ("README.md") must be the directory of the catalog files, relative to the project directory, but it is ${inRoot("README.md")}, which is not a directory. Run pulumi config set rotor:catalogDir environments -s dev (or the directory that holds them), or pulumi config rm rotor:catalogDir -s dev for the default, environments.`,
      ],
    },
    {
      name: "an empty catalog directory value",
      config: { "rotor:environment": "dev", "rotor:catalogDir": "" },
      problems: [
        `rotor:catalogDir ("") must be the directory of the catalog files, relative to the project directory, but it is empty. Run pulumi config set rotor:catalogDir environments -s dev (or the directory that holds them), or pulumi config rm rotor:catalogDir -s dev for the default, environments.`,
      ],
    },
    {
      name: "stackTraces that is not a boolean",
      config: { "rotor:environment": "dev", "rotor:stackTraces": "yes" },
      problems: [
        `rotor:stackTraces ("yes") must be true or false. Run pulumi config set rotor:stackTraces true -s dev (or false), or pulumi config rm rotor:stackTraces -s dev for the default, false.`,
      ],
    },
    {
      name: "keys rotor does not read, a typo among them",
      config: { "rotor:environment": "dev", "rotor:enviroment": "prod", "rotor:replicas": "3" },
      problems: [
        `rotor:enviroment is not a setting of rotor's stack: it reads only rotor:environment, rotor:catalogDir, rotor:stackTraces. Did you mean rotor:environment? Move the value there and run pulumi config rm rotor:enviroment -s dev.`,
        `rotor:replicas is not a setting of rotor's stack: it reads only rotor:environment, rotor:catalogDir, rotor:stackTraces. Remove it: pulumi config rm rotor:replicas -s dev.`,
      ],
    },
    {
      name: "every problem at once",
      config: { "rotor:environment": "qa", "rotor:stackTraces": "1", "rotor:catalogDir": "nowhere" },
      problems: [
        `rotor:stackTraces ("1") must be true or false. Run pulumi config set rotor:stackTraces true -s dev (or false), or pulumi config rm rotor:stackTraces -s dev for the default, false.`,
        `rotor:catalogDir ("nowhere") must be the directory of the catalog files, relative to the project directory, but it is ${inRoot("nowhere")}, which does not exist. Run pulumi config set rotor:catalogDir environments -s dev (or the directory that holds them), or pulumi config rm rotor:catalogDir -s dev for the default, environments.`,
      ],
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name}, naming the key, the value, the rule and the fix`, () => {
      const stack = c.stack ?? "dev";
      assert.equal(
        problems(c.config, stack),
        `stack ${stack}: the config has ${c.problems.length} problem${c.problems.length === 1 ? "" : "s"}:\n${c.problems.map((p) => `  ${p}`).join("\n")}`,
      );
    });
  }

  it("says so when the catalog directory holds no environment", () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-config-"));
    writeFileSync(join(dir, "base.yaml"), "apiVersion: rotor.dev/v1alpha1\nkind: Catalog\napps: {}\n");
    const shown = relative(process.cwd(), dir).startsWith("..") ? dir : relative(process.cwd(), dir);
    assert.equal(
      problems({ "rotor:environment": "dev", "rotor:catalogDir": dir }),
      `stack dev: the config has 1 problem:\n  rotor:environment ("dev") must name a catalog file in ${shown}, but ${join(shown, "dev.yaml")} does not exist. ${shown} holds no environment (a catalog file that sets a namespace). Point rotor:catalogDir at the catalog files, or create ${join(shown, "dev.yaml")}.`,
    );
  });
});
