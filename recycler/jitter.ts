/**
 * Deterministic per-pod jitter. Pods created together would otherwise expire together and be rotated in one
 * burst; hashing the pod UID spreads their deadlines over [0, maxJitter) and gives the same answer on every run,
 * so a pod's deadline never moves between runs.
 */

/** FNV-1a, 32 bits: tiny, well distributed for short strings, and the same in every runtime. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The pod's jitter in milliseconds: a fixed fraction of `maxJitterMs` derived from its UID. */
export function podJitterMs(uid: string, maxJitterMs: number): number {
  return Math.floor((fnv1a32(uid) / 2 ** 32) * maxJitterMs);
}

/** The instant (ms since epoch) after which a pod created at `createdMs` is due for rotation. */
export function podDeadlineMs(createdMs: number, uid: string, maxAgeMs: number, maxJitterMs: number): number {
  return createdMs + maxAgeMs + podJitterMs(uid, maxJitterMs);
}
