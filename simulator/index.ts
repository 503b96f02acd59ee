/**
 * The Kubernetes API simulator: test and benchmark infrastructure for rotor's recycler. See README.md.
 */
export { KubeSimulator, TLS_FIXTURE_DIR } from "./simulator";
export type {
  KubeSimulatorOptions,
  SeedDeployment,
  SeedJob,
  SeedLease,
  SeedPodDisruptionBudget,
} from "./simulator";
export { VirtualClock, SystemSimClock } from "./clock";
export type { SimClock, TimerHandle, RunActorsOptions, VirtualClockOptions } from "./clock";
export type {
  FaultPlan,
  RequestFault,
  RequestMatch,
  WatchDropFault,
  PodFault,
  ScaleFault,
  PdbLagFault,
  FaultRecord,
} from "./faults";
export type { PodLifecycle } from "./kubelet";
export type { Principal } from "./rbac";
export type { Cause } from "./context";
export type { Violation } from "./monitor";
export type { RequestRecord, EvictionRecord, DenialRecord } from "./server";
export type { KubeconfigOptions } from "./kubeconfig";
export type { WatchHistoryOptions } from "./store";
export type { Status, StatusCause, StatusDetails } from "./status";
export type * from "./types";
