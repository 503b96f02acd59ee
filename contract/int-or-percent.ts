/**
 * Int-or-percent fields (`maxSurge`, `maxUnavailable`, `minAvailable`) resolved exactly as Kubernetes resolves them,
 * for the recycler (a live Deployment and PodDisruptionBudget) and the policy rules (manifests on disk) alike.
 *
 * `intstr.GetScaledValueFromIntOrPercent` (k8s.io/apimachinery/pkg/util/intstr): an integer is used as it is; a
 * string must end in `%` and the rest must parse with Go's `strconv.Atoi` (an optional sign and ASCII digits),
 * then it is scaled by the total and rounded with `math.Ceil` or `math.Floor`. Anything else is an error, and
 * that includes a string of digits without `%`: YAML `maxSurge: "3"` is the string "3", which Kubernetes refuses
 * ("invalid type: string is not a percentage"), not the number 3. The API server's validation refuses such values
 * too, so only objects that did not come from an API server (a manifest on disk, a test) can carry them.
 */

/** The rule an int-or-percent value follows, quoted in error messages. */
export const INT_OR_PERCENT_RULE =
  'an integer like 1 or a percentage like "25%" (a quoted number like "1" is a string, and not a percentage)';

/** Names a field whose value Kubernetes cannot resolve, for messages: `spec.minAvailable "3", which Kubernetes …`. */
export function unresolvable(path: string, value: unknown): string {
  return `${path} ${JSON.stringify(value)}, which Kubernetes cannot resolve: it must be ${INT_OR_PERCENT_RULE}`;
}

/** What the API server fills in for an unset `maxSurge` or `maxUnavailable` of a RollingUpdate Deployment. */
export const DEFAULT_ROLLING_UPDATE = "25%";

const PERCENT = /^[+-]?\d+%$/;

/**
 * Resolves an int-or-percent value against `total`, rounding a percentage up or down. Undefined where Kubernetes
 * returns an error: a string that is not a percentage, a number that is not an integer, anything else (also an
 * unset value, which Kubernetes' callers replace by their default first).
 */
export function scaleIntOrPercent(value: unknown, total: number, roundUp: boolean): number | undefined {
  if (typeof value === "number") return Number.isInteger(value) ? value : undefined;
  if (typeof value !== "string" || !PERCENT.test(value)) return undefined;
  const percent = Number(value.slice(0, -1));
  // strconv.Atoi fails beyond 64 bits; beyond 2^53 a JavaScript number is no longer exact, so stop there.
  if (!Number.isSafeInteger(percent)) return undefined;
  const exact = (percent * total) / 100;
  const rounded = roundUp ? Math.ceil(exact) : Math.floor(exact);
  // Math.ceil(-0.75) is -0 in JavaScript; Go's int has no negative zero.
  return rounded === 0 ? 0 : rounded;
}

/**
 * The pods a RollingUpdate Deployment of `replicas` may add (`surge`) and take down (`unavailable`) at once, as the
 * Deployment controller's `ResolveFenceposts` computes them after the API server's defaulting: unset fields are
 * 25%, maxSurge rounds up, maxUnavailable rounds down, and when both resolve to 0 it takes one pod down (a rollout
 * must progress). An undefined field is a value Kubernetes cannot resolve.
 */
export function resolveRollingUpdate(
  maxSurge: unknown,
  maxUnavailable: unknown,
  replicas: number,
): { surge?: number; unavailable?: number } {
  const surge = scaleIntOrPercent(maxSurge ?? DEFAULT_ROLLING_UPDATE, replicas, true);
  let unavailable = scaleIntOrPercent(maxUnavailable ?? DEFAULT_ROLLING_UPDATE, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/**
 * The pods a PodDisruptionBudget requires healthy when `expected` are wanted, as the disruption controller's
 * `getExpectedPodCount` computes it: `maxUnavailable` first (rounded up, `expected` minus it, never below 0), else
 * `minAvailable` (an integer as it is, a percentage rounded up), else 0. Undefined when the field set is a value
 * Kubernetes cannot resolve; the controller then allows no disruption at all (its fail-safe).
 */
export function pdbDesiredHealthy(
  spec: { readonly minAvailable?: unknown; readonly maxUnavailable?: unknown },
  expected: number,
): number | undefined {
  if (spec.maxUnavailable !== undefined) {
    const max = scaleIntOrPercent(spec.maxUnavailable, expected, true);
    return max === undefined ? undefined : Math.max(0, expected - max);
  }
  if (spec.minAvailable !== undefined) return scaleIntOrPercent(spec.minAvailable, expected, true);
  return 0;
}
