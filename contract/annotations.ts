/**
 * The annotations rotor writes and reads: its own under `rotor.dev/`, and the one `kubectl rollout restart`
 * writes, which the recycler's restart strategy writes the same way. docs/architecture.md has the table.
 */

/** On a recycler CronJob: the name of the Deployment it rotates, in the same namespace. */
export const TARGET_ANNOTATION = "rotor.dev/target-deployment";
/** On a recycler CronJob: the max pod age it enforces, as a duration (`24h`). */
export const MAX_AGE_ANNOTATION = "rotor.dev/max-pod-age";
/** On a Deployment: `"true"` makes the recycler skip it. */
export const PAUSED_ANNOTATION = "rotor.dev/paused";
/** On a recycler's Lease: the JSON report of its last run, `{time, result, rotated, reason}`. */
export const LAST_RUN_ANNOTATION = "rotor.dev/last-run";
/** On the recycler script's ConfigMap: the bundle's full sha256. */
export const SCRIPT_SHA_ANNOTATION = "rotor.dev/recycler-sha256";
/** Prefix of a waiver: `rotor.dev/waive.<rule-id>: "<reason>"` on the object a finding is about. */
export const WAIVER_PREFIX = "rotor.dev/waive.";
/** On a pod template: written by `kubectl rollout restart` and by the recycler's restart strategy. */
export const RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt";
