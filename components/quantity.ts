/**
 * Kubernetes resource quantities (`100m`, `128Mi`, `1.5`, `2e3`), parsed only far enough to compare requests with
 * limits. Hand-written: the grammar is one regular expression and the only maintained parser ships inside the
 * 2 MB `@kubernetes/client-node`.
 */

const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const PATTERN = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** The rule quantities follow, quoted in error messages. */
export const QUANTITY_RULE = 'a Kubernetes quantity like "250m" or "0.5" (CPU) or "128Mi" or "1Gi" (memory)';

/** Parses a quantity into its value in base units (cores, bytes), or undefined when it is not one. */
export function parseQuantity(text: string | number): number | undefined {
  if (typeof text === "number") return Number.isFinite(text) ? text : undefined;
  const match = PATTERN.exec(text.trim());
  if (!match) return undefined;
  const [, number, exponent, suffix] = match;
  const base = Number(number);
  if (exponent !== undefined) return base * 10 ** Number(exponent.slice(1));
  return base * (SUFFIX[suffix ?? ""] ?? 1);
}
