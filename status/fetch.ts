/**
 * The thin layer of `rotor status` that talks to the API server, with the recycler's own client
 * (recycler/kube-client.ts): it finds rotor's recycler CronJobs by label and reads, per app, exactly what
 * `./app-status.ts` needs. Every request here is one `./rbac.ts` allows; nothing is written.
 */
import { classifyFailure } from "../recycler/errors";
import type { KubeClient } from "../recycler/kube-client";
import { type Deployment, type Lease, type ObjectList, type Pod, type ReplicaSet } from "../recycler/types";
import { cronJobSettings, isRecyclerCronJob, RECYCLER_CRONJOB_SELECTOR } from "./app-status";
import type { Scope } from "./format";
import type { CoreEvent, CronJob, Job, ObservedApp } from "./types";
import { TARGET_ANNOTATION } from "../contract/annotations";
import { selectorIsEmpty, selectorToQuery } from "../contract/label-selector";

/** A GET that answers 404 is "not there", not a failure. */
async function getOptional<T>(client: KubeClient, path: string): Promise<T | undefined> {
  try {
    return await client.request<T>("GET", path);
  } catch (error) {
    if (classifyFailure(error).kind === "not-found") return undefined;
    throw error;
  }
}

async function list<T>(client: KubeClient, path: string, query: Record<string, string> = {}): Promise<T[]> {
  const answer = await client.request<ObjectList<T>>("GET", path, { query });
  return [...(answer.items ?? [])];
}

/** rotor's recycler CronJobs in the scope, in namespace/name order. */
export async function recyclerCronJobs(client: KubeClient, scope: Scope): Promise<CronJob[]> {
  const path =
    "namespace" in scope
      ? `/apis/batch/v1/namespaces/${scope.namespace}/cronjobs`
      : "/apis/batch/v1/cronjobs";
  const items = await list<CronJob>(client, path, { labelSelector: RECYCLER_CRONJOB_SELECTOR });
  return items
    .filter(isRecyclerCronJob)
    .sort(
      (a, b) =>
        (a.metadata?.namespace ?? "").localeCompare(b.metadata?.namespace ?? "") ||
        (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""),
    );
}

/** Everything status reads for the app of one recycler CronJob. */
export async function observeApp(client: KubeClient, cronJob: CronJob): Promise<ObservedApp> {
  const ns = cronJob.metadata?.namespace ?? "";
  const name = cronJob.metadata?.annotations?.[TARGET_ANNOTATION] ?? "";
  const { settings } = cronJobSettings(cronJob);
  const instance = cronJob.spec?.jobTemplate?.metadata?.labels?.["app.kubernetes.io/instance"];
  const [deployment, jobs, lease, events] = await Promise.all([
    getOptional<Deployment>(client, `/apis/apps/v1/namespaces/${ns}/deployments/${name}`),
    list<Job>(
      client,
      `/apis/batch/v1/namespaces/${ns}/jobs`,
      instance ? { labelSelector: `app.kubernetes.io/instance=${instance}` } : {},
    ),
    getOptional<Lease>(client, `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${settings.lease}`),
    list<CoreEvent>(client, `/api/v1/namespaces/${ns}/events`, {
      fieldSelector: `involvedObject.kind=Deployment,involvedObject.name=${name}`,
    }),
  ]);
  let replicaSets: ReplicaSet[] = [];
  let pods: Pod[] = [];
  const selector = deployment?.spec?.selector;
  if (selector && !selectorIsEmpty(selector)) {
    const labelSelector = selectorToQuery(selector);
    [replicaSets, pods] = await Promise.all([
      list<ReplicaSet>(client, `/apis/apps/v1/namespaces/${ns}/replicasets`, { labelSelector }),
      list<Pod>(client, `/api/v1/namespaces/${ns}/pods`, { labelSelector }),
    ]);
  }
  return {
    cronJob,
    ...(deployment ? { deployment } : {}),
    replicaSets,
    pods,
    jobs,
    ...(lease ? { lease } : {}),
    events,
  };
}

/** Every app in the scope, observed. */
export async function observeApps(client: KubeClient, scope: Scope): Promise<ObservedApp[]> {
  const cronJobs = await recyclerCronJobs(client, scope);
  const apps: ObservedApp[] = [];
  for (const cronJob of cronJobs) apps.push(await observeApp(client, cronJob));
  return apps;
}
