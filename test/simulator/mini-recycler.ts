/**
 * A small stand-in for the recycler, used to drive the simulator in tests: rotate the oldest pod of a
 * Deployment `rotations` times, evicting it and waiting on a watch until a new pod is Ready, with the error
 * handling a real client needs (429 back-off, 5xx retry, request timeouts, dropped watches, 410 Expired).
 */
import { TimeoutError } from "../../recycler/clock";
import type { Pod, VirtualClock } from "../../simulator";
import type { TestClient } from "./client";
import { T0, type List } from "./helpers";

export interface MiniRecyclerResult {
  readonly rotated: number;
  readonly result: "rotated" | "blocked" | "failed";
  readonly trace: string[];
}

const isReady = (p: Pod) =>
  !p.metadata.deletionTimestamp &&
  (p.status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

export async function miniRecycler(
  client: TestClient,
  clock: VirtualClock,
  options: { namespace: string; deployment: string; rotations: number; pauseMs?: number },
): Promise<MiniRecyclerResult> {
  const { namespace, deployment } = options;
  const pods = `/api/v1/namespaces/${namespace}/pods`;
  const selector = `labelSelector=${encodeURIComponent(`app.kubernetes.io/name=${deployment}`)}`;
  const trace: string[] = [];
  const t = () => `${(clock.now() - T0) / 1000}s`;
  let rotated = 0;
  for (let round = 0; round < options.rotations; round++) {
    let list: List<Pod> | undefined;
    let victim: Pod | undefined;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= 12) return { rotated, result: "blocked", trace };
      try {
        const r = await client.get<List<Pod>>(`${pods}?${selector}`);
        if (r.status !== 200) {
          trace.push(`${t()} list ${r.status}`);
          await clock.sleep(5000);
          continue;
        }
        list = r.json;
        victim = list.items
          .filter(isReady)
          .sort((a, b) => a.metadata.creationTimestamp!.localeCompare(b.metadata.creationTimestamp!))[0];
        if (!victim) {
          await clock.sleep(10_000);
          continue;
        }
        const e = await client.evict(namespace, victim.metadata.name!);
        trace.push(`${t()} evict ${e.status}`);
        if (e.status === 201) break;
        const retryAfter = Number(e.headers["retry-after"] ?? 0);
        await clock.sleep(Math.max(retryAfter * 1000, e.status === 429 ? 10_000 : 5000));
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        trace.push(`${t()} timeout`);
      }
    }
    // Wait for a Ready pod that was not there before.
    const known = new Set(list.items.map((p) => p.metadata.name));
    let rv = list.metadata.resourceVersion;
    const deadline = clock.now() + 10 * 60_000;
    let replaced = false;
    while (!replaced && clock.now() < deadline) {
      let watch;
      try {
        watch = await client.watch(
          `${pods}?watch=1&${selector}&resourceVersion=${rv}&allowWatchBookmarks=true`,
        );
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        trace.push(`${t()} watch timeout`);
        continue;
      }
      if (watch.status !== 200) {
        watch.close();
        trace.push(`${t()} watch ${watch.status}`);
        await clock.sleep(5000);
        continue;
      }
      for (;;) {
        const event = await watch.next(Math.max(1, deadline - clock.now()));
        if (event === "timeout") break;
        if (event === "closed") {
          trace.push(`${t()} watch closed`);
          break;
        }
        if (event.type === "ERROR") {
          trace.push(`${t()} watch error ${(event.object as { code?: number }).code}`);
          const fresh = await client.get<List<Pod>>(`${pods}?${selector}`).catch(() => undefined);
          if (fresh?.status === 200) {
            rv = fresh.json.metadata.resourceVersion;
            if (fresh.json.items.some((p) => !known.has(p.metadata.name) && isReady(p))) replaced = true;
          }
          break;
        }
        rv = event.object.metadata.resourceVersion!;
        if (
          event.type !== "BOOKMARK" &&
          event.type !== "DELETED" &&
          !known.has(event.object.metadata.name) &&
          isReady(event.object as Pod)
        ) {
          replaced = true;
          break;
        }
      }
      watch.close();
    }
    if (!replaced) {
      trace.push(`${t()} replacement not ready`);
      return { rotated, result: "failed", trace };
    }
    rotated++;
    trace.push(`${t()} rotated`);
    await clock.sleep(options.pauseMs ?? 3_600_000);
  }
  return { rotated, result: "rotated", trace };
}
