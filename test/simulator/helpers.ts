/**
 * Shared set-up for the simulator's tests: a simulator on a virtual clock plus a client, always stopped.
 */
import {
  KubeSimulator,
  VirtualClock,
  type KubeObject,
  type KubeSimulatorOptions,
  type Pod,
} from "../../simulator";
import { HANG_GUARD_MS } from "../helpers/hang-guard";
import { TestClient } from "./client";

/** 2026-01-05T10:00:00Z, a Monday: the virtual epoch of the tests. */
export const T0 = Date.parse("2026-01-05T10:00:00Z");

export interface Harness {
  sim: KubeSimulator;
  clock: VirtualClock;
  client: TestClient;
}

/** Runs `fn` against a fresh simulator and client, and stops both whatever happens. */
export async function withSim<T>(
  options: Omit<KubeSimulatorOptions, "clock"> & { clientToken?: string },
  fn: (h: Harness) => Promise<T>,
): Promise<T> {
  // Server I/O that stays open this long is a hang, not a busy machine (the clock's own default is 20 s).
  const clock = new VirtualClock(T0, { stallRealMs: HANG_GUARD_MS });
  const sim = await KubeSimulator.start({ token: "t0k3n", ...options, clock });
  const client = new TestClient({
    url: sim.url,
    token: options.clientToken ?? options.token ?? "t0k3n",
    clock,
    ca: sim.caCertificate,
  });
  try {
    return await fn({ sim, clock, client });
  } finally {
    client.close();
    await sim.close();
  }
}

/** Seconds since T0. */
export function at(clock: VirtualClock): number {
  return (clock.now() - T0) / 1000;
}

/** Whether a pod is Ready. */
export function ready(pod: Pod | KubeObject): boolean {
  const conditions = ((pod as Pod).status?.conditions ?? []) as Array<{ type: string; status: string }>;
  return conditions.some((c) => c.type === "Ready" && c.status === "True");
}

/** A list response body. */
export interface List<T = KubeObject> {
  kind: string;
  apiVersion: string;
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
  items: T[];
}
