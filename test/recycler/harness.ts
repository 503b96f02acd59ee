/**
 * Runs the recycler, unmodified, against the simulator: through a kubeconfig the simulator writes, the same
 * client code as in production, on the simulator's virtual clock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubeSimulator, VirtualClock, type KubeSimulatorOptions, type RequestRecord } from "../../simulator";
import { HANG_GUARD_MS } from "../helpers/hang-guard";
import { loadKubeconfigYaml } from "../../recycler/index";
import { recyclerRoleRules } from "../../contract/rbac";
import type { LogEntry, RecyclerReport } from "../../recycler/report";
import { runRecycler, type RecyclerDeps } from "../../recycler/run";
import { resolveSettings, type RawSettings, type RecyclerSettings } from "../../recycler/settings";

export const NS = "shop";
export const DAY = 86_400_000;
export const HOUR = 3_600_000;
export const START = Date.parse("2026-01-05T10:00:00Z"); // a Monday
export const ADMIN = "admin-token";

export interface Harness {
  readonly sim: KubeSimulator;
  readonly clock: VirtualClock;
  readonly dir: string;
  /** Writes a kubeconfig for `token` and returns its path. */
  kubeconfig(token?: string): string;
  close(): Promise<void>;
}

export interface HarnessOptions extends Omit<KubeSimulatorOptions, "clock"> {
  readonly startMs?: number;
  /** Tokens of recycler principals restricted to recyclerRoleRules (web, web-recycler). */
  readonly recyclerTokens?: readonly string[];
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // Server I/O that stays open this long is a hang, not a busy machine (the clock's own default is 20 s).
  const clock = new VirtualClock(options.startMs ?? START, { stallRealMs: HANG_GUARD_MS });
  const { recyclerTokens, ...simOptions } = options;
  const rest: Omit<HarnessOptions, "recyclerTokens" | "startMs"> = { ...simOptions };
  delete (rest as { startMs?: number }).startMs;
  const principals = (recyclerTokens ?? []).map((token) => ({
    token,
    user: `system:serviceaccount:${NS}:web-recycler-${token}`,
    namespace: NS,
    rules: recyclerRoleRules("web", "web-recycler"),
  }));
  const sim = await KubeSimulator.start({
    token: ADMIN,
    ...rest,
    clock,
    ...(principals.length > 0 ? { authorize: principals } : {}),
  });
  const dir = mkdtempSync(join(tmpdir(), "rotor-recycler-"));
  let n = 0;
  return {
    sim,
    clock,
    dir,
    kubeconfig: (token = ADMIN) =>
      sim.writeKubeconfig(join(dir, `kubeconfig-${n++}.yaml`), { namespace: NS, token }),
    async close() {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function settingsOf(raw: RawSettings): RecyclerSettings {
  const r = resolveSettings({ namespace: NS, deployment: "web", maxAge: "1d", jitter: "0s", ...raw });
  if (!r.ok) throw new Error(r.problems.map((p) => p.message).join("\n"));
  return r.settings;
}

export interface RunSpec {
  readonly raw?: RawSettings;
  readonly token?: string;
  readonly identity?: string;
  readonly deps?: Partial<RecyclerDeps>;
  /** Virtual ms to wait before starting this run. */
  readonly delayMs?: number;
}

export interface RunResult {
  readonly report: RecyclerReport;
  readonly logs: LogEntry[];
  readonly token: string;
}

/** Runs recycler runs concurrently on the virtual clock, each through its own kubeconfig. */
export async function runAll(h: Harness, specs: readonly RunSpec[]): Promise<RunResult[]> {
  const runs = specs.map((spec, i) => {
    const token = spec.token ?? ADMIN;
    const logs: LogEntry[] = [];
    const connection = loadKubeconfigYaml({ kubeconfig: h.kubeconfig(token), clock: h.clock, env: {} });
    return {
      logs,
      token,
      actor: async (): Promise<RunResult> => {
        if (spec.delayMs) await h.clock.sleep(spec.delayMs);
        const report = await runRecycler(settingsOf(spec.raw ?? {}), {
          connection,
          clock: h.clock,
          log: (e) => logs.push(e),
          identity: spec.identity ?? `run-${i}`,
          ...spec.deps,
        });
        return { report, logs, token };
      },
    };
  });
  return h.clock.runActors(runs.map((r) => r.actor));
}

export async function runOne(h: Harness, spec: RunSpec = {}): Promise<RunResult> {
  const [result] = await runAll(h, [spec]);
  return result;
}

/** Requests that change something (anything but GET), optionally of one token. */
export function mutations(requests: readonly RequestRecord[], token?: string): RequestRecord[] {
  return requests.filter((r) => r.method !== "GET" && (token === undefined || r.token === token));
}

/** Seeds the usual app: Deployment web with a surging rolling update, its PDB and its Lease. */
export function seedApp(
  h: Harness,
  options: {
    replicas?: number;
    podAgesMs?: readonly number[];
    pdb?:
      | false
      | {
          minAvailable?: number | string;
          maxUnavailable?: number | string;
          unhealthyPodEvictionPolicy?: "AlwaysAllow" | "IfHealthyBudget";
        };
    lease?: boolean;
    startupMs?: number;
    readyDelayMs?: number;
    terminationMs?: number;
    maxSurge?: number | string;
    maxUnavailable?: number | string;
    annotations?: Record<string, string>;
    paused?: boolean;
    notReady?: readonly number[];
    progressDeadlineSeconds?: number;
  } = {},
): void {
  const replicas = options.replicas ?? 3;
  h.sim.seedDeployment({
    namespace: NS,
    name: "web",
    replicas,
    podAgesMs: options.podAgesMs ?? Array.from({ length: replicas }, (_, i) => (3 - i * 0.5) * DAY),
    strategy: { maxSurge: options.maxSurge ?? 1, maxUnavailable: options.maxUnavailable ?? 0 },
    ...(options.startupMs !== undefined ? { startupMs: options.startupMs } : {}),
    ...(options.readyDelayMs !== undefined ? { readyDelayMs: options.readyDelayMs } : {}),
    ...(options.terminationMs !== undefined ? { terminationMs: options.terminationMs } : {}),
    ...(options.annotations ? { annotations: options.annotations } : {}),
    ...(options.paused ? { paused: true } : {}),
    ...(options.notReady ? { notReady: options.notReady } : {}),
    ...(options.progressDeadlineSeconds ? { progressDeadlineSeconds: options.progressDeadlineSeconds } : {}),
  });
  if (options.pdb !== false) {
    const pdb = options.pdb ?? { maxUnavailable: 1 };
    h.sim.seedPodDisruptionBudget({ namespace: NS, name: "web", ...pdb });
  }
  if (options.lease !== false) h.sim.seedLease({ namespace: NS, name: "web-recycler" });
}
