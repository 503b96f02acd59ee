import type { INamespace } from "kubernetes-models/v1/Namespace";

/**
 * A namespace for rotor's apps, labelled so the API server enforces Pod Security "restricted": a pod that is
 * not (a hand-edited Deployment, a debug pod) is refused, not just flagged.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
 */
export function buildNamespace(name: string): INamespace {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "app.kubernetes.io/managed-by": "rotor",
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    },
  };
}
