/**
 * How a rotor command run from a laptop (or a pod) finds the API server, as kubectl does: `--kubeconfig`, else
 * `KUBECONFIG`, else `~/.kube/config`; in a pod without any kubeconfig, the pod's service account.
 */
import { existsSync } from "node:fs";
import type { Clock } from "../recycler/clock";
import { inClusterConnection, isInCluster, type Connection } from "../recycler/connection";
import { kubeconfigFiles } from "../recycler/kubeconfig";
import { loadKubeconfigYaml } from "../recycler/kubeconfig-yaml";

export interface ConnectOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
}

/** The connection for `options`; throws the kubeconfig loader's errors (they name the file and the entry). */
export function connect(
  options: ConnectOptions,
  env: Readonly<Record<string, string | undefined>>,
  clock: Clock,
): Connection {
  const files = kubeconfigFiles({ ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}), env });
  const haveKubeconfig =
    options.kubeconfig !== undefined || env.KUBECONFIG || files.some((f) => existsSync(f));
  return !haveKubeconfig && isInCluster(env)
    ? inClusterConnection({ env })
    : loadKubeconfigYaml({
        ...(options.kubeconfig ? { kubeconfig: options.kubeconfig } : {}),
        ...(options.context ? { context: options.context } : {}),
        env,
        clock,
      });
}
