import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedConfig } from "../../policies/config";
import { evaluate } from "../../policies/engine";
import { describe } from "../../policies/kube";
import type { KubeObject, Rule } from "../../policies/model";
import { LoadedSources } from "../../policies/sources";

/** Where the policy fixtures live, and how tests name them: `fixture("replicas")`. */
export const FIXTURES = join(__dirname, "..", "fixtures", "policies");

export function fixturePath(name: string): string {
  return join(FIXTURES, `${name}.yaml`);
}

/** Loads a fixture file the way `rotor check` does; fails the test on any parse problem. */
export function load(name: string): LoadedSources {
  const sources = new LoadedSources();
  sources.add({ name: `${name}.yaml`, text: readFileSync(fixturePath(name), "utf8") });
  if (sources.problems.length > 0) throw new Error(`fixture ${name}: ${JSON.stringify(sources.problems)}`);
  return sources;
}

export function objects(name: string): KubeObject[] {
  return load(name).objects;
}

/** A finding as tests compare it: rule, object, `line:column` in the fixture, message, and waiver if any. */
export interface Seen {
  readonly rule: string;
  readonly object: string;
  readonly at: string;
  readonly message: string;
  readonly waived?: string;
}

/** Evaluates a fixture and returns its findings, optionally only those of one rule. */
export function findings(
  name: string,
  options: { rule?: string; rules?: readonly Rule[]; config?: ResolvedConfig } = {},
): Seen[] {
  const sources = load(name);
  return evaluate(sources.objects, { rules: options.rules, config: options.config })
    .filter((f) => options.rule === undefined || f.ruleId === options.rule)
    .map((f) => {
      const at = sources.locate(f.object, f.path);
      return {
        rule: f.ruleId,
        object: describe(f.object),
        at: `${at?.line}:${at?.column}`,
        message: f.message,
        ...(f.waivedBecause !== undefined ? { waived: f.waivedBecause } : {}),
      };
    });
}

/** The same without positions, for the CrossGuard tests (Pulumi has no files). */
export function withoutPositions(seen: readonly Seen[]): Omit<Seen, "at">[] {
  return seen.map(({ at: _at, ...rest }) => rest);
}
