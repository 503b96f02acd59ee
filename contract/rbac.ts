/**
 * The recycler's Role, as data: the PodRecycler component renders it, and the tests grant exactly it to the
 * recycler in the simulator and on the real control plane, so this function is the single source of truth for
 * what the recycler may do.
 *
 * Least privilege, matching exactly the requests in `recycler/run.ts` and `recycler/lease.ts`:
 * - the Deployment, by name: `list`/`watch` (always with `fieldSelector=metadata.name=<name>`, which RBAC lets
 *   `resourceNames` authorize) and `patch` (the restart strategy's pod-template annotation only). No
 *   `get`: the run lists it by name, which also gives the resourceVersion its watch starts from.
 * - ReplicaSets: `list`, to find the current one (RBAC cannot restrict list by label).
 * - Pods: `list`/`watch`; `pods/eviction`: `create` (RBAC cannot name objects on create). Never pod `delete`.
 * - PodDisruptionBudgets: `list`/`watch` (their names are not known in advance).
 * - The Lease, by name: `get`/`update` (holding it, and writing the run's `rotor.dev/last-run` report on it).
 *   Not `create`: the component pre-creates it, and a create cannot be
 *   restricted by name; a missing Lease makes the run fail with that explanation.
 * - Events: `create` (core/v1).
 * Nothing on Secrets, no wildcards.
 */

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** The Role rules the recycler for `deployment`, using Lease `lease`, needs in its namespace. */
export function recyclerRoleRules(deployment: string, lease: string): PolicyRule[] {
  return [
    {
      apiGroups: ["apps"],
      resources: ["deployments"],
      resourceNames: [deployment],
      verbs: ["list", "watch", "patch"],
    },
    { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["list"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"] },
    { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["list", "watch"] },
    {
      apiGroups: ["coordination.k8s.io"],
      resources: ["leases"],
      resourceNames: [lease],
      verbs: ["get", "update"],
    },
    { apiGroups: [""], resources: ["events"], verbs: ["create"] },
  ];
}
