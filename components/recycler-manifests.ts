import type { ICronJob } from "kubernetes-models/batch/v1/CronJob";
import type { ILease } from "kubernetes-models/coordination.k8s.io/v1/Lease";
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { IConfigMap } from "kubernetes-models/v1/ConfigMap";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { MAX_AGE_ANNOTATION, SCRIPT_SHA_ANNOTATION, TARGET_ANNOTATION } from "../contract/annotations";
import {
  COMPONENT_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  NAME_LABEL,
  objectLabels,
  RECYCLER_COMPONENT,
  recyclerSelectorLabels,
} from "../contract/labels";
import { recyclerRoleRules } from "../contract/rbac";
import type { RecyclerBundle } from "../recycler/bundle";
import type { RotationSpec } from "./rotation-spec";
import { shortestPeriodMs } from "./schedule";

/** A recycler: which Deployment it rotates, how, and what its own objects are called. */
export interface RecyclerSpec {
  /** Name of every object of the recycler (ServiceAccount, Role, RoleBinding, Lease, CronJob). */
  readonly name: string;
  readonly namespace: string;
  /** The Deployment it rotates, in the same namespace. */
  readonly deployment: string;
  readonly partOf: string;
  readonly rotation: RotationSpec;
  /** The ConfigMap holding the recycler script, in the same namespace (see {@link buildRecyclerScript}). */
  readonly scriptConfigMap: string;
}

/** Every object of one recycler; the script ConfigMap it mounts is shared, see {@link buildRecyclerScript}. */
export interface RecyclerManifests {
  readonly serviceAccount: IServiceAccount;
  readonly role: IRole;
  readonly roleBinding: IRoleBinding;
  readonly lease: ILease;
  readonly cronJob: ICronJob;
}

/** Where the bundle is mounted in the recycler's container, and the file name in the ConfigMap. */
export const SCRIPT_DIR = "/opt/rotor";
export const SCRIPT_FILE = "recycler.js";
/** The official node images run as user `node`, UID and GID 1000. */
export const RECYCLER_UID = 1000;
/** Headroom for a run beyond its rotations: lease, listing, events and backoff. */
const RUN_OVERHEAD_SECONDS = 300;

/**
 * The ConfigMap with the bundled recycler: one per namespace, mounted (not read through the API) by every recycler
 * CronJob there, so the Role needs no access to it. Immutable, as its name changes whenever its content does.
 */
export function buildRecyclerScript(namespace: string, name: string, bundle: RecyclerBundle): IConfigMap {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      name,
      namespace,
      labels: {
        [NAME_LABEL]: RECYCLER_COMPONENT,
        [COMPONENT_LABEL]: RECYCLER_COMPONENT,
        [MANAGED_BY_LABEL]: MANAGED_BY,
      },
      annotations: { [SCRIPT_SHA_ANNOTATION]: bundle.sha256 },
    },
    immutable: true,
    data: { [SCRIPT_FILE]: bundle.code },
  };
}

/** The recycler's command-line flags, the same ones `rotor recycle` takes on a laptop. */
export function recyclerArgs(spec: RecyclerSpec): string[] {
  const r = spec.rotation;
  return [
    `${SCRIPT_DIR}/${SCRIPT_FILE}`,
    "--namespace",
    spec.namespace,
    "--deployment",
    spec.deployment,
    "--max-age",
    r.maxAge,
    "--jitter",
    r.jitter,
    "--max-rotations",
    String(r.maxRotationsPerRun),
    "--time-zone",
    r.timeZone,
    ...r.windows.flatMap((w) => ["--window", w]),
    "--strategy",
    r.strategy,
    "--ready-timeout",
    r.readyTimeout,
    "--lease",
    spec.name,
    ...(r.dryRun ? ["--dry-run"] : []),
  ];
}

/**
 * The recycler CronJob's `startingDeadlineSeconds`: a run that starts later than this is skipped. Half the
 * schedule's period (10s to 5m), so a late run never overlaps the next one. `rotor plan` counts it as the latest
 * a run can start.
 */
export function recyclerStartingDeadlineSeconds(schedule: string, timeZone: string): number {
  const periodSeconds = Math.floor(shortestPeriodMs(schedule, timeZone) / 1000);
  return Math.max(10, Math.min(300, Math.floor(periodSeconds / 2)));
}

/** Builds a recycler's objects. The CronJob runs the bundled recycler from the script ConfigMap in a pinned Node image. */
export function buildRecyclerManifests(spec: RecyclerSpec): RecyclerManifests {
  const labels = objectLabels(recyclerSelectorLabels(spec.name), RECYCLER_COMPONENT, { partOf: spec.partOf });
  const metadata = () => ({ name: spec.name, namespace: spec.namespace, labels: { ...labels } });
  const r = spec.rotation;
  const startingDeadlineSeconds = recyclerStartingDeadlineSeconds(r.schedule, r.timeZone);
  const activeDeadlineSeconds =
    r.maxRotationsPerRun * Math.ceil(r.readyTimeoutMs / 1000) + RUN_OVERHEAD_SECONDS;

  return {
    serviceAccount: { apiVersion: "v1", kind: "ServiceAccount", metadata: metadata() },
    role: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: metadata(),
      rules: recyclerRoleRules(spec.deployment, spec.name),
    },
    roleBinding: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: metadata(),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: spec.name },
      subjects: [{ kind: "ServiceAccount", name: spec.name, namespace: spec.namespace }],
    },
    lease: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: metadata(), spec: {} },
    cronJob: {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: {
        ...metadata(),
        annotations: { [TARGET_ANNOTATION]: spec.deployment, [MAX_AGE_ANNOTATION]: r.maxAge },
      },
      spec: {
        schedule: r.schedule,
        timeZone: r.timeZone,
        concurrencyPolicy: "Forbid",
        startingDeadlineSeconds,
        suspend: r.suspend,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels: { ...labels } },
          spec: {
            backoffLimit: 0,
            activeDeadlineSeconds,
            ttlSecondsAfterFinished: 86_400,
            template: {
              // The script ConfigMap's name carries the bundle's hash, so a new bundle changes the pod template.
              metadata: { labels: { ...labels } },
              spec: {
                serviceAccountName: spec.name,
                automountServiceAccountToken: true,
                restartPolicy: "Never",
                enableServiceLinks: false,
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: RECYCLER_UID,
                  runAsGroup: RECYCLER_UID,
                  seccompProfile: { type: "RuntimeDefault" },
                },
                containers: [
                  {
                    name: "recycler",
                    image: r.image,
                    command: ["node"],
                    args: recyclerArgs(spec),
                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                    securityContext: {
                      allowPrivilegeEscalation: false,
                      readOnlyRootFilesystem: true,
                      runAsNonRoot: true,
                      capabilities: { drop: ["ALL"] },
                    },
                    volumeMounts: [{ name: "script", mountPath: SCRIPT_DIR, readOnly: true }],
                  },
                ],
                volumes: [{ name: "script", configMap: { name: spec.scriptConfigMap, defaultMode: 0o444 } }],
              },
            },
          },
        },
      },
    },
  };
}
