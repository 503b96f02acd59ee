/**
 * Time for the simulator. A {@link SimClock} is the recycler's {@link Clock} plus a scheduler the simulator's
 * controllers use, and a little I/O bookkeeping that lets a virtual clock know when loopback traffic is still
 * in flight. {@link VirtualClock} is a discrete-event scheduler (see simulator/README.md, "Virtual time");
 * {@link SystemSimClock} runs the same simulator in real time.
 */
import { performance } from "node:perf_hooks";
import { inspect } from "node:util";
import { systemClock, TimeoutError, type Clock } from "../recycler/clock";

/** A scheduled callback; pass it to {@link SimClock.cancelTimer}. */
export interface TimerHandle {
  readonly at: number;
  cancelled: boolean;
}

/** The recycler's Clock plus what the simulator needs from time. */
export interface SimClock extends Clock {
  /** True for {@link VirtualClock}: time moves only when the clock decides. */
  readonly virtual: boolean;
  /** Runs `fn` at `atMs` (ms since the epoch; a time in the past means "as soon as possible"). */
  setTimer(atMs: number, fn: () => void): TimerHandle;
  /** Cancels a timer; cancelling twice or after it fired is harmless. */
  cancelTimer(handle: TimerHandle | undefined): void;
  /**
   * Declares server-side I/O in progress (a request being answered, a write not yet flushed). Returns the
   * function that ends it; calling that function more than once is harmless.
   */
  beginIo(label: string): () => void;
  /** Records that something happened on a socket, so a virtual clock waits a little longer before it judges. */
  noteActivity(): void;
}

/** Options of {@link VirtualClock.runActors}. */
export interface RunActorsOptions {
  /**
   * Virtual time the run may take at most; past it `runActors` rejects (an actor waiting forever).
   * @default 30 days
   */
  readonly maxVirtualMs?: number;
}

/** Options of {@link VirtualClock}. */
export interface VirtualClockOptions {
  /**
   * How many consecutive event-loop turns without any activity count as "every actor is blocked".
   * @default 3
   */
  readonly quietTurns?: number;
  /**
   * Real milliseconds the clock waits for server-side I/O to finish before it gives up with an error that lists it.
   * @default 20000
   */
  readonly stallRealMs?: number;
}

type TimerKind = "actor" | "sim";

interface Timer extends TimerHandle {
  readonly seq: number;
  readonly kind: TimerKind;
  readonly fn: () => void;
}

/** A binary min-heap of timers ordered by (at, seq): equal times fire in the order they were scheduled. */
class TimerHeap {
  private readonly items: Timer[] = [];

  get size(): number {
    return this.items.length;
  }

  push(timer: Timer): void {
    const items = this.items;
    items.push(timer);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  /** The earliest live timer, dropping cancelled ones on the way. */
  peek(): Timer | undefined {
    while (this.items.length > 0 && this.items[0].cancelled) this.pop();
    return this.items[0];
  }

  pop(): Timer | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && before(items[l], items[m])) m = l;
        if (r < items.length && before(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Timer, b: Timer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

const immediate = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A discrete-event clock. Virtual time advances only inside {@link runActors} (or {@link advance}), and only
 * when nothing can happen at the current instant any more: no server-side I/O is open (a request being
 * answered, a write not yet flushed, a connection not yet carrying its first request) and a few event-loop
 * turns passed without any activity. At that point every actor is blocked in `sleep`, in a `withTimeout`
 * whose request the simulator holds on purpose, or on a watch that has nothing to deliver, so the clock jumps
 * to the next timer and fires it.
 */
export class VirtualClock implements SimClock {
  readonly virtual = true;
  private current: number;
  private readonly heap = new TimerHeap();
  private seq = 0;
  private activity = 0;
  private readonly openIo = new Map<number, string>();
  private ioSeq = 0;
  private busy = false;
  private failure: unknown;
  private readonly quietTurns: number;
  private readonly stallRealMs: number;
  /** withTimeout operations still pending (diagnostics only). */
  private pendingOperations = 0;

  /** @param startMs the virtual time to start at, in ms since the epoch. */
  constructor(startMs: number = Date.parse("2026-01-05T10:00:00Z"), options: VirtualClockOptions = {}) {
    this.current = startMs;
    this.quietTurns = options.quietTurns ?? 3;
    this.stallRealMs = options.stallRealMs ?? 20_000;
  }

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.activity++;
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        this.cancelTimer(timer);
        this.activity++;
        resolve();
      };
      const timer = this.schedule(this.current + Math.max(0, ms || 0), "actor", () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  withTimeout<T>(operation: Promise<T>, ms: number, what: string, controller?: AbortController): Promise<T> {
    this.activity++;
    this.pendingOperations++;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = () => {
        settled = true;
        this.pendingOperations--;
        this.activity++;
      };
      const timer = this.schedule(this.current + Math.max(0, ms || 0), "actor", () => {
        if (settled) return;
        finish();
        controller?.abort();
        reject(new TimeoutError(what, ms));
      });
      operation.then(
        (value) => {
          if (settled) return;
          this.cancelTimer(timer);
          finish();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          this.cancelTimer(timer);
          finish();
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }

  setTimer(atMs: number, fn: () => void): TimerHandle {
    return this.schedule(atMs, "sim", fn);
  }

  cancelTimer(handle: TimerHandle | undefined): void {
    if (handle) handle.cancelled = true;
  }

  beginIo(label: string): () => void {
    const id = ++this.ioSeq;
    this.openIo.set(id, label);
    this.activity++;
    return () => {
      if (this.openIo.delete(id)) this.activity++;
    };
  }

  noteActivity(): void {
    this.activity++;
  }

  /**
   * Marks asynchronous work an actor waits for that is neither a request to the simulator nor a clock wait
   * (reading a file with fs.promises, a dynamic import): time does not move until it settles.
   */
  track<T>(operation: Promise<T>): Promise<T> {
    const done = this.beginIo("tracked operation");
    return operation.finally(done);
  }

  /** The time of the next live timer, if any. */
  nextTimerAt(): number | undefined {
    return this.heap.peek()?.at;
  }

  /**
   * Lets the event loop run until nothing is in flight: no open server-side I/O and `quietTurns` turns
   * without activity. Call it after starting requests outside {@link runActors}.
   */
  async settle(): Promise<void> {
    const started = performance.now();
    let quiet = 0;
    while (quiet < this.quietTurns) {
      const before = this.activity;
      await immediate();
      if (this.openIo.size > 0 || this.activity !== before) {
        quiet = 0;
        if (this.openIo.size > 0 && performance.now() - started > this.stallRealMs) {
          throw new Error(
            `VirtualClock: server I/O did not finish within ${this.stallRealMs} real ms: ${[...this.openIo.values()].join("; ")}`,
          );
        }
      } else {
        quiet++;
      }
    }
    this.rethrow();
  }

  /** Advances virtual time by `ms`, firing every timer due on the way and letting I/O settle after each. */
  advance(ms: number): Promise<void> {
    return this.advanceTo(this.current + Math.max(0, ms));
  }

  /** Advances virtual time to `atMs` (see {@link advance}). */
  async advanceTo(atMs: number): Promise<void> {
    this.enter();
    try {
      await this.settle();
      for (let next = this.heap.peek(); next && next.at <= atMs; next = this.heap.peek()) {
        this.fireNext();
        await this.settle();
      }
      if (atMs > this.current) this.current = atMs;
      await this.settle();
    } finally {
      this.busy = false;
    }
  }

  /**
   * Runs actors (for example recycler runs) concurrently in virtual time and resolves with their results in
   * order once all have finished; rejects with the first actor's error (after every actor finished), when
   * they wait on nothing that time could bring (deadlock), or past `maxVirtualMs`.
   */
  async runActors<T>(actors: ReadonlyArray<() => Promise<T>>, options: RunActorsOptions = {}): Promise<T[]> {
    const results = await this.runActorsSettled(actors, options);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  }

  /** Like {@link runActors}, but resolves with every actor's outcome instead of rejecting. */
  async runActorsSettled<T>(
    actors: ReadonlyArray<() => Promise<T>>,
    options: RunActorsOptions = {},
  ): Promise<PromiseSettledResult<T>[]> {
    this.enter();
    const deadline = this.current + (options.maxVirtualMs ?? 30 * 24 * 3_600_000);
    let remaining = actors.length;
    const outcomes = new Array<PromiseSettledResult<T>>(actors.length);
    const runs = actors.map((actor, i) =>
      Promise.resolve()
        .then(actor)
        .then(
          (value) => (outcomes[i] = { status: "fulfilled", value }),
          (reason: unknown) => (outcomes[i] = { status: "rejected", reason }),
        )
        .finally(() => {
          remaining--;
          this.activity++;
        }),
    );
    try {
      for (;;) {
        await this.settle();
        if (remaining === 0) break;
        const next = this.heap.peek();
        if (!next) {
          throw new Error(
            `VirtualClock: deadlock at ${new Date(this.current).toISOString()}: ${remaining} actor(s) wait on nothing time can bring (no timer is pending; ${this.pendingOperations} withTimeout operation(s) pending)`,
          );
        }
        if (next.at > deadline) {
          throw new Error(
            `VirtualClock: actors still running after ${options.maxVirtualMs ?? 30 * 24 * 3_600_000} virtual ms (at ${new Date(this.current).toISOString()})`,
          );
        }
        this.fireNext();
      }
    } finally {
      this.busy = false;
    }
    await Promise.all(runs);
    return outcomes;
  }

  private enter(): void {
    if (this.busy) throw new Error("VirtualClock: runActors/advance is already running");
    this.busy = true;
  }

  private schedule(atMs: number, kind: TimerKind, fn: () => void): Timer {
    const timer: Timer = { at: Math.max(atMs, this.current), seq: ++this.seq, kind, fn, cancelled: false };
    this.heap.push(timer);
    this.activity++;
    return timer;
  }

  /** Fires the next timer; simulator timers due at the same instant fire together, actor timers one by one. */
  private fireNext(): void {
    const first = this.heap.pop();
    if (!first) return;
    this.current = Math.max(this.current, first.at);
    this.run(first);
    if (first.kind === "actor") return;
    let guard = 0;
    for (
      let next = this.heap.peek();
      next && next.kind === "sim" && next.at <= this.current;
      next = this.heap.peek()
    ) {
      this.heap.pop();
      this.run(next);
      if (++guard > 1_000_000)
        throw new Error("VirtualClock: timers keep rescheduling themselves at the same instant");
    }
    this.rethrow();
  }

  private run(timer: Timer): void {
    if (timer.cancelled) return;
    timer.cancelled = true;
    this.activity++;
    try {
      timer.fn();
    } catch (error) {
      this.failure ??= error;
    }
  }

  private rethrow(): void {
    if (this.failure === undefined) return;
    const failure = this.failure;
    this.failure = undefined;
    throw failure instanceof Error ? failure : new Error(inspect(failure));
  }
}

/**
 * The simulator in real time: `Date.now()` and `setTimeout` (unref'd, so a forgotten simulator never keeps the
 * process alive). Useful to watch a demo or to drive the simulator from tools that cannot use a virtual clock.
 */
export class SystemSimClock implements SimClock {
  readonly virtual = false;

  now(): number {
    return Date.now();
  }

  // Real time: the recycler's own wall clock, so both sides of a real-time test wait the same way.
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  withTimeout<T>(operation: Promise<T>, ms: number, what: string, controller?: AbortController): Promise<T> {
    return systemClock.withTimeout(operation, ms, what, controller);
  }

  setTimer(atMs: number, fn: () => void): TimerHandle {
    const handle: TimerHandle & { timer?: NodeJS.Timeout } = { at: atMs, cancelled: false };
    handle.timer = setTimeout(
      () => {
        if (!handle.cancelled) {
          handle.cancelled = true;
          fn();
        }
      },
      Math.max(0, atMs - Date.now()),
    );
    handle.timer.unref();
    return handle;
  }

  cancelTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    handle.cancelled = true;
    clearTimeout((handle as TimerHandle & { timer?: NodeJS.Timeout }).timer);
  }

  beginIo(): () => void {
    return () => {};
  }

  noteActivity(): void {}

  /** Returns `operation` (nothing to track in real time). */
  track<T>(operation: Promise<T>): Promise<T> {
    return operation;
  }

  /** Runs actors concurrently in real time. */
  async runActors<T>(actors: ReadonlyArray<() => Promise<T>>): Promise<T[]> {
    return Promise.all(actors.map((actor) => actor()));
  }

  /** Waits `ms` real milliseconds. */
  advance(ms: number): Promise<void> {
    return this.sleep(ms);
  }
}
