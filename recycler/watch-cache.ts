/**
 * A list-then-watch cache of one collection, like client-go's reflector but driven by the caller: it never runs
 * a loop of its own. A 410 Expired or a broken stream marks it for a re-list; a stream the server ended cleanly
 * is re-watched from the last resourceVersion. The caller calls `ensure()` before it reads, so every request
 * (and every backoff) happens in the caller's flow, which is what a virtual clock needs.
 */
import type { KubeClient, Query, WatchStream } from "./kube-client";
import { classifyFailure } from "./errors";
import type { KubeObject, ObjectList, Status, WatchEvent } from "./types";

/** Wakes whoever waits for "something changed" (any watch event, a stream ending). */
export class ChangeSignal {
  private readonly listeners = new Set<() => void>();
  /** Bumped on every notification; lets a waiter tell whether anything happened. */
  version = 0;

  notify(): void {
    this.version++;
    for (const listener of [...this.listeners]) listener();
  }

  /** An AbortSignal that aborts at the next notification; call `release` when done waiting. */
  next(): { signal: AbortSignal; release: () => void } {
    const controller = new AbortController();
    const listener = () => controller.abort();
    this.listeners.add(listener);
    return { signal: controller.signal, release: () => this.listeners.delete(listener) };
  }
}

export class WatchCache<T extends KubeObject> {
  readonly items = new Map<string, T>();
  resourceVersion: string | undefined;
  private stream: WatchStream | undefined;
  private needsList = true;
  private closed = false;
  private openedAt = Number.NaN;
  private quickCloses = 0;
  /** Lists and watch (re)opens done, for logs. */
  relists = 0;
  rewatches = 0;

  constructor(
    private readonly client: KubeClient,
    /** The collection path, e.g. `/api/v1/namespaces/shop/pods`. */
    readonly path: string,
    readonly query: Query,
    private readonly signal: ChangeSignal,
    private readonly log?: (msg: string, fields: Record<string, unknown>) => void,
  ) {}

  /** Lists once (no watch): for dry runs and one-off reads. */
  async list(): Promise<void> {
    const list = await this.client.request<ObjectList<T>>("GET", this.path, { query: this.query });
    this.items.clear();
    for (const item of list?.items ?? []) {
      const name = item.metadata?.name;
      if (name) this.items.set(name, item);
    }
    this.resourceVersion = list?.metadata?.resourceVersion;
    this.needsList = false;
    this.relists++;
  }

  /** Whether the watch is open (no request needed before reading fresh data). */
  get watching(): boolean {
    return this.stream !== undefined;
  }

  /** Makes sure the cache is listed and its watch is open, re-listing after a 410 or a broken stream. */
  async ensure(): Promise<void> {
    while (!this.closed && !this.stream) {
      // A stream that keeps ending right after it opened would spin: back off like a failed request.
      const clock = this.client.clock;
      // One quick end (a 410, a drop) reconnects at once; a stream that keeps ending backs off.
      if (clock.now() - this.openedAt < 1000) {
        this.quickCloses++;
        if (this.quickCloses >= 2)
          await clock.sleep(Math.min(500 * 2 ** Math.min(this.quickCloses - 2, 6), 30_000));
      } else {
        this.quickCloses = 0;
      }
      this.openedAt = Number.NaN;
      if (this.needsList) await this.list();
      try {
        await this.openWatch();
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === "expired") {
          this.log?.("watch expired, re-listing", { path: this.path });
          this.needsList = true;
          continue;
        }
        throw error;
      }
    }
  }

  private async openWatch(): Promise<void> {
    const query: Query = { ...this.query, allowWatchBookmarks: true, resourceVersion: this.resourceVersion };
    this.stream = await this.client.retrying(`watch ${this.path}`, () =>
      this.client.watch<T>(this.path, query, {
        onEvent: (event) => this.apply(event),
        onClose: (error) => {
          this.stream = undefined;
          // A clean end (the server's watch timeout) resumes from the last resourceVersion; a broken one re-lists.
          if (error) this.needsList = true;
          this.log?.(error ? "watch broke, will re-list" : "watch ended, will resume", {
            path: this.path,
            ...(error ? { error: error.message } : {}),
          });
          this.signal.notify();
        },
      }),
    );
    this.openedAt = this.client.clock.now();
    this.rewatches++;
  }

  private apply(event: WatchEvent<T>): void {
    if (event.type === "ERROR") {
      const status = event.object as unknown as Status;
      // 410 Expired (the usual one) and any other in-stream error: the cache may have missed events.
      this.needsList = true;
      this.log?.("watch error, will re-list", {
        path: this.path,
        code: status?.code,
        message: status?.message,
      });
      this.stream?.close();
      this.stream = undefined;
      this.signal.notify();
      return;
    }
    const rv = event.object?.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (event.type === "BOOKMARK") return;
    const name = event.object?.metadata?.name;
    if (!name) return;
    if (event.type === "DELETED") this.items.delete(name);
    else this.items.set(name, event.object);
    this.signal.notify();
  }

  /** Replaces one object with a newer copy we got from a write's response, if it is newer. */
  remember(object: T): void {
    const name = object.metadata?.name;
    if (!name) return;
    const have = this.items.get(name);
    const newer = Number(object.metadata?.resourceVersion ?? 0);
    const older = Number(have?.metadata?.resourceVersion ?? 0);
    if (!have || !(newer < older)) this.items.set(name, object);
  }

  close(): void {
    this.closed = true;
    this.stream?.close();
    this.stream = undefined;
  }
}
