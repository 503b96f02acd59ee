// Public surface of rotor's Pulumi components: import these from another Pulumi program.
export { RotatingApp, RECYCLER_OWNED_FIELDS } from "./rotating-app";
export {
  PodRecycler,
  resolveRecycler,
  type PodRecyclerArgs,
  type RecyclerRotationArgs,
} from "./pod-recycler";
export { RecyclerScript, resolveRecyclerScript, type RecyclerScriptArgs } from "./recycler-script";
export {
  buildRecyclerManifests,
  buildRecyclerScript,
  recyclerArgs,
  type RecyclerSpec,
  type RecyclerManifests,
} from "./recycler-manifests";
// The conventions these components follow, from the contract module that every part of rotor shares.
export {
  recyclerScriptName,
  SHARED_SCRIPT_PREFIX,
  recyclerName,
  SCRIPT_SHA_ANNOTATION,
  TARGET_ANNOTATION,
  MAX_AGE_ANNOTATION,
  RESTARTED_AT_ANNOTATION as RESTART_ANNOTATION,
  selectorLabels,
  objectLabels,
} from "../contract";
export type {
  RotatingAppArgs,
  ContainerPortArgs,
  ResourcesArgs,
  ProbeArgs,
  DisruptionBudgetArgs,
  TopologySpreadArgs,
  SecurityContextArgs,
  RotationArgs,
} from "./rotating-app";
export { resolveApp, type AppSpec, type PortSpec } from "./app-spec";
export { buildAppManifests, type AppManifests } from "./app-manifests";
export { buildNamespace } from "./namespace";
export { resolveRotation, describeRotation, DEFAULT_RECYCLER_IMAGE, type RotationSpec } from "./rotation";
export { ValidationError, formatProblem, type Problem } from "./problems";
