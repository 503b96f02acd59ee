/**
 * The stack config index.ts reads (`rotor:environment`, `rotor:catalogDir`, `rotor:stackTraces`), checked before
 * the program declares anything: every problem at once, each naming the key, its value, the rule and the
 * `pulumi config` command that fixes it. A wrong config therefore registers no resource, not even the provider.
 *
 * Where rotor's own Pulumi.yaml is the project file, the engine checks part of this first (it declares the keys:
 * `rotor:environment` without a default, so it is required, and `rotor:stackTraces` as a boolean) and stops
 * with its own message before the program runs; these checks cover the rest (a catalog directory or environment
 * that does not exist, a key rotor does not read) and every program that runs index.ts with other project settings.
 */
import * as pulumi from "@pulumi/pulumi";
import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { displayPath, environmentsIn } from "../catalog";
import { show } from "../components/problems";
import { suggest } from "../components/zod-problems";
import type { RotorStackOptions } from "./program";

/** The keys, as `pulumi config` spells them. */
export const CONFIG_KEYS = ["rotor:environment", "rotor:catalogDir", "rotor:stackTraces"] as const;

/** The catalog directory when `rotor:catalogDir` is not set, relative to the project directory. */
export const DEFAULT_CATALOG_DIR = "environments";

/** What an environment name may be: a catalog file's name without `.yaml`, never a path. */
const ENVIRONMENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * The options for {@link rotorStack} from a stack's config, or a `pulumi.RunError` (printed without a stack trace)
 * listing every problem.
 *
 * @param config every config value of the stack, namespaced (`pulumi.runtime.allConfig()`)
 * @param stack the stack's name, for the fixes' `-s <stack>`
 * @param projectDir the directory `rotor:catalogDir` is relative to (the project's, where Pulumi.yaml is)
 */
export function stackOptions(
  config: Readonly<Record<string, string>>,
  stack: string,
  projectDir: string,
): RotorStackOptions {
  const problems: string[] = [];
  const set = (key: string, value: string) => `pulumi config set ${key} ${quote(value)} -s ${stack}`;
  const rm = (key: string) => `pulumi config rm ${key} -s ${stack}`;

  for (const key of Object.keys(config)
    .filter((k) => k.startsWith("rotor:"))
    .sort()) {
    if ((CONFIG_KEYS as readonly string[]).includes(key)) continue;
    const meant = suggest(key, CONFIG_KEYS);
    problems.push(
      `${key} is not a setting of rotor's stack: it reads only ${CONFIG_KEYS.join(", ")}. ${
        meant ? `Did you mean ${meant}? Move the value there and run ${rm(key)}.` : `Remove it: ${rm(key)}.`
      }`,
    );
  }

  const traces = config["rotor:stackTraces"];
  if (traces !== undefined && traces !== "true" && traces !== "false") {
    problems.push(
      `rotor:stackTraces (${show(traces)}) must be true or false. Run ${set("rotor:stackTraces", "true")} (or false), or ${rm("rotor:stackTraces")} for the default, false.`,
    );
  }

  const dirValue = config["rotor:catalogDir"];
  const catalogDir = resolve(projectDir, dirValue ?? DEFAULT_CATALOG_DIR);
  let dirOk = true;
  if (dirValue !== undefined) {
    const stat = dirValue === "" ? undefined : statSync(catalogDir, { throwIfNoEntry: false });
    if (!stat?.isDirectory()) {
      dirOk = false;
      const what =
        dirValue === ""
          ? "is empty"
          : `is ${displayPath(catalogDir)}, which ${stat ? "is not a directory" : "does not exist"}`;
      problems.push(
        `rotor:catalogDir (${show(dirValue)}) must be the directory of the catalog files, relative to the project directory, but it ${what}. Run ${set("rotor:catalogDir", DEFAULT_CATALOG_DIR)} (or the directory that holds them), or ${rm("rotor:catalogDir")} for the default, ${DEFAULT_CATALOG_DIR}.`,
      );
    }
  }

  const environment = config["rotor:environment"] ?? stack;
  if (dirOk) {
    const known = environmentsIn(catalogDir);
    const file = join(catalogDir, `${environment}.yaml`);
    const valid = ENVIRONMENT_NAME.test(environment);
    if (!valid || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      const given =
        config["rotor:environment"] === undefined
          ? `rotor:environment (not set, so the stack name: ${show(environment)})`
          : `rotor:environment (${show(environment)})`;
      const rule = valid
        ? `must name a catalog file in ${displayPath(catalogDir)}, but ${displayPath(file)} does not exist`
        : `must be a catalog file's name without .yaml (letters, digits, ".", "_" and "-", starting with a letter or digit)`;
      const there =
        known.length > 0
          ? `Environments in ${displayPath(catalogDir)}/: ${known.join(", ")}. Run ${set("rotor:environment", known[0] ?? "")}${known.length > 1 ? " (or another of them)" : ""}`
          : `${displayPath(catalogDir)} holds no environment (a catalog file that sets a namespace). Point rotor:catalogDir at the catalog files`;
      problems.push(`${given} ${rule}. ${there}${valid ? `, or create ${displayPath(file)}` : ""}.`);
    }
  }

  if (problems.length > 0) {
    throw new pulumi.RunError(
      `stack ${stack}: the config has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.map((p) => `  ${p}`).join("\n")}`,
    );
  }
  return { environment, catalogDir, stackTraces: traces === "true" };
}

/** A value as a shell word. */
function quote(value: string): string {
  return /^[\w./:-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}
