import { DURATION_RULE, parseDuration } from "../contract/duration";
import {
  ENFORCEMENT_LEVELS,
  type EnforcementLevel,
  type FieldPath,
  type Rule,
  type SettingSpec,
  type SettingValues,
} from "./model";
import { RULES } from "./rules";

/**
 * Rule configuration, in the format of Pulumi's `--policy-pack-config` file so one file serves both front ends:
 *
 * ```yaml
 * all: mandatory                      # optional default level for every rule
 * deployment-min-replicas:
 *   enforcementLevel: advisory        # mandatory | advisory | disabled
 *   minReplicas: 3
 * deployment-has-recycler: disabled   # a level alone is fine too
 * ```
 */

/** Levels and settings for every rule of the catalog, defaults applied. */
export interface ResolvedConfig {
  levelOf(rule: Rule): EnforcementLevel;
  settingsOf(rule: Rule): SettingValues;
}

/** A config problem: where (a path into the config document) and what, with the fix. */
export interface ConfigProblem {
  readonly path: FieldPath;
  readonly message: string;
}

/** The defaults: every rule at its default level with default settings. */
export const DEFAULT_CONFIG: ResolvedConfig = {
  levelOf: (rule) => rule.defaultLevel,
  settingsOf: (rule) => settingsFor(rule, {}),
};

const LEVELS: readonly string[] = ENFORCEMENT_LEVELS;

/** Validates a parsed config document and resolves it; every problem is reported, not just the first. */
export function resolveConfig(
  raw: unknown,
  rules: readonly Rule[] = RULES,
): { config: ResolvedConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const levels = new Map<string, EnforcementLevel>();
  const settings = new Map<string, SettingValues>();
  let defaultLevel: EnforcementLevel | undefined;
  const ids = rules.map((r) => r.id);
  const level = (value: unknown, path: FieldPath): EnforcementLevel | undefined => {
    if (typeof value === "string" && LEVELS.includes(value)) return value as EnforcementLevel;
    problems.push({ path, message: `is ${JSON.stringify(value)}; use one of ${LEVELS.join(", ")}.` });
    return undefined;
  };
  if (raw !== null && raw !== undefined && (typeof raw !== "object" || Array.isArray(raw))) {
    problems.push({
      path: [],
      message: "must be a mapping of rule ids (or `all`) to a level or to settings.",
    });
  } else {
    for (const [key, value] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
      if (key === "all") {
        const v =
          typeof value === "object" && value !== null && !Array.isArray(value)
            ? (value as Record<string, unknown>).enforcementLevel
            : value;
        defaultLevel = level(v, typeof value === "string" ? [key] : [key, "enforcementLevel"]);
        continue;
      }
      const rule = rules.find((r) => r.id === key);
      if (!rule) {
        problems.push({ path: [key], message: `is not a rule id; the rules are ${ids.join(", ")}.` });
        continue;
      }
      if (typeof value === "string") {
        const l = level(value, [key]);
        if (l) levels.set(key, l);
        continue;
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        problems.push({
          path: [key],
          message: `must be a level (${LEVELS.join(", ")}) or a mapping with enforcementLevel and settings.`,
        });
        continue;
      }
      const values: Record<string, number | boolean | string> = {};
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (name === "enforcementLevel") {
          const l = level(v, [key, name]);
          if (l) levels.set(key, l);
          continue;
        }
        const spec = rule.settings[name];
        if (!spec) {
          const known = Object.keys(rule.settings);
          problems.push({
            path: [key, name],
            message: `is not a setting of ${key}; it takes enforcementLevel${known.length ? `, ${known.join(", ")}` : " only"}.`,
          });
          continue;
        }
        const error = checkSetting(spec, v);
        if (error) problems.push({ path: [key, name], message: `(${JSON.stringify(v)}) ${error}` });
        else values[name] = v as number | boolean | string;
      }
      settings.set(key, settingsFor(rule, values));
    }
  }
  return {
    problems,
    config: {
      levelOf: (rule) => levels.get(rule.id) ?? defaultLevel ?? rule.defaultLevel,
      settingsOf: (rule) => settings.get(rule.id) ?? settingsFor(rule, {}),
    },
  };
}

/** Checks one setting value; returns an error sentence or undefined. */
export function checkSetting(spec: SettingSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "integer":
      return typeof value === "number" && Number.isInteger(value) && value >= spec.minimum
        ? undefined
        : `must be an integer of at least ${spec.minimum}.`;
    case "boolean":
      return typeof value === "boolean" ? undefined : "must be true or false.";
    case "duration":
      return typeof value === "string" && (parseDuration(value) ?? 0) > 0
        ? undefined
        : `must be ${DURATION_RULE}.`;
  }
}

/** A rule's settings: the given values where valid, defaults for the rest. */
export function settingsFor(rule: Rule, given: Readonly<Record<string, unknown>>): SettingValues {
  const out: Record<string, number | boolean | string> = {};
  for (const [name, spec] of Object.entries(rule.settings)) {
    const value = given[name];
    out[name] =
      value !== undefined && checkSetting(spec, value) === undefined
        ? (value as number | boolean | string)
        : spec.default;
  }
  return out;
}

/** A rule's settings as the JSON schema CrossGuard validates `--policy-pack-config` against. */
export function configSchemaFor(rule: Rule): { properties: Record<string, object> } {
  const properties: Record<string, object> = {};
  for (const [name, spec] of Object.entries(rule.settings)) {
    properties[name] =
      spec.type === "duration"
        ? {
            type: "string",
            pattern: "^(?:\\d+d)?(?:\\d+h)?(?:\\d+m)?(?:\\d+s)?$",
            minLength: 2,
            default: spec.default,
            description: spec.description,
          }
        : spec.type === "integer"
          ? { type: "integer", minimum: spec.minimum, default: spec.default, description: spec.description }
          : { type: "boolean", default: spec.default, description: spec.description };
  }
  return { properties };
}
