import { DEFAULT_CONFIG, type ResolvedConfig } from "./config";
import { evaluate } from "./engine";
import type { RatedFinding, Rule, Severity } from "./model";
import { RULES } from "./rules";
import type { SourceProblem } from "../source";
import { LoadedSources, type SkipCounts, type SourceFile, type SourceLocation } from "./sources";

/**
 * `rotor check` without the command line: load manifest sources, evaluate the catalog, place every finding in
 * its file and decide the exit code. Pure apart from the CPU it burns, so tests and the benchmark call it
 * directly.
 */

/**
 * Which findings fail the check. An enforcement level: `mandatory` ones (the default), `advisory` and up, or
 * `none` (report only). Or a severity: `mandatory` findings of that severity or higher, so a team can start by
 * failing on `high` only; advisory findings fail only with `advisory`, whatever their severity.
 */
export type FailLevel = "mandatory" | "advisory" | "none" | Severity;
/** The enforcement levels --fail-level accepts, strongest last. */
export const ENFORCEMENT_FAIL_LEVELS = [
  "mandatory",
  "advisory",
  "none",
] as const satisfies readonly FailLevel[];
/** The severities --fail-level accepts, most severe first: every severity a rule can have. */
export const SEVERITY_FAIL_LEVELS = [
  "critical",
  "high",
  "medium",
  "low",
] as const satisfies readonly Severity[];
export const FAIL_LEVELS: readonly FailLevel[] = [...ENFORCEMENT_FAIL_LEVELS, ...SEVERITY_FAIL_LEVELS];

/** Whether a finding that is not waived fails the check at `failLevel`. */
export function failsAt(finding: Pick<RatedFinding, "level" | "severity">, failLevel: FailLevel): boolean {
  if (failLevel === "none") return false;
  if (failLevel === "advisory") return true;
  if (finding.level !== "mandatory") return false;
  if (failLevel === "mandatory") return true;
  return SEVERITY_FAIL_LEVELS.indexOf(finding.severity) <= SEVERITY_FAIL_LEVELS.indexOf(failLevel);
}

/** A finding with where it is written. */
export interface LocatedFinding extends RatedFinding {
  readonly location?: SourceLocation;
}

export interface CheckResult {
  /** Findings in file, line, column and rule order; waived ones included (with `waivedBecause`). */
  readonly findings: readonly LocatedFinding[];
  /** Files that could not be read or parsed, and other input errors. */
  readonly problems: readonly SourceProblem[];
  readonly files: number;
  readonly documents: number;
  readonly objects: number;
  readonly skipped: SkipCounts;
  readonly rules: readonly Rule[];
  readonly config: ResolvedConfig;
  /** 0: nothing blocks; 1: findings at or above the fail level; 2: input errors. */
  readonly exitCode: 0 | 1 | 2;
}

export interface CheckOptions {
  readonly config?: ResolvedConfig;
  readonly failLevel?: FailLevel;
  readonly rules?: readonly Rule[];
  /** Problems found before parsing (unreadable files, size limits), reported with the rest. */
  readonly problems?: readonly SourceProblem[];
}

/** Checks manifest sources and returns everything a report needs. */
export function checkSources(files: readonly SourceFile[], options: CheckOptions = {}): CheckResult {
  const config = options.config ?? DEFAULT_CONFIG;
  const rules = options.rules ?? RULES;
  const sources = new LoadedSources();
  for (const file of files) sources.add(file);
  const problems = [...(options.problems ?? []), ...sources.problems];
  if (sources.objects.length === 0 && problems.length === 0) {
    const skipped =
      sources.skipped.notKubernetes + [...sources.skipped.unknownKinds.values()].reduce((a, b) => a + b, 0);
    problems.push({
      file: files.length === 1 ? files[0].name : `${files.length} files`,
      message:
        skipped === 0
          ? "contains no Kubernetes objects: the input is empty. Give rotor check YAML or JSON manifests."
          : `contains no Kubernetes objects rotor has rules for (${skipped} skipped). Give rotor check the manifests of your workloads.`,
    });
  }
  const findings = evaluate(sources.objects, { config, rules }).map((f): LocatedFinding => ({
    ...f,
    location: sources.locate(f.object, f.path),
  }));
  findings.sort(compareFindings);
  const failLevel = options.failLevel ?? "mandatory";
  const blocking = findings.some((f) => f.waivedBecause === undefined && failsAt(f, failLevel));
  return {
    findings,
    problems,
    files: files.length,
    documents: sources.documents,
    objects: sources.objects.length,
    skipped: sources.skipped,
    rules,
    config,
    exitCode: problems.length > 0 ? 2 : blocking ? 1 : 0,
  };
}

function compareFindings(a: LocatedFinding, b: LocatedFinding): number {
  const fa = a.location?.file ?? "";
  const fb = b.location?.file ?? "";
  if (fa !== fb) return fa < fb ? -1 : 1;
  return (
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    (a.location?.column ?? 0) - (b.location?.column ?? 0) ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}
