/**
 * The longest a pod can live, exactly, for every pod that comes due in a horizon.
 *
 * A pod created at `c` is due once the time passes `c + maxAge + jitter` (jitter below `maxJitter`, from its UID).
 * A run rotates at most `maxRotationsPerRun` due pods, oldest deadline first, so with `replicas` pods due together
 * the last one goes in the `ceil(replicas / maxRotationsPerRun)`-th usable run after its deadline. A run scheduled
 * at or before the deadline may start before it and find the pod not yet due; a run may start up to
 * `startingDeadlineSeconds` late. So the bound is
 *
 *   maxAge + maxJitter + max over deadlines D of (the runsNeeded-th usable run after D - D) + startingDeadline,
 *
 * where the worst D is the horizon's start or a usable run itself. No pod lives longer; a pod due right at a usable run
 * (which starts on time and finds it not yet due), with the largest jitter, rotated by a run that starts as late as
 * the controller allows, lives that long (exactly, when the jitter is 0; else within a second).
 * Assumed, and said in the output: the controller is up (each missed run adds one gap), and a run's evictions
 * finish before the next run (each earlier eviction in a run waits up to readyTimeout for its replacement).
 */

/** What the bound is made of; the sum is `boundMs`. */
export interface LifetimeBound {
  readonly boundMs: number;
  readonly maxAgeMs: number;
  readonly jitterMs: number;
  /** Longest wait from a deadline to the run that rotates the pod (Infinity when some pod is never rotated). */
  readonly waitMs: number;
  readonly startDeadlineMs: number;
  readonly runsNeeded: number;
  /** Longest wait for the next usable run alone (the wait when one run rotates every pod). */
  readonly longestGapMs: number;
  /** The worst case: a pod due at `dueAt` (just after a usable run, or at the horizon's start) rotated by `rotatedBy`. */
  readonly worst?: { readonly dueAt: number; readonly rotatedBy: number };
}

export interface BoundInput {
  readonly maxAgeMs: number;
  readonly jitterMs: number;
  readonly runsNeeded: number;
  readonly startingDeadlineSeconds: number;
}

/** Longest wait, over deadlines in `[from, to)`, for the `n`-th usable run strictly after the deadline. */
export function longestWait(
  usable: readonly number[],
  from: number,
  to: number,
  n: number,
): { waitMs: number; dueAt: number; rotatedBy?: number } {
  let i = 0;
  while (i < usable.length && (usable[i] ?? 0) <= from) i++;
  // Deadline at the horizon's start: the n-th usable run after it.
  let worst: { waitMs: number; dueAt: number; rotatedBy?: number } = wait(usable, i + n - 1, from);
  for (let j = i; j < usable.length && (usable[j] ?? 0) < to && Number.isFinite(worst.waitMs); j++) {
    const candidate = wait(usable, j + n, usable[j] ?? 0);
    if (candidate.waitMs > worst.waitMs) worst = candidate;
  }
  return worst;
}

function wait(usable: readonly number[], index: number, dueAt: number) {
  const rotatedBy = usable[index];
  return rotatedBy === undefined
    ? { waitMs: Infinity, dueAt }
    : { waitMs: rotatedBy - dueAt, dueAt, rotatedBy };
}

/** The bound for pods due in `[from, to)`, given every usable run from `from` on (enough past `to`). */
export function lifetimeBound(
  input: BoundInput,
  usable: readonly number[],
  from: number,
  to: number,
): LifetimeBound {
  const worst = longestWait(usable, from, to, input.runsNeeded);
  const gap = longestWait(usable, from, to, 1);
  const startDeadlineMs = input.startingDeadlineSeconds * 1000;
  return {
    boundMs: input.maxAgeMs + input.jitterMs + worst.waitMs + startDeadlineMs,
    maxAgeMs: input.maxAgeMs,
    jitterMs: input.jitterMs,
    waitMs: worst.waitMs,
    startDeadlineMs,
    runsNeeded: input.runsNeeded,
    longestGapMs: gap.waitMs,
    ...(worst.rotatedBy === undefined ? {} : { worst: { dueAt: worst.dueAt, rotatedBy: worst.rotatedBy } }),
  };
}
