/**
 * Kubernetes objects as plain data, the one shape everything in policies/ reads. Its own module (re-exported by
 * `model.ts`) so the lookups over objects (`kube.ts`, `kube-index.ts`) and the rule model that uses those lookups
 * do not import each other.
 */

/** A Kubernetes object as parsed from YAML or JSON, or adapted from a Pulumi resource. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: unknown;
  readonly [field: string]: unknown;
}

/** A path into an object, like `["spec", "template", "spec", "containers", 0, "readinessProbe"]`. */
export type FieldPath = readonly (string | number)[];
