/**
 * The Node.js versions rotor supports are said once in package.json's engines; the CI matrix, the other
 * workflows, the README and every installed dependency must agree with it.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import semver from "semver";
import { parse } from "yaml";

const root = join(__dirname, "..");
const read = (...parts: string[]) => readFileSync(join(root, ...parts), "utf8");
const pkg = JSON.parse(read("package.json")) as { engines: { node: string } };
const range = pkg.engines.node;

/** The major lines engines names, and the oldest release of each it accepts. */
const lines = range.split("||").map((part) => {
  const min = semver.minVersion(part.trim());
  assert.ok(min, part);
  return { major: min.major, min: min.version };
});

describe("supported Node.js versions", () => {
  test("engines names Node 22 (from 22.13) and 24, and nothing older", () => {
    assert.equal(range, "^22.13.0 || ^24.0.0");
    assert.deepEqual(lines, [
      { major: 22, min: "22.13.0" },
      { major: 24, min: "24.0.0" },
    ]);
    assert.equal(semver.satisfies("20.19.0", range), false);
  });

  test("the pull-request matrix tests exactly those lines; the other jobs use the newest", () => {
    const workflows = readdirSync(join(root, ".github", "workflows")).filter((f) => f.endsWith(".yml"));
    const versions: unknown[] = [];
    for (const file of workflows) {
      const doc = parse(read(".github", "workflows", file)) as {
        jobs: Record<
          string,
          { strategy?: { matrix?: { node?: number[] } }; steps?: { with?: Record<string, unknown> }[] }
        >;
      };
      for (const [name, job] of Object.entries(doc.jobs)) {
        if (file === "pull-request.yml" && name === "test") {
          assert.deepEqual(
            job.strategy?.matrix?.node,
            lines.map((l) => l.major),
          );
        }
        for (const step of job.steps ?? []) {
          const version = step.with?.["node-version"];
          if (version !== undefined && version !== "${{ matrix.node }}") versions.push(version);
        }
      }
    }
    assert.ok(versions.length >= 4, "every job that sets up Node says which");
    assert.deepEqual(new Set(versions), new Set([Math.max(...lines.map((l) => l.major))]));
  });

  test("the README says the same", () => {
    assert.match(read("README.md"), /\(Node\.js 22\.13 or newer on the 22 line, or Node\.js 24\)/);
    assert.match(
      read("README.md"),
      /engines` in package.json says the same \(`\^22\.13\.0 \|\| \^24\.0\.0`\)/,
    );
  });

  test("every package in the lockfile accepts the oldest release of each supported line", () => {
    const lock = JSON.parse(read("package-lock.json")) as {
      packages: Record<string, { engines?: { node?: string } | string[] }>;
    };
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const wanted = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (path === "" || wanted === undefined) continue;
      for (const { min } of lines) {
        if (!semver.satisfies(min, wanted)) refusing.push(`${path} (node ${wanted}) refuses ${min}`);
      }
    }
    assert.deepEqual(refusing, []);
  });
});
