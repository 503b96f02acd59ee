import { describe } from "./kube";
import type { Finding } from "./model";

/**
 * How every front end words a finding, so CrossGuard and `rotor check` say the same thing about the same object.
 */

/** What is wrong, naming the object: `Deployment shop/web: spec.replicas is 1; ...`. */
export function findingStatement(finding: Finding): string {
  return `${describe(finding.object)}: ${finding.message}`;
}

/** The finding in one line with its fix: CrossGuard's violation message and the text of a SARIF result. */
export function findingText(finding: Finding): string {
  return `${findingStatement(finding)} Fix: ${finding.fix}`;
}
