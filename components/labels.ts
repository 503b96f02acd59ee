/**
 * The `app.kubernetes.io/*` labels rotor puts on everything it creates. Only `name` and `instance` ever appear in
 * a selector: selectors are immutable on a Deployment, so they must not carry anything that changes, like the
 * version. The recycler's objects get their own name and instance so its Job pods never match the app's
 * selector (the Service would send them traffic and the recycler could evict itself).
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/
 */

/** The labels that select an app's pods: the Deployment's, the Service's and the PDB's selector. */
export function selectorLabels(app: string): Record<string, string> {
  return { "app.kubernetes.io/name": app, "app.kubernetes.io/instance": app };
}

/** The labels that select the recycler's own pods for app `app`. */
export function recyclerSelectorLabels(app: string): Record<string, string> {
  return { "app.kubernetes.io/name": "pod-recycler", "app.kubernetes.io/instance": `${app}-recycler` };
}

/** Every label of an object: its selector labels plus component, part-of, managed-by, version and extras. */
export function objectLabels(
  selector: Readonly<Record<string, string>>,
  component: "server" | "pod-recycler",
  options: { partOf: string; version?: string; extra?: Readonly<Record<string, string>> },
): Record<string, string> {
  return {
    ...options.extra,
    ...selector,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/part-of": options.partOf,
    "app.kubernetes.io/managed-by": "rotor",
    ...(options.version ? { "app.kubernetes.io/version": options.version } : {}),
  };
}
