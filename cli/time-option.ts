/** Times given on the command line: `rotor plan --from` and `rotor status --now`. */

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses `--from`; undefined when it is not an RFC 3339 time with a zone or a plain date that exists. */
export function parseFrom(text: string): number | undefined {
  const t = text.trim();
  if (!RFC3339.test(t) && !DATE.test(t)) return undefined;
  const ms = Date.parse(DATE.test(t) ? `${t}T00:00:00Z` : t);
  if (Number.isNaN(ms)) return undefined;
  // Date.parse rolls 2024-02-30 over to March; a date that does not exist is an error.
  const [y, m, d] = t.slice(0, 10).split("-").map(Number);
  const check = new Date(Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() + 1 !== m || check.getUTCDate() !== d)
    return undefined;
  return ms;
}
