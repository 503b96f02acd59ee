/**
 * `rotor status`: is rotation happening, and if not, why. Reads rotor's recycler CronJobs and what they point at
 * (status/fetch.ts), judges each app (status/app-status.ts) and prints a table and details, or JSON
 * (status/format.ts). Read-only. Exit codes: 0 every app within its bound, 1 some app needs attention, 2 usage or
 * connection errors, through the one error path of ./user-error.ts.
 */
import { Command, Option } from "commander";
import { systemClock, type Clock } from "../recycler/clock";
import type { Connection } from "../recycler/connection";
import { ApiError, classifyFailure, NetworkError, RetriesExhaustedError } from "../recycler/errors";
import { KubeClient, type RetryPolicy } from "../recycler/kube-client";
import { DNS_LABEL } from "../contract/names";
import { appStatus, sortStatuses, statusExitCode } from "../status/app-status";
import { observeApps } from "../status/fetch";
import { formatStatusText, statusJson, type Scope } from "../status/format";
import { connect } from "./connect";
import { parseFrom } from "./time-option";
import { explainWrapped, UserError } from "./user-error";

export const STATUS_FORMATS = ["text", "json"] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

/** Where the namespace comes from without `-n`, as kubectl decides it. */
export const FALLBACK_NAMESPACE = "default";

/** A status read should answer quickly or say why: a few short retries for a busy server, then the error. */
export const STATUS_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 250,
  maxDelayMs: 2000,
  maxRetryAfterMs: 10_000,
};

/** Bound of one request. */
export const STATUS_REQUEST_TIMEOUT_MS = 15_000;

export interface StatusOptions {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly format: string;
  /** Hidden: the instant to judge at, RFC 3339 (tests; the default is the clock's now). */
  readonly now?: string;
}

export interface StatusIo {
  readonly stdout: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
}

const processIo = (): StatusIo => ({ stdout: process.stdout, env: process.env });

/** Every problem with the options, one line each. */
export function checkStatusOptions(options: StatusOptions): string[] {
  const problems: string[] = [];
  if (!STATUS_FORMATS.some((f) => f === options.format)) {
    problems.push(
      `--format (${JSON.stringify(options.format)}) must be one of ${STATUS_FORMATS.join(", ")}. Use --format text, or --format json for scripts.`,
    );
  }
  if (options.namespace !== undefined && options.allNamespaces) {
    problems.push(
      `-n/--namespace (${JSON.stringify(options.namespace)}) and -A/--all-namespaces exclude each other: one namespace, or all of them. Pass only one.`,
    );
  } else if (
    options.namespace !== undefined &&
    (options.namespace.length > 63 || !DNS_LABEL.test(options.namespace))
  ) {
    problems.push(
      `-n/--namespace (${JSON.stringify(options.namespace)}) must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters). Use the namespace exactly as \`kubectl get namespaces\` shows it.`,
    );
  }
  for (const [flag, value] of [
    ["--kubeconfig", options.kubeconfig],
    ["--context", options.context],
  ] as const) {
    if (value === "") problems.push(`${flag} ("") must not be empty. Leave it out or give a value.`);
  }
  if (options.now !== undefined && parseFrom(options.now) === undefined) {
    problems.push(
      `--now (${JSON.stringify(options.now)}) must be an RFC 3339 time with a zone, like 2026-01-05T10:00:00Z.`,
    );
  }
  return problems;
}

/** One line for a failed read: what failed, why, and what to do. */
export function explainReadFailure(error: unknown, connection: Connection): string {
  const last = error instanceof RetriesExhaustedError ? error.last : error;
  const where = `${connection.server} (${connection.source})`;
  const failure = classifyFailure(last);
  if (last instanceof NetworkError || failure.kind === "timeout") {
    const reason = (last as Error).message.replace(/^[A-Z]+ \S+: /, "");
    return `cannot reach the API server at ${where}: ${reason}`;
  }
  if (last instanceof ApiError) {
    const message = last.status?.message ?? "";
    if (last.statusCode === 403) {
      return `the API server at ${where} refused a read (403 Forbidden: ${message}). rotor status only reads; bind the rotor-status Role (one namespace) or ClusterRole (--all-namespaces) from the README's "rotor status" section.`;
    }
    if (last.statusCode === 401) {
      return `the API server at ${where} did not accept the credentials (401 Unauthorized${message ? `: ${message}` : ""}). Log in again, or fix the user of the kubeconfig context.`;
    }
    return `the API server at ${where} answered ${last.method} ${last.path} with ${last.statusCode}${last.reason ? ` ${last.reason}` : ""}${message ? `: ${message}` : ""}`;
  }
  return explainWrapped(last instanceof Error ? last : new Error(String(last)));
}

/** Runs `rotor status`; resolves with the exit code (0 or 1). Usage and connection errors throw a UserError. */
export async function runStatus(options: StatusOptions, io: StatusIo = processIo()): Promise<number> {
  const problems = checkStatusOptions(options);
  if (problems.length > 0) throw new UserError(problems.join("\nrotor status: "));
  const clock = io.clock ?? systemClock;
  let connection: Connection;
  try {
    connection = connect(options, io.env, clock);
    await connection.credentials();
  } catch (error) {
    throw new UserError(explainWrapped(error as Error), { cause: error });
  }
  const scope: Scope = options.allNamespaces
    ? { allNamespaces: true }
    : { namespace: options.namespace ?? connection.namespace ?? FALLBACK_NAMESPACE };
  const client = new KubeClient(connection, clock, {
    retry: STATUS_RETRY,
    requestTimeoutMs: STATUS_REQUEST_TIMEOUT_MS,
    userAgent: "rotor-status",
  });
  let observed;
  try {
    observed = await observeApps(client, scope);
  } catch (error) {
    throw new UserError(explainReadFailure(error, connection), { cause: error });
  } finally {
    client.close();
  }
  const now = options.now !== undefined ? (parseFrom(options.now) as number) : clock.now();
  const apps = sortStatuses(observed.map((o) => appStatus(o, now)));
  if (options.format === "json")
    io.stdout.write(`${JSON.stringify(statusJson(apps, scope, now), null, 2)}\n`);
  else io.stdout.write(formatStatusText(apps, scope, now));
  return statusExitCode(apps);
}

/** The `status` command, registered by `cli/main.ts`. */
export function statusCommand(io?: StatusIo): Command {
  return new Command("status")
    .description(
      "Show whether rotation is happening: each app's oldest pod against its deadline, overdue pods, the last run and Job, the next run",
    )
    .option("--kubeconfig <file>", "kubeconfig to use (default: KUBECONFIG, else ~/.kube/config)")
    .option("--context <name>", "kubeconfig context (default: its current-context)")
    .option(
      "-n, --namespace <ns>",
      `namespace to read (default: the kubeconfig context's namespace, else ${FALLBACK_NAMESPACE})`,
    )
    .option("-A, --all-namespaces", "read every namespace (needs the rotor-status ClusterRole)")
    .option("--format <format>", `output format: ${STATUS_FORMATS.join(", ")}`, "text")
    .addOption(new Option("--now <time>", "judge as of this instant (RFC 3339), for tests").hideHelp())
    .action(async (options: StatusOptions) => {
      process.exitCode = await runStatus(options, io ?? processIo());
    });
}
