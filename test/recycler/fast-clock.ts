/**
 * A test clock for unit tests over real loopback sockets (TLS servers, exec plugins): `sleep` advances virtual
 * time at once (recording the delay). `withTimeout` never gives up on real time: an operation times out only
 * when the test says so with {@link FastClock.timeOutPending} (a server handler that holds a request on purpose
 * calls it), so a busy machine cannot turn a slow TLS handshake into a timeout. A real-time hang guard turns a
 * request that never settles into a clear failure instead of a stuck test.
 */
import { TimeoutError, type Clock } from "../../recycler/clock";
import { HANG_GUARD_MS, HangError } from "../helpers/hang-guard";

interface Pending {
  readonly ms: number;
  readonly what: string;
  readonly controller: AbortController | undefined;
  readonly expire: () => void;
}

export class FastClock implements Clock {
  readonly sleeps: number[] = [];
  private readonly pending = new Set<Pending>();

  constructor(public t = Date.parse("2026-01-05T10:00:00Z")) {}

  now(): number {
    return this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    if (signal?.aborted) return Promise.resolve();
    this.t += Math.max(0, ms);
    return new Promise((resolve) => setImmediate(resolve));
  }

  withTimeout<T>(operation: Promise<T>, ms: number, what: string, controller?: AbortController): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const settle = () => {
        clearTimeout(guard);
        this.pending.delete(entry);
      };
      const entry: Pending = {
        ms,
        what,
        controller,
        expire: () => {
          settle();
          this.t += ms;
          controller?.abort();
          reject(new TimeoutError(what, ms));
        },
      };
      this.pending.add(entry);
      const guard = setTimeout(() => {
        settle();
        controller?.abort();
        reject(
          new HangError(
            `${what} to settle`,
            "a test that holds a request on purpose calls clock.timeOutPending()",
          ),
        );
      }, HANG_GUARD_MS);
      operation.then(
        (v) => {
          settle();
          resolve(v);
        },
        (e: unknown) => {
          settle();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  /**
   * Times out every pending `withTimeout` operation as if its bound had passed: virtual time advances by the bound,
   * the controller aborts and the operation rejects with a {@link TimeoutError}. Returns what timed out.
   */
  timeOutPending(): string[] {
    const expired = [...this.pending];
    for (const p of expired) p.expire();
    return expired.map((p) => `${p.what} (${p.ms} ms)`);
  }
}
