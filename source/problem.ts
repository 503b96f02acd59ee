/**
 * The one problem type of everything rotor reads from a file: the catalog, `rotor check`'s manifests and its
 * rule configuration. Validation that knows no file (component args) uses `Problem` from components/problems.ts,
 * which a front end turns into a source problem once it knows where the field is written.
 */

/** Something wrong with an input file: where it is, when that is known, and what to do about it. */
export interface SourceProblem {
  /** The file as reports show it (relative to the working directory), or `-` / `<stdin>`. */
  readonly file: string;
  /** 1-based line; absent when the problem is about the whole file (it does not exist, it is too big). */
  readonly line?: number;
  /** 1-based column, counted in characters from the start of the line. */
  readonly column?: number;
  /** Dotted path of the field, e.g. `apps.web.rotation.maxAge`, when the front end names it apart from the message. */
  readonly path?: string;
  /** The sentence after the path: the value, the rule and the fix. */
  readonly message: string;
}

/** A position in a file, 1-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** The problem's sentence with its path in front: `apps.web.replicas ("three") must be a number.`. */
export function problemText(problem: SourceProblem): string {
  return problem.path === undefined || problem.path === ""
    ? problem.message
    : `${problem.path} ${problem.message}`;
}

/** Formats a problem the way compilers do, so editors and CI logs link to it: `file:line:col: path message`. */
export function formatSourceProblem(problem: SourceProblem): string {
  const where =
    problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
  return `${where}: ${problemText(problem)}`;
}
