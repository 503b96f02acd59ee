/**
 * `rotor rules`: the rule catalog as `rotor check` and the CrossGuard pack run it: every rule's id, severity,
 * default enforcement level, what it wants, its settings and how to waive one of its findings.
 */
import { Command, Option } from "commander";
import type { Rule, SettingSpec } from "../policies/model";
import { RULES } from "../policies/rules";
import { WAIVER_PREFIX } from "../contract/annotations";
import { WAIVER_RULE_ID } from "../policies/waivers";
import { rotorVersion } from "./version";

export const RULES_FORMATS = ["text", "json"] as const;
export type RulesFormat = (typeof RULES_FORMATS)[number];

/** How one finding of a rule is waived, or undefined for the rule that checks waivers. */
export function waiverOf(rule: Pick<Rule, "id">): { annotation: string; example: string } | undefined {
  if (rule.id === WAIVER_RULE_ID) return undefined;
  const annotation = `${WAIVER_PREFIX}${rule.id}`;
  return { annotation, example: `${annotation}: "<why this object is an exception>"` };
}

function describeSetting(name: string, spec: SettingSpec): string {
  const type = spec.type === "integer" ? `integer >= ${spec.minimum}` : spec.type;
  return `${name} (${type}, default ${String(spec.default)}): ${spec.description}`;
}

/** The catalog as text: one line per rule, then its settings and how to waive it. */
export function formatRulesText(rules: readonly Rule[]): string {
  const idWidth = Math.max(...rules.map((r) => r.id.length));
  const lines = [
    `${rules.length} rules. Levels and settings: rotor check --config (docs/policies.md). A waiver is an annotation on the object a finding names, whose value is the reason.`,
    "",
    `${"RULE".padEnd(idWidth)}  SEVERITY  DEFAULT    DESCRIPTION`,
  ];
  for (const rule of rules) {
    lines.push(
      `${rule.id.padEnd(idWidth)}  ${rule.severity.padEnd(8)}  ${rule.defaultLevel.padEnd(9)}  ${rule.description}`,
    );
    const indent = " ".repeat(idWidth + 2);
    for (const [name, spec] of Object.entries(rule.settings))
      lines.push(`${indent}setting: ${describeSetting(name, spec)}`);
    const waiver = waiverOf(rule);
    lines.push(
      waiver
        ? `${indent}waive:   ${waiver.example}`
        : `${indent}waive:   cannot be waived; fix the waiver annotations it reports.`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The catalog as JSON, for tools: every field of every rule except its check. */
export function formatRulesJson(rules: readonly Rule[]): string {
  return (
    JSON.stringify(
      {
        tool: "rotor",
        version: rotorVersion(),
        rules: rules.map((rule) => ({
          id: rule.id,
          severity: rule.severity,
          defaultLevel: rule.defaultLevel,
          description: rule.description,
          rationale: rule.rationale,
          remediation: rule.remediation,
          scope: rule.scope,
          tags: rule.tags,
          settings: rule.settings,
          waiver: waiverOf(rule) ?? null,
        })),
      },
      null,
      2,
    ) + "\n"
  );
}

/** The `rules` command, registered by `cli/main.ts`. */
export function rulesCommand(write: (text: string) => void = (t) => void process.stdout.write(t)): Command {
  return new Command("rules")
    .description(
      "List every policy rule: id, severity, default level, description, settings and how to waive it",
    )
    .addOption(new Option("-f, --format <format>", "output format").choices(RULES_FORMATS).default("text"))
    .action((options: { format: RulesFormat }) => {
      write(options.format === "json" ? formatRulesJson(RULES) : formatRulesText(RULES));
    });
}
