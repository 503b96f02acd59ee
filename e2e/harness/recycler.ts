/**
 * Running the recycler as the CronJob's pod runs it, on this machine: the script from the rendered ConfigMap,
 * run by `node` with the arguments of the rendered CronJob, the in-cluster environment
 * (KUBERNETES_SERVICE_HOST/PORT) and the ServiceAccount files (token, ca.crt, namespace) at their in-pod path
 * /var/run/secrets/kubernetes.io/serviceaccount, which a private mount namespace (`unshare --mount`, root
 * only) provides without touching the machine's own /run. The token comes from the TokenRequest API for the
 * recycler's own ServiceAccount, so the API server authorizes exactly the Role rotor renders.
 *
 * The one difference from a pod: the recycler's wall clock can run ahead (clock-ahead.cjs), so that pods
 * created seconds ago are old enough to rotate.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { e2e, run, type CommandResult } from "./context";
import type { KubeObject } from "./rotor";

export const CLOCK_AHEAD = join(__dirname, "clock-ahead.cjs");

export interface RecyclerReport {
  result: string;
  reason?: string;
  wouldBe?: string;
  rotated: string[];
  rotations: { pod: string; replacement?: string; evictedAt: string; readyAt?: string; tookMs?: number }[];
  plan?: { pod: string; order: number }[];
  requests: number;
  exitCode: number;
  durationMs: number;
}

export interface RecyclerRun extends CommandResult {
  readonly lines: Record<string, unknown>[];
  readonly report: RecyclerReport | undefined;
}

export function parseRun(res: CommandResult): RecyclerRun {
  const lines = res.stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const report = lines.find((l) => l.msg === "report") as unknown as RecyclerReport | undefined;
  return { ...res, lines, report };
}

/** A token for a ServiceAccount from the TokenRequest API, as the kubelet gets one for a pod. */
export async function serviceAccountToken(ns: string, name: string, seconds = 3600): Promise<string> {
  const tr = await e2e().admin.must<{ status: { token: string } }>(
    "POST",
    `/api/v1/namespaces/${ns}/serviceaccounts/${name}/token`,
    { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: seconds } },
  );
  return tr.status.token;
}

export interface InClusterOptions {
  /** The rendered objects of the app (its ConfigMap and CronJob are used). */
  readonly objects: readonly KubeObject[];
  /** The recycler CronJob's name. */
  readonly cronJob: string;
  /** Arguments replacing (by flag) or added to the CronJob's. */
  readonly args?: readonly string[];
  readonly clockAheadMs?: number;
  /** The pod name the run believes it has (HOSTNAME). @default `<cronJob>-e2e` */
  readonly podName?: string;
}

/** Runs the recycler once exactly as the CronJob's container would, and returns what it printed. */
export async function runInCluster(options: InClusterOptions): Promise<RecyclerRun> {
  const { state } = e2e();
  const cron = options.objects.find((o) => o.kind === "CronJob" && o.metadata.name === options.cronJob);
  if (!cron) throw new Error(`no CronJob ${options.cronJob} among the rendered objects`);
  const ns = cron.metadata.namespace ?? "";
  type Container = { command: string[]; args: string[]; volumeMounts: { name: string; mountPath: string }[] };
  const podSpec = (
    cron.spec as {
      jobTemplate: {
        spec: {
          template: {
            spec: {
              serviceAccountName: string;
              containers: Container[];
              volumes: { name: string; configMap?: { name: string } }[];
            };
          };
        };
      };
    }
  ).jobTemplate.spec.template.spec;
  const container = podSpec.containers[0];
  const volume = podSpec.volumes.find((v) => v.configMap)!;
  const configMap = options.objects.find(
    (o) => o.kind === "ConfigMap" && o.metadata.name === volume.configMap?.name,
  );
  if (!configMap) throw new Error(`no ConfigMap ${volume.configMap?.name} among the rendered objects`);
  const mount = container.volumeMounts.find((m) => m.name === volume.name)!;

  // The ConfigMap's files, at a directory standing in for the volume's mount path.
  const dir = mkdtempSync(join(tmpdir(), "rotor-recycler-"));
  const scriptDir = join(dir, "script");
  const saDir = join(dir, "serviceaccount");
  mkdirSync(scriptDir);
  mkdirSync(saDir);
  for (const [file, content] of Object.entries(configMap.data as Record<string, string>)) {
    writeFileSync(join(scriptDir, file), content);
  }
  writeFileSync(join(saDir, "token"), await serviceAccountToken(ns, podSpec.serviceAccountName));
  writeFileSync(join(saDir, "ca.crt"), e2e().admin.credentials.ca);
  writeFileSync(join(saDir, "namespace"), ns);

  const args = mergeArgs(
    container.args.map((a) =>
      a.startsWith(`${mount.mountPath}/`) ? join(scriptDir, a.slice(mount.mountPath.length + 1)) : a,
    ),
    options.args ?? [],
  );
  const url = new URL(state.server);
  const inPod = "/var/run/secrets/kubernetes.io/serviceaccount";
  const shell = [
    "set -e",
    "mount -t tmpfs tmpfs /run",
    `mkdir -p ${inPod}`,
    `cp "$SA_DIR"/token "$SA_DIR"/ca.crt "$SA_DIR"/namespace ${inPod}/`,
    'exec "$@"',
  ].join("; ");
  const res = await run(
    "unshare",
    ["--mount", "--propagation", "private", "sh", "-c", shell, "sh", ...container.command, ...args],
    {
      env: {
        PATH: process.env.PATH,
        SA_DIR: saDir,
        KUBERNETES_SERVICE_HOST: url.hostname,
        KUBERNETES_SERVICE_PORT: url.port,
        HOSTNAME: options.podName ?? `${options.cronJob}-e2e`,
        ...(options.clockAheadMs
          ? {
              NODE_OPTIONS: `--require ${CLOCK_AHEAD}`,
              ROTOR_E2E_CLOCK_AHEAD_MS: String(options.clockAheadMs),
            }
          : {}),
      },
    },
  );
  return parseRun(res);
}

/** The CronJob's args with `--flag value` pairs from `extra` replacing the same flags, or appended. */
export function mergeArgs(base: readonly string[], extra: readonly string[]): string[] {
  const out = [...base];
  for (let i = 0; i < extra.length; i++) {
    const flag = extra[i];
    const value = extra[i + 1];
    const takesValue = value !== undefined && !value.startsWith("--");
    const at = out.indexOf(flag);
    if (takesValue) {
      if (at >= 0) out[at + 1] = value;
      else out.push(flag, value);
      i++;
    } else if (at < 0) out.push(flag);
  }
  return out;
}
