/**
 * The recycler's public surface for the rest of rotor (components, CLI, tests, bench). The in-cluster entry is
 * `./main.ts`; it does not import this file, so what is re-exported here (like the YAML kubeconfig loader) never
 * reaches the bundle.
 */
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
export { loadKubeconfigYaml } from "./kubeconfig-yaml";
export { backoffDelay, DEFAULT_RETRY, KubeClient, type RequestRecord, type RetryPolicy } from "./kube-client";
export { LeaseLock, leaseState } from "./lease";
export * from "./plan";
export * from "./report";
export { describeError, leaseDurationSeconds, runRecycler, type RecyclerDeps } from "./run";
export * from "./settings";
export { recyclerBundle, recyclerBundleInputs, type RecyclerBundle } from "./bundle";
