/**
 * The resolved rotation, as data. Its own module because both sides of `rotor plan`'s bound read it: the
 * recycler's manifests and the bound (plan/rotation-bound.ts) take a `RotationSpec`, and `rotation.ts`, which
 * resolves it, uses the bound; with the type in rotation.ts those three would import each other.
 */

/** Rotation settings with every default applied and every duration parsed. */
export interface RotationSpec {
  readonly enabled: boolean;
  readonly maxAge: string;
  readonly maxAgeMs: number;
  readonly jitter: string;
  readonly jitterMs: number;
  readonly schedule: string;
  readonly timeZone: string;
  readonly windows: readonly string[];
  readonly maxRotationsPerRun: number;
  readonly strategy: "evict" | "restart";
  readonly readyTimeout: string;
  readonly readyTimeoutMs: number;
  readonly dryRun: boolean;
  readonly suspend: boolean;
  readonly image: string;
}
