import { DEFAULT_CONFIG, type ResolvedConfig } from "./config";
import { KubeIndex } from "./kube-index";
import type { KubeObject, RatedFinding, Rule } from "./model";
import { RULES } from "./rules";
import { waiverReason } from "./waivers";

/**
 * Runs rules over a set of objects (or their index): the one evaluation both front ends share. Each enabled rule checks the
 * whole set; every finding gets its rule's level and severity, and the waiver reason when its object waives it.
 */
export function evaluate(
  objects: readonly KubeObject[] | KubeIndex,
  options: { readonly rules?: readonly Rule[]; readonly config?: ResolvedConfig } = {},
): RatedFinding[] {
  const config = options.config ?? DEFAULT_CONFIG;
  // A caller that evaluates the same objects several times (CrossGuard's stack policies) passes their index.
  const index = objects instanceof KubeIndex ? objects : new KubeIndex(objects);
  const out: RatedFinding[] = [];
  for (const rule of options.rules ?? RULES) {
    const level = config.levelOf(rule);
    if (level === "disabled") continue;
    for (const finding of rule.check({ index, settings: config.settingsOf(rule) })) {
      const waivedBecause = waiverReason(finding.object, rule.id);
      out.push(
        waivedBecause === undefined
          ? { ...finding, level, severity: rule.severity }
          : { ...finding, level, severity: rule.severity, waivedBecause },
      );
    }
  }
  return out;
}
