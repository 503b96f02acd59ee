/** Store keys of the resource types the cluster's parts use (`group/resource`, core resources without a group). */
export const PODS = "pods";
export const DEPLOYMENTS = "apps/deployments";
export const REPLICASETS = "apps/replicasets";
export const PDBS = "policy/poddisruptionbudgets";
export const LEASES = "coordination.k8s.io/leases";
export const EVENTS = "events";
