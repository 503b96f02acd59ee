/**
 * What `rotor status` reads from the cluster, as plain objects: the recycler's shapes (recycler/types.ts) plus the
 * CronJob, Job and Event fields status needs. Every field is optional because the API server omits empty ones.
 */
import type {
  Condition,
  Deployment,
  KubeObject,
  Lease,
  ObjectMeta,
  Pod,
  ReplicaSet,
} from "../recycler/types";

export interface Container {
  readonly name?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

export interface CronJob extends KubeObject {
  readonly spec?: {
    readonly schedule?: string;
    readonly timeZone?: string;
    readonly suspend?: boolean;
    readonly startingDeadlineSeconds?: number;
    readonly jobTemplate?: {
      readonly metadata?: ObjectMeta;
      readonly spec?: {
        readonly activeDeadlineSeconds?: number;
        readonly template?: { readonly spec?: { readonly containers?: readonly Container[] } };
      };
    };
  };
  readonly status?: { readonly lastScheduleTime?: string; readonly lastSuccessfulTime?: string };
}

export interface Job extends KubeObject {
  readonly status?: {
    readonly startTime?: string;
    readonly completionTime?: string;
    readonly active?: number;
    readonly succeeded?: number;
    readonly failed?: number;
    readonly conditions?: readonly Condition[];
  };
}

/** A core/v1 Event, as the recycler records them on the Deployment. */
export interface CoreEvent extends KubeObject {
  readonly reason?: string;
  readonly message?: string;
  readonly type?: string;
  readonly source?: { readonly component?: string };
  readonly reportingComponent?: string;
  readonly firstTimestamp?: string;
  readonly lastTimestamp?: string;
  readonly eventTime?: string;
  readonly count?: number;
}

/** Everything read for one app: its recycler CronJob and what that CronJob points at. */
export interface ObservedApp {
  readonly cronJob: CronJob;
  /** Undefined when the Deployment the CronJob names does not exist. */
  readonly deployment?: Deployment;
  readonly replicaSets: readonly ReplicaSet[];
  readonly pods: readonly Pod[];
  /** Jobs in the namespace; those owned by the CronJob are its runs. */
  readonly jobs: readonly Job[];
  /** The recycler's Lease, if it exists. */
  readonly lease?: Lease;
  /** Events on the Deployment (any source; status keeps the recycler's own). */
  readonly events: readonly CoreEvent[];
}
