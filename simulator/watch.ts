/**
 * Watch streams, as the watch cache serves them: newline-delimited JSON events on a chunked 200 response.
 * Without a resourceVersion (or with "0") a watch starts with synthetic ADDED events for the current state;
 * with one it replays the changes strictly after it, or sends a single ERROR event with a 410 Expired Status
 * when they left the history. Selector transitions become ADDED/DELETED like upstream's filtered watches;
 * BOOKMARK events come every minute and two seconds before the timeout when `allowWatchBookmarks` is set;
 * `timeoutSeconds` (default 30-60 minutes, seeded) ends the stream cleanly.
 */
import type { ServerResponse } from "node:http";
import type { SimClock, TimerHandle } from "./clock";
import type { Cluster } from "./cluster";
import { present, selected, type ListSelectors } from "./api";
import { apiVersionOf, type ResourceType } from "./resources";
import * as status from "./status";
import type { StoreEvent } from "./store";
import type { KubeObject } from "./types";

/** What a watch asks for. */
export interface WatchRequest {
  readonly type: ResourceType;
  readonly namespace?: string;
  readonly selectors: ListSelectors;
  /** The `resourceVersion` parameter ("" when absent). */
  readonly resourceVersion: string;
  readonly allowBookmarks: boolean;
  readonly sendInitialEvents: boolean;
  /** When the server ends the stream, in ms after it started. */
  readonly timeoutMs: number;
}

/** An open watch stream. */
class WatchStream {
  written = 0;
  closed = false;
  private readonly timers: TimerHandle[] = [];
  private readonly pendingWrites = new Set<() => void>();
  readonly deadline: number;

  constructor(
    private readonly hub: WatchHub,
    private readonly res: ServerResponse,
    readonly request: WatchRequest,
  ) {
    this.deadline = hub.clock.now() + request.timeoutMs;
    res.on("close", () => this.finish());
  }

  /** Writes one event line, unless a drop fault cuts the stream first. */
  send(type: string, object: unknown, countsAsEvent = true): void {
    if (this.closed) return;
    if (countsAsEvent) {
      const mode = this.hub.cluster.faults.dropBeforeEvent(
        this.request.type.resource,
        this.request.namespace,
        this.written + 1,
        this.hub.clock.now(),
      );
      if (mode) {
        this.end(mode);
        return;
      }
      this.written++;
    }
    this.write(`${JSON.stringify({ type, object })}\n`);
  }

  private write(text: string): void {
    const done = this.hub.clock.beginIo(`watch ${this.request.type.resource} write`);
    this.pendingWrites.add(done);
    this.res.write(text, () => {
      this.pendingWrites.delete(done);
      done();
    });
  }

  /** A BOOKMARK with the current resourceVersion. */
  bookmark(initialEventsEnd = false): void {
    const metadata: Record<string, unknown> = {
      resourceVersion: String(this.hub.cluster.store.resourceVersion),
      creationTimestamp: null,
    };
    if (initialEventsEnd) metadata.annotations = { "k8s.io/initial-events-end": "true" };
    this.send(
      "BOOKMARK",
      { kind: this.request.type.kind, apiVersion: apiVersionOf(this.request.type), metadata },
      false,
    );
  }

  /** Schedules the timeout and the bookmarks. */
  start(): void {
    const clock = this.hub.clock;
    this.timers.push(clock.setTimer(this.deadline, () => this.end("close")));
    if (this.request.allowBookmarks) this.scheduleBookmark();
  }

  private scheduleBookmark(): void {
    const clock = this.hub.clock;
    let at = clock.now() + this.hub.bookmarkIntervalMs;
    const beforeTimeout = this.deadline - 2000;
    if (beforeTimeout < at) at = beforeTimeout;
    if (at <= clock.now()) return;
    this.timers.push(
      clock.setTimer(at, () => {
        this.bookmark();
        this.scheduleBookmark();
      }),
    );
  }

  /** Ends the stream: `close` finishes the chunked body, `reset` destroys the connection. */
  end(mode: "close" | "reset"): void {
    if (this.closed) return;
    if (mode === "reset") {
      this.res.socket?.destroy();
      this.finish();
      return;
    }
    const done = this.hub.clock.beginIo(`watch ${this.request.type.resource} end`);
    this.pendingWrites.add(done);
    this.res.end(() => {
      this.pendingWrites.delete(done);
      done();
    });
    this.finish();
  }

  private finish(): void {
    if (!this.closed) {
      this.closed = true;
      for (const t of this.timers) this.hub.clock.cancelTimer(t);
      this.hub.forget(this);
    }
    if (this.res.closed || this.res.destroyed) {
      for (const done of this.pendingWrites) done();
      this.pendingWrites.clear();
    }
  }

  /** Delivers a store change, translated for the stream's selectors. */
  deliver(event: StoreEvent): void {
    const r = this.request;
    if (event.resource !== r.type.storeKey) return;
    if (r.namespace !== undefined && event.object.metadata.namespace !== r.namespace) return;
    const out = translate(r, event);
    if (out) this.send(out.type, out.object);
  }
}

/** The event a filtered watch sees for a change, if any (selector transitions become ADDED/DELETED). */
export function translate(
  r: WatchRequest,
  event: StoreEvent,
): { type: string; object: KubeObject } | undefined {
  const object = present(r.type, event.object);
  const now = selected(r.selectors, object);
  if (event.type === "ADDED") return now ? { type: "ADDED", object } : undefined;
  if (event.type === "DELETED") return now ? { type: "DELETED", object } : undefined;
  const before = event.previous ? selected(r.selectors, present(r.type, event.previous)) : false;
  if (now && before) return { type: "MODIFIED", object };
  if (now) return { type: "ADDED", object };
  if (before) return { type: "DELETED", object };
  return undefined;
}

/** Every open watch. */
export class WatchHub {
  private readonly streams = new Set<WatchStream>();

  constructor(
    readonly cluster: Cluster,
    readonly clock: SimClock,
    readonly bookmarkIntervalMs: number,
  ) {
    cluster.store.onChange((event) => {
      for (const stream of [...this.streams]) stream.deliver(event);
    });
    (cluster.faults.plan.watchDrops ?? []).forEach((drop, index) => {
      if (drop.atMs === undefined || drop.afterEvents !== undefined || drop.rate !== undefined) return;
      clock.setTimer(cluster.startMs + drop.atMs, () => {
        for (const stream of [...this.streams]) {
          if (!cluster.faults.dropMatches(drop, stream.request.type.resource, stream.request.namespace))
            continue;
          if (!cluster.faults.timedDropFired(index, stream.request.type.resource, clock.now())) break;
          stream.end(drop.mode ?? "close");
        }
      });
    });
  }

  /** How many streams are open. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Starts a stream on `res` (headers not yet written). Returns the code of the Status in the ERROR event the
   * stream started (and ended) with, if it did.
   */
  open(res: ServerResponse, request: WatchRequest, headers: Record<string, string>): number | undefined {
    const store = this.cluster.store;
    let initial: Array<{ type: string; object: KubeObject }> = [];
    let failure: status.ApiError | undefined;
    const rv = request.resourceVersion;
    if (rv === "" || rv === "0" || request.sendInitialEvents) {
      initial = store
        .list(request.type.storeKey, request.namespace)
        .map((o) => present(request.type, o))
        .filter((o) => selected(request.selectors, o))
        .map((object) => ({ type: "ADDED", object }));
    } else {
      const n = Number(rv);
      try {
        if (!Number.isInteger(n) || n < 0) throw status.badRequest(`invalid resource version: ${rv}`);
        if (n > store.resourceVersion) throw status.tooLargeResourceVersion(n, store.resourceVersion);
        initial = store
          .eventsSince(request.type.storeKey, n)
          .filter((e) => request.namespace === undefined || e.object.metadata.namespace === request.namespace)
          .map((e) => translate(request, e))
          .filter((e): e is { type: string; object: KubeObject } => e !== undefined);
      } catch (error) {
        if (!(error instanceof status.ApiError)) throw error;
        failure = error;
      }
    }
    res.writeHead(200, { ...headers, "Content-Type": "application/json" });
    res.flushHeaders();
    const stream = new WatchStream(this, res, request);
    if (failure) {
      stream.send("ERROR", failure.status, false);
      stream.end("close");
      return failure.code;
    }
    this.streams.add(stream);
    for (const e of initial) stream.send(e.type, e.object);
    if (request.sendInitialEvents && request.allowBookmarks) stream.bookmark(true);
    if (!stream.closed) stream.start();
    return undefined;
  }

  /** Removes a finished stream. */
  forget(stream: WatchStream): void {
    this.streams.delete(stream);
  }

  /** Ends every stream (server shutdown). */
  closeAll(): void {
    for (const stream of [...this.streams]) stream.end("reset");
  }
}
