/**
 * rotor's rule catalog: pure rules over Kubernetes objects, the engine that runs them with configuration and
 * waivers, the CrossGuard adapter, and what `rotor check` builds on. The policy pack's entry, which starts
 * its gRPC server, is policy-pack/index.ts; nothing here imports it.
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
export { waiverReason } from "./waivers";
export { WAIVER_PREFIX } from "../contract/annotations";
export { adaptResource, kubeTypeOf, rotorPolicies, violationMessage } from "./crossguard";
export { findingStatement, findingText } from "./finding-text";
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
export { resolveRollingUpdate } from "../contract/int-or-percent";
