import type { Rule } from "../model";
import { makeWaiverRule } from "../waivers";
import { deploymentHasPdb } from "./deployment-has-pdb";
import { deploymentMinReplicas } from "./deployment-min-replicas";
import { pdbAllowsDisruption } from "./pdb-allows-disruption";
import { podSecurityRestricted } from "./pod-security-restricted";
import { readinessProbe } from "./readiness-probe";
import { recyclerRbacLeastPrivilege } from "./recycler-rbac";
import {
  deploymentHasRecycler,
  recyclerCronJobSettings,
  recyclerMaxPodAge,
  recyclerTargetsDeployment,
} from "./recycler";
import { resourceRequestsLimits } from "./resource-requests-limits";
import { rollingUpdateKeepsCapacity } from "./rolling-update-keeps-capacity";
import { serviceSelectsOneWorkload } from "./service-selects-one-workload";

/** The rule catalog, in the order reports and docs list it. */
export const RULES: readonly Rule[] = [
  deploymentMinReplicas,
  deploymentHasPdb,
  pdbAllowsDisruption,
  readinessProbe,
  rollingUpdateKeepsCapacity,
  serviceSelectsOneWorkload,
  deploymentHasRecycler,
  recyclerTargetsDeployment,
  recyclerMaxPodAge,
  recyclerCronJobSettings,
  recyclerRbacLeastPrivilege,
  podSecurityRestricted,
  resourceRequestsLimits,
  makeWaiverRule(() => RULES.map((r) => r.id)),
];

/** Looks a rule up by id. */
export function ruleById(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
