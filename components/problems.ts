/**
 * Validation problems shared by the components, the catalog loader and the CLI. A problem carries the path of
 * the offending field separately from its sentence, so each front end can prefix it the way its users address
 * the field (`apps.web.rotation.maxAge` in a catalog file, `rotation.maxAge` in component args).
 */

/** One thing wrong with an input: where it is and what to do about it. */
export interface Problem {
  /** Path of the field from the root of the validated value, e.g. `["rotation", "maxAge"]`. */
  readonly path: readonly (string | number)[];
  /** Sentence that follows the path: the value, the rule and the fix, e.g. `("90s") must be at least 5m: ...`. */
  readonly message: string;
  /**
   * Set when the problem is about this field together with others of the same app (a schedule too slow for
   * the app's replicas), so it belongs to the app even where the field's value is inherited from defaults.
   */
  readonly combination?: boolean;
}

/** Formats a path the way YAML users read it: `apps.web.ports[0].name`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

/** Formats a value for a message: strings quoted, everything else as JSON, long values shortened. */
export function show(value: unknown): string {
  const text = typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `1 pod`, `2 pods`: a count with its noun. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

/** One line per problem, path first: `rotation.maxAge ("90s") must be ...`. */
export function formatProblem(problem: Problem, prefix: readonly (string | number)[] = []): string {
  const path = formatPath([...prefix, ...problem.path]);
  return path === "" ? problem.message : `${path} ${problem.message}`;
}

/** Thrown when input is invalid; its message lists every problem, one per line. */
export class ValidationError extends Error {
  constructor(
    readonly subject: string,
    readonly problems: readonly Problem[],
    prefix: readonly (string | number)[] = [],
  ) {
    super(
      `${subject} is invalid (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${formatProblem(p, prefix)}`).join("\n"),
    );
    this.name = "ValidationError";
  }
}
