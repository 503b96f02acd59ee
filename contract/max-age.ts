/** The bounds on a recycler's max pod age, shared by the recycler's settings, the catalog and the policy rules. */

/** The shortest max pod age: pods need time to become Ready. */
export const MIN_MAX_AGE_MS = 5 * 60_000;
/** The longest max pod age `recycler-max-pod-age` accepts unless configured otherwise; the catalog's ceiling too. */
export const DEFAULT_MAX_POD_AGE = "7d";
