/**
 * A test clock for unit tests over real loopback sockets: `sleep` advances virtual time at once (recording the
 * delay), `withTimeout` fires after a few real milliseconds of silence and then advances virtual time by its bound.
 */
import { TimeoutError, type Clock } from "../../recycler/clock";

export class FastClock implements Clock {
  readonly sleeps: number[] = [];
  constructor(
    public t = Date.parse("2026-01-05T10:00:00Z"),
    /** Real ms a pending operation may take before withTimeout gives up on it. */
    private readonly realTimeoutMs = 300,
  ) {}

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
      const timer = setTimeout(() => {
        this.t += ms;
        controller?.abort();
        reject(new TimeoutError(what, ms));
      }, this.realTimeoutMs);
      operation.then(
        (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        (e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }
}
