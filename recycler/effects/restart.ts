/** A rollout restart as `kubectl rollout restart` does it: the `restartedAt` annotation on the pod template. */
import type { KubeClient } from "../kube-client";
import { RESTARTED_AT_ANNOTATION } from "../../contract/annotations";
import type { Deployment } from "../types";
import { FIELD_MANAGER } from "../../contract/names";

/** Patches `restartedAt` into the Deployment's pod template; resolves with the patched Deployment. */
export async function restartDeployment(
  client: KubeClient,
  namespace: string,
  name: string,
  restartedAt: string,
): Promise<Deployment | undefined> {
  return client.request<Deployment>("PATCH", `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`, {
    query: { fieldManager: FIELD_MANAGER },
    contentType: "application/merge-patch+json",
    body: { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } },
  });
}
