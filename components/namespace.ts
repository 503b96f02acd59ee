import type { INamespace } from "kubernetes-models/v1/Namespace";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../contract/labels";

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
        [MANAGED_BY_LABEL]: MANAGED_BY,
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
      },
    },
  };
}
