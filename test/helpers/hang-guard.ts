/**
 * The one real-time bound tests use: not a budget for how long something should take, only a guard that turns a
 * hang into a failure that names what hung. Generous, so that a machine busy enough to slow everything tenfold
 * still never trips it.
 */
export const HANG_GUARD_MS = 120_000;

/** Something a test waits for did not happen within {@link HANG_GUARD_MS} of real time. */
export class HangError extends Error {
  constructor(what: string, detail = "") {
    super(
      `gave up waiting for ${what} after ${HANG_GUARD_MS / 1000} s of real time${detail ? `: ${detail}` : ""}`,
    );
    this.name = "HangError";
  }
}

/**
 * Settles like `operation`, or rejects with a {@link HangError} naming `what` (and `detail()`, such as a child
 * process's stderr so far) after {@link HANG_GUARD_MS} of real time.
 */
export function hangGuard<T>(
  operation: Promise<T>,
  what: string,
  detail: () => string = () => "",
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HangError(what, detail())), HANG_GUARD_MS);
  });
  return Promise.race([operation, guard]).finally(() => clearTimeout(timer));
}
