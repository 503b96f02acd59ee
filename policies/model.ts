/**
 * The shapes every rule, front end and test shares: Kubernetes objects as plain data, rule definitions and
 * findings. Objects come from untrusted files and from Pulumi's resource state, so nothing here assumes a field
 * has the type the Kubernetes API gives it; rules read through the typed getters in `kube.ts`.
 */

import type { KubeIndex } from "./kube-index";
import type { FieldPath, KubeObject } from "./kube-object";

export type { FieldPath, KubeObject } from "./kube-object";

/** How serious a finding is; the same scale as CrossGuard's `severity`. */
export type Severity = "low" | "medium" | "high" | "critical";

/**
 * What a finding does: `mandatory` blocks (a failed `pulumi preview`, exit code 1 from `rotor check`),
 * `advisory` warns, `disabled` turns the rule off. The same words as CrossGuard's enforcement levels.
 */
export type EnforcementLevel = "mandatory" | "advisory" | "disabled";

/** The enforcement levels in order of increasing strength. */
export const ENFORCEMENT_LEVELS = [
  "disabled",
  "advisory",
  "mandatory",
] as const satisfies readonly EnforcementLevel[];

/** One rule violation, attached to the object a waiver for it goes on. */
export interface Finding {
  /** The rule's id, like `deployment-min-replicas`. */
  readonly ruleId: string;
  /** The object the finding is about; a waiver annotation on this object silences it. */
  readonly object: KubeObject;
  /** The field the finding points at (for file:line lookups), relative to the object. */
  readonly path: FieldPath;
  /** What is wrong, naming the field and its value, without the object (front ends prefix it). */
  readonly message: string;
  /** What to change, concretely for this object. */
  readonly fix: string;
}

/** A finding as a front end reports it: with its enforcement level and, when waived, the waiver's reason. */
export interface RatedFinding extends Finding {
  readonly level: Exclude<EnforcementLevel, "disabled">;
  readonly severity: Severity;
  /** The reason given in the waiver annotation when the finding is waived. */
  readonly waivedBecause?: string;
}

/** A rule setting: its JSON-schema type (for CrossGuard's configSchema), default and description. */
export type SettingSpec =
  | {
      readonly type: "integer";
      readonly minimum: number;
      readonly default: number;
      readonly description: string;
    }
  | { readonly type: "boolean"; readonly default: boolean; readonly description: string }
  | { readonly type: "duration"; readonly default: string; readonly description: string };

/** Setting values after defaults: integers and booleans as is, durations as their text (parsed by the rule). */
export type SettingValues = Readonly<Record<string, number | boolean | string>>;

/** What a rule sees: the objects to check and its settings. */
export interface RuleContext {
  readonly index: KubeIndex;
  readonly settings: SettingValues;
}

/** A rule of the catalog: metadata that both front ends and the docs show, and a pure check. */
export interface Rule {
  /** Stable id: the CrossGuard policy name, the SARIF ruleId and the waiver annotation suffix. */
  readonly id: string;
  /** One line: what every compliant manifest does. */
  readonly description: string;
  readonly severity: Severity;
  /** Why the rule exists, in a sentence or two. */
  readonly rationale: string;
  /** How to fix a violation in general; each finding also carries a specific fix. */
  readonly remediation: string;
  /** `object` rules look at one object at a time (CrossGuard resource policies); `stack` rules at all of them. */
  readonly scope: "object" | "stack";
  /** Tags for SARIF and the docs: `availability`, `rotation`, `security`. */
  readonly tags: readonly string[];
  readonly defaultLevel: Exclude<EnforcementLevel, "disabled">;
  readonly settings: Readonly<Record<string, SettingSpec>>;
  /** Returns the findings for every object of `context.index`, before waivers. */
  check(context: RuleContext): Finding[];
}
