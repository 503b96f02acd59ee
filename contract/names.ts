/**
 * Names: the DNS-1123 rules Kubernetes object names follow and their length limits, the names rotor gives what
 * it creates, and the names it writes under (field manager, Event source).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 */

/** A DNS-1123 label (namespaces, Service and many other names), at most {@link DNS_LABEL_MAX} characters. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_MAX = 63;
/** A DNS-1123 subdomain (Deployment, ConfigMap, Lease names), at most {@link DNS_SUBDOMAIN_MAX} characters. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const DNS_SUBDOMAIN_MAX = 253;

/** A CronJob name leaves 11 characters for the Job suffix. */
export const CRONJOB_NAME_MAX = 52;

const RECYCLER_SUFFIX = "-recycler";

/** App names are DNS-1123 labels short enough for `<name>-recycler` to name a CronJob: 43 characters. */
export const APP_NAME_MAX = CRONJOB_NAME_MAX - RECYCLER_SUFFIX.length;

/** The name of an app's PodRecycler and of each of its objects (ServiceAccount, Role, RoleBinding, Lease, CronJob). */
export function recyclerName(app: string): string {
  return `${app}${RECYCLER_SUFFIX}`;
}

/** Prefix of the script ConfigMap every recycler of a namespace shares: `rotor-recycler-<first 8 hex of sha256>`. */
export const SHARED_SCRIPT_PREFIX = "rotor-recycler";

/**
 * The name of a script ConfigMap: a prefix and the bundle's content hash, so a new rotor version writes a new
 * ConfigMap and every CronJob switches to it in the same apply that brings its new flags (a Job never runs a new
 * script with old flags, or the reverse).
 */
export function recyclerScriptName(
  bundle: { readonly sha256: string },
  prefix = SHARED_SCRIPT_PREFIX,
): string {
  return `${prefix}-${bundle.sha256.slice(0, 8)}`;
}

/** The field manager of every write the recycler makes (evictions, the restart patch, Events, the Lease). */
export const FIELD_MANAGER = "rotor-recycler";
/** The `source.component` and reporting controller of the recycler's Events. */
export const EVENT_SOURCE = "rotor-recycler";
