/**
 * The `app.kubernetes.io/*` labels rotor puts on everything it creates. Only `name` and `instance` ever appear in
 * a selector: selectors are immutable on a Deployment, so they must not carry anything that changes, like the
 * version. The recycler's objects get their own name and instance so its Job pods never match the app's
 * selector (the Service would send them traffic and the recycler could evict itself).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */

export const NAME_LABEL = "app.kubernetes.io/name";
export const INSTANCE_LABEL = "app.kubernetes.io/instance";
export const COMPONENT_LABEL = "app.kubernetes.io/component";
export const PART_OF_LABEL = "app.kubernetes.io/part-of";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const VERSION_LABEL = "app.kubernetes.io/version";

/** `app.kubernetes.io/managed-by` on everything rotor creates. */
export const MANAGED_BY = "rotor";
/** `app.kubernetes.io/component` (and `name`) of the recycler's objects; the policy rules find recyclers by it. */
export const RECYCLER_COMPONENT = "pod-recycler";
/** `app.kubernetes.io/component` of an app's own objects. */
export const APP_COMPONENT = "server";

/** The labels that select an app's pods: the Deployment's, the Service's and the PDB's selector. */
export function selectorLabels(app: string): Record<string, string> {
  return { [NAME_LABEL]: app, [INSTANCE_LABEL]: app };
}

/** The labels that select the pods of the recycler named `recycler` (`<app>-recycler` for an app's). */
export function recyclerSelectorLabels(recycler: string): Record<string, string> {
  return { [NAME_LABEL]: RECYCLER_COMPONENT, [INSTANCE_LABEL]: recycler };
}

/** Every label of an object: its selector labels plus component, part-of, managed-by, version and extras. */
export function objectLabels(
  selector: Readonly<Record<string, string>>,
  component: typeof APP_COMPONENT | typeof RECYCLER_COMPONENT,
  options: { partOf: string; version?: string; extra?: Readonly<Record<string, string>> },
): Record<string, string> {
  return {
    ...options.extra,
    ...selector,
    [COMPONENT_LABEL]: component,
    [PART_OF_LABEL]: options.partOf,
    [MANAGED_BY_LABEL]: MANAGED_BY,
    ...(options.version ? { [VERSION_LABEL]: options.version } : {}),
  };
}
