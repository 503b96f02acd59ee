/**
 * The recycler's public surface for the rest of rotor (components, CLI, tests, bench). The in-cluster entry is
 * `./main.ts`; it does not import this file, so what is re-exported here (like the YAML kubeconfig loader) never
 * reaches the bundle.
 */
import { parse as parseYaml } from "yaml";
import type { Clock } from "./clock";
import type { Connection } from "./connection";
import { execPlugin } from "./exec-plugin";
import { loadKubeconfig, type KubeconfigOptions } from "./kubeconfig";

export { systemClock, TimeoutError, type Clock } from "./clock";
export { inClusterConnection, isInCluster, type Connection, type Credentials } from "./connection";
export {
  ApiError,
  budgetCause,
  classifyFailure,
  NetworkError,
  RetriesExhaustedError,
  type Failure,
  type FailureKind,
} from "./errors";
export { ExecPlugin, execPlugin } from "./exec-plugin";
export { KubeconfigError, kubeconfigFiles, loadKubeconfig, parseJsonKubeconfig } from "./kubeconfig";
export { backoffDelay, DEFAULT_RETRY, KubeClient, type RequestRecord, type RetryPolicy } from "./kube-client";
export { LeaseLock, leaseState } from "./lease";
export * from "./plan";
export { recyclerRoleRules, type PolicyRule } from "./rbac";
export * from "./report";
export {
  describeError,
  EVENT_SOURCE,
  FIELD_MANAGER,
  leaseDurationSeconds,
  runRecycler,
  type RecyclerDeps,
} from "./run";
export * from "./settings";
export { recyclerBundle, recyclerBundleInputs, type RecyclerBundle } from "./bundle";

/** Loads a YAML (or JSON) kubeconfig, exec plugins included: what `rotor recycle` and the tests use. */
export function loadKubeconfigYaml(
  options: Omit<KubeconfigOptions, "parse" | "exec"> & { clock: Clock },
): Connection {
  return loadKubeconfig({ ...options, parse: (text) => parseYaml(text) as unknown, exec: execPlugin });
}
