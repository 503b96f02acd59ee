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
  recyclerScriptName,
  SHARED_SCRIPT_PREFIX,
  SCRIPT_SHA_ANNOTATION,
  recyclerArgs,
  recyclerName,
  TARGET_ANNOTATION,
  MAX_AGE_ANNOTATION,
  type RecyclerSpec,
  type RecyclerManifests,
} from "./recycler-manifests";
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
export { buildAppManifests, RESTART_ANNOTATION, type AppManifests } from "./app-manifests";
export { buildNamespace } from "./namespace";
export { resolveRotation, describeRotation, DEFAULT_RECYCLER_IMAGE, type RotationSpec } from "./rotation";
export { selectorLabels, objectLabels } from "./labels";
export { ValidationError, formatProblem, type Problem } from "./problems";
