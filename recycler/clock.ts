/**
 * Time as the recycler sees it. Every wait the recycler makes (backoff, a bounded wait for a watch event, the
 * timeout of an API request) goes through a Clock, so tests can substitute a virtual clock and run hours of
 * rotation in milliseconds without changing the recycler's code.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds, or as soon as `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Settles like `operation`, unless `ms` milliseconds pass first: then it rejects with a {@link TimeoutError}
   * naming `what`, and aborts `controller` (if given) so the caller can release the underlying request.
   */
  withTimeout<T>(operation: Promise<T>, ms: number, what: string, controller?: AbortController): Promise<T>;
}

/** Raised by {@link Clock.withTimeout} when an operation outlives its bound. */
export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly ms: number,
  ) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** The wall clock: `Date.now()` and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep(ms, signal) {
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    });
  },
  withTimeout(operation, ms, what, controller) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          controller?.abort();
          reject(new TimeoutError(what, ms));
        },
        Math.max(0, ms),
      );
      operation.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  },
};
