/**
 * rotor's rule catalog: pure rules over Kubernetes objects, the engine that runs them with configuration and
 * waivers, the CrossGuard adapter, and what `rotor check` builds on. Never import `pack.ts` from here: it
 * starts the policy pack's gRPC server.
 */
export type {
  EnforcementLevel,
  FieldPath,
  Finding,
  KubeObject,
  RatedFinding,
  Rule,
  Severity,
  SettingSpec,
} from "./model";
export { RULES, ruleById } from "./rules";
export { evaluate } from "./engine";
export {
  DEFAULT_CONFIG,
  configSchemaFor,
  resolveConfig,
  settingsFor,
  type ConfigProblem,
  type ResolvedConfig,
} from "./config";
export { WAIVER_PREFIX, waiverReason } from "./waivers";
export { adaptResource, kubeTypeOf, rotorPolicies, violationMessage } from "./crossguard";
export {
  checkSources,
  FAIL_LEVELS,
  type CheckResult,
  type FailLevel,
  type LocatedFinding,
} from "./run-check";
export {
  formatJson,
  formatReport,
  formatSarif,
  formatText,
  REPORT_FORMATS,
  type ReportFormat,
} from "./report";
export { LoadedSources, type SourceFile, type SourceLocation } from "./sources";
export { decodeText, type SourceProblem } from "../source";
export { allowedDisruptions } from "./rules/pdb-allows-disruption";
export { resolveRollingUpdate } from "./rules/rolling-update-keeps-capacity";
