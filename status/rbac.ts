/**
 * What `rotor status` may read, as data: the README's Role and ClusterRole, the simulator's RBAC checks and the
 * e2e test's bindings all use these rules, so they match exactly the requests in `./fetch.ts`:
 * - CronJobs: `list` (rotor's recyclers are found by label; their names are not known in advance).
 * - Deployments: `get`, by the name each CronJob's `rotor.dev/target-deployment` gives.
 * - ReplicaSets and Pods: `list` by the Deployment's selector (which pods are the Deployment's, and their ages).
 * - Jobs: `list` by the recycler's labels (the CronJob's runs).
 * - Leases: `get` (the recycler's `rotor.dev/last-run` report).
 * - Events: `list` by `involvedObject` (the recycler's PodRotated, RotationBlocked, ... Events).
 * Read-only: no watch, no write, nothing on Secrets, no wildcards.
 */
import type { PolicyRule } from "../contract/rbac";

/** The rules of the `rotor-status` Role (one namespace) or ClusterRole (`--all-namespaces`). */
export function statusRoleRules(): PolicyRule[] {
  return [
    { apiGroups: ["batch"], resources: ["cronjobs", "jobs"], verbs: ["list"] },
    { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["list"] },
    { apiGroups: [""], resources: ["pods", "events"], verbs: ["list"] },
    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["get"] },
  ];
}
