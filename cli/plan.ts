import { Command } from "commander";
import { CatalogError, loadEnvironmentByName, type Environment } from "../catalog";
import { planJson } from "../plan/json";
import { horizonOf, planEnvironment } from "../plan/rotation-plan";
import { planSvg } from "../plan/svg";
import { formatPlanText } from "../plan/text";
import { DEFAULT_ENVIRONMENT } from "./demo";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from "./exit-codes";
import { processIo, type Io } from "./render";
import { parseFrom } from "./time-option";

export { parseFrom } from "./time-option";

export const PLAN_FORMATS = ["text", "json", "svg"] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

/** The longest horizon: a year and a day covers every daylight-saving change of a year. */
export const MAX_DAYS = 366;
/** The most runs listed per app. */
export const MAX_RUNS = 1000;

export interface PlanOptions {
  readonly env: string;
  readonly catalogDir: string;
  readonly format: string;
  readonly from?: string;
  readonly days: string;
  readonly runs: string;
}

/** `rotor plan`: what rotation will do over the next days, and the longest a pod can live. */
export function planCommand(io: Io = processIo, now: () => number = Date.now): Command {
  return new Command("plan")
    .description(
      "Show each app's rotation before it happens: runs, windows, daylight-saving effects and the longest a pod can live",
    )
    .option("--env <name>", "environment to plan", DEFAULT_ENVIRONMENT)
    .option("--catalog-dir <dir>", "directory holding the catalog files", "environments")
    .option("--format <format>", `output format: ${PLAN_FORMATS.join(", ")}`, "text")
    .option(
      "--from <time>",
      "start of the horizon, RFC 3339 (2024-03-25T09:00:00Z) or a date (UTC midnight); default now",
    )
    .option("--days <n>", `length of the horizon in days, 1 to ${MAX_DAYS}`, "7")
    .option("--runs <n>", `usable runs listed per app, 1 to ${MAX_RUNS}`, "5")
    .action((options: PlanOptions) => {
      process.exitCode = runPlan(options, io, now);
    });
}

function parseCount(text: string, max: number): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n >= 1 && n <= max ? n : undefined;
}

/** Checks every option, reporting each problem on one line; the options when all are valid. */
export function checkPlanOptions(
  options: PlanOptions,
  now: number,
): { problems: string[]; format?: PlanFormat; from?: number; days?: number; runs?: number } {
  const problems: string[] = [];
  const format = PLAN_FORMATS.find((f) => f === options.format);
  if (!format) {
    problems.push(
      `--format (${JSON.stringify(options.format)}) must be one of ${PLAN_FORMATS.join(", ")}. Use --format text.`,
    );
  }
  const from = options.from === undefined ? Math.floor(now / 60_000) * 60_000 : parseFrom(options.from);
  if (from === undefined) {
    problems.push(
      `--from (${JSON.stringify(options.from)}) must be an RFC 3339 time with a zone, like 2024-03-25T09:00:00Z or 2024-03-25T09:00:00+01:00, or a date like 2024-03-25 (midnight UTC).`,
    );
  }
  const days = parseCount(options.days, MAX_DAYS);
  if (days === undefined) {
    problems.push(
      `--days (${JSON.stringify(options.days)}) must be a whole number of days from 1 to ${MAX_DAYS}. Use for example --days 7.`,
    );
  }
  const runs = parseCount(options.runs, MAX_RUNS);
  if (runs === undefined) {
    problems.push(
      `--runs (${JSON.stringify(options.runs)}) must be a whole number from 1 to ${MAX_RUNS}. Use for example --runs 5.`,
    );
  }
  return problems.length > 0 ? { problems } : { problems, format, from, days, runs };
}

/**
 * Runs `rotor plan`; returns the exit code: 0 planned, 1 planned and some app is flagged (its bound is over the
 * ceiling, or its pods are never rotated), 2 bad options or catalog.
 */
export function runPlan(options: PlanOptions, io: Io = processIo, now: () => number = Date.now): number {
  const checked = checkPlanOptions(options, now());
  const problems = [...checked.problems];
  let environment: Environment | undefined;
  try {
    environment = loadEnvironmentByName(options.catalogDir, options.env);
  } catch (error) {
    if (!(error instanceof CatalogError)) throw error;
    const [only] = error.problems;
    // A missing environment is a bad option, one line like the others; an invalid catalog lists its problems.
    if (error.problems.length === 1 && only && only.line === undefined)
      problems.push(`--env: ${only.message}`);
    else problems.push(error.message);
  }
  if (problems.length > 0 || !environment) {
    for (const p of problems) io.stderr.write(`rotor plan: ${p}\n`);
    return EXIT_USAGE;
  }
  const { format, from, days, runs } = checked as Required<typeof checked>;
  const plan = planEnvironment(environment, horizonOf(from, days));
  if (format === "json") io.stdout.write(JSON.stringify(planJson(plan, runs), null, 2) + "\n");
  else if (format === "svg") io.stdout.write(planSvg(plan));
  else io.stdout.write(formatPlanText(plan, runs));
  return plan.apps.some((a) => a.finding) ? EXIT_FAILURE : EXIT_OK;
}
