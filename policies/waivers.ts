/**
 * Waivers: an annotation `rotor.dev/waive.<rule-id>: "<reason>"` on the object a finding is about silences that
 * rule for that object, in `rotor check` and in the CrossGuard pack alike. The reason is mandatory, so every
 * exception explains itself in the manifest where reviewers see it.
 */
import { WAIVER_PREFIX } from "../contract/annotations";
import { annotationsOf } from "./kube";
import type { Finding, KubeObject, Rule } from "./model";

/** The id of the rule that checks waivers; it cannot itself be waived. */
export const WAIVER_RULE_ID = "waiver-valid";

/** The reason an object gives for waiving `ruleId`, or undefined when it does not (validly) waive it. */
export function waiverReason(object: KubeObject, ruleId: string): string | undefined {
  if (ruleId === WAIVER_RULE_ID) return undefined;
  const reason = annotationsOf(object)[WAIVER_PREFIX + ruleId]?.trim();
  return reason ? reason : undefined;
}

/** Builds the waiver rule; `knownIds` returns every rule id of the catalog (it is read when the rule runs). */
export function makeWaiverRule(knownIds: () => readonly string[]): Rule {
  return {
    id: WAIVER_RULE_ID,
    description: `Waiver annotations (${WAIVER_PREFIX}<rule-id>) name a rule of the catalog and give a reason.`,
    severity: "low",
    rationale:
      "A waiver is a reviewed exception; without a reason nobody can tell later whether it still applies, and a misspelt rule id silently waives nothing.",
    remediation: `Write the reason as the annotation's value: ${WAIVER_PREFIX}deployment-min-replicas: "scaled by the HPA web".`,
    scope: "object",
    tags: ["policy"],
    defaultLevel: "mandatory",
    settings: {},
    check({ index }) {
      const ids = new Set(knownIds());
      const findings: Finding[] = [];
      for (const object of index.objects) {
        for (const [key, value] of Object.entries(annotationsOf(object))) {
          if (!key.startsWith(WAIVER_PREFIX)) continue;
          const ruleId = key.slice(WAIVER_PREFIX.length);
          const path = ["metadata", "annotations", key];
          if (ruleId === WAIVER_RULE_ID) {
            findings.push({
              ruleId: WAIVER_RULE_ID,
              object,
              path,
              message: `annotation ${key} tries to waive ${WAIVER_RULE_ID}, which cannot be waived.`,
              fix: `Remove annotation ${key} and fix the waivers it was meant to hide.`,
            });
          } else if (!ids.has(ruleId)) {
            const guess = closest(ruleId, [...ids]);
            findings.push({
              ruleId: WAIVER_RULE_ID,
              object,
              path,
              message: `annotation ${key} waives ${JSON.stringify(ruleId)}, which is not a rule of the catalog, so it waives nothing.`,
              fix: guess
                ? `Did you mean ${WAIVER_PREFIX}${guess}? Use a rule id from docs/policies.md.`
                : "Use a rule id from docs/policies.md.",
            });
          } else if (value.trim() === "") {
            findings.push({
              ruleId: WAIVER_RULE_ID,
              object,
              path,
              message: `annotation ${key} waives ${ruleId} without a reason, so the waiver does not apply.`,
              fix: `Write why ${ruleId} does not apply to this object as the annotation's value.`,
            });
          }
        }
      }
      return findings;
    },
  };
}

/** The known id closest to `id` by edit distance, if it is close enough to be a typo. */
function closest(id: string, ids: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(id.length / 4)) + 1;
  for (const candidate of ids) {
    const d = distance(id, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
}
