/**
 * Apps as rotor deploys them, in the simulator: a Deployment with pods of given ages, its PodDisruptionBudget,
 * and the recycler CronJob and Lease exactly as the PodRecycler component renders them; plus a real recycler run
 * with the CronJob's own flags, on the virtual clock.
 */
import { buildRecyclerManifests } from "../../components/recycler-manifests";
import { resolveRotation } from "../../components/rotation";
import type { RotationInput } from "../../components/app-schema";
import { loadKubeconfigYaml } from "../../recycler/kubeconfig-yaml";
import type { RecyclerReport } from "../../recycler/report";
import { runRecycler } from "../../recycler/run";
import { parseRecyclerArgs } from "../../recycler/settings";
import type { KubeObject } from "../../simulator/types";
import type { Harness } from "../recycler/harness";

export interface AppSeed {
  readonly namespace: string;
  readonly name: string;
  readonly replicas: number;
  readonly podAgesMs: readonly number[];
  readonly rotation: RotationInput;
  /** The budget's minAvailable; default maxUnavailable 1. */
  readonly minAvailable?: number;
  readonly annotations?: Record<string, string>;
}

/** Seeds one app and returns its rendered CronJob. */
export function seedRotorApp(h: Harness, seed: AppSeed): KubeObject {
  h.sim.seedDeployment({
    namespace: seed.namespace,
    name: seed.name,
    replicas: seed.replicas,
    podAgesMs: seed.podAgesMs,
    strategy: { maxSurge: 1, maxUnavailable: 0 },
    ...(seed.annotations ? { annotations: seed.annotations } : {}),
  });
  h.sim.seedPodDisruptionBudget({
    namespace: seed.namespace,
    name: seed.name,
    ...(seed.minAvailable !== undefined ? { minAvailable: seed.minAvailable } : { maxUnavailable: 1 }),
  });
  const { spec, problems } = resolveRotation(seed.rotation, { replicas: seed.replicas });
  if (!spec) throw new Error(problems.map((p) => p.message).join("\n"));
  const manifests = buildRecyclerManifests({
    name: `${seed.name}-recycler`,
    namespace: seed.namespace,
    deployment: seed.name,
    partOf: seed.name,
    rotation: spec,
    scriptConfigMap: "rotor-recycler-0123abcd",
  });
  h.sim.seedLease({ namespace: seed.namespace, name: `${seed.name}-recycler` });
  return h.sim.seedCronJob(manifests.cronJob as unknown as KubeObject, { createdAgoMs: 7 * 86_400_000 });
}

/** The recycler's flags from a CronJob: its container's args after the script path. */
export function cronJobFlags(cronJob: KubeObject): string[] {
  const spec = cronJob.spec as {
    jobTemplate: { spec: { template: { spec: { containers: { args: string[] }[] } } } };
  };
  return spec.jobTemplate.spec.template.spec.containers[0]?.args.slice(1) ?? [];
}

/** Runs the recycler once with the CronJob's flags (as its Job would), on the virtual clock. */
export async function runCronJob(h: Harness, cronJob: KubeObject, identity: string): Promise<RecyclerReport> {
  const parsed = parseRecyclerArgs(cronJobFlags(cronJob));
  if (parsed.kind !== "settings")
    throw new Error(`the CronJob's flags do not parse: ${JSON.stringify(parsed)}`);
  const connection = loadKubeconfigYaml({ kubeconfig: h.kubeconfig(), clock: h.clock, env: {} });
  const [report] = await h.clock.runActors([
    () => runRecycler(parsed.settings, { connection, clock: h.clock, log: () => {}, identity }),
  ]);
  return report;
}
