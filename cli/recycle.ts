/**
 * `rotor recycle`: the recycler from a laptop, with the same flags as the in-cluster bundle plus `--kubeconfig`,
 * `--context` and `--output` (text by default, json on request; never decided by what stdout is).
 *
 * Imports the recycler's modules one by one rather than `../recycler` (whose index also carries the bundler), so
 * the command starts quickly.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Command, Option } from "commander";
import { systemClock, type Clock } from "../recycler/clock";
import type { Connection } from "../recycler/connection";
import { DEFAULT_RETRY, type RetryPolicy } from "../recycler/kube-client";
import { formatLogText, formatReportText, type LogEntry } from "../recycler/report";
import { runRecycler } from "../recycler/run";
import {
  EXIT_INVALID_SETTINGS,
  FLAG_HELP,
  resolveSettings,
  type OutputFormat,
  type RawSettings,
  type SettingsProblem,
} from "../recycler/settings";
import { connect } from "./connect";
import { explainWrapped } from "./user-error";

export interface RecycleIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock?: Clock;
}

const defaultIo = (): RecycleIo => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
});

/** `rotor recycle`'s default output: people run it at a terminal; scripts ask for json. */
export const DEFAULT_OUTPUT: OutputFormat = "text";

/** Where the namespace comes from when --namespace is not given, as kubectl decides it. */
export const FALLBACK_NAMESPACE = "default";

/** A dry run only reads: when a request fails, the plan it would print is wrong, so say so at once. */
export const DRY_RUN_RETRY: RetryPolicy = { ...DEFAULT_RETRY, attempts: 1 };

function help(flag: string): string {
  return FLAG_HELP.find(([f]) => f.startsWith(flag))?.[1] ?? "";
}

function reportProblems(problems: readonly SettingsProblem[], io: RecycleIo, note = ""): number {
  for (const p of problems) io.err(`error: ${p.message}${p.field === "--namespace" ? note : ""}`);
  io.err(`rotor recycle: ${problems.length} invalid setting(s); nothing was changed`);
  return EXIT_INVALID_SETTINGS;
}

/** Runs one recycle from raw flag values; resolves with the exit code. */
export async function recycle(raw: RawSettings, io: RecycleIo = defaultIo()): Promise<number> {
  const withOutput: RawSettings = { ...raw, output: raw.output ?? DEFAULT_OUTPUT };
  // Every flag is checked before the kubeconfig is read; the namespace may only be known from it.
  const early = resolveSettings(withOutput, { namespace: FALLBACK_NAMESPACE });
  if (!early.ok) return reportProblems(early.problems, io);
  const clock = io.clock ?? systemClock;
  let connection: Connection;
  try {
    connection = connect(raw, io.env, clock);
  } catch (error) {
    io.err(`error: ${explainWrapped(error as Error)}`);
    return EXIT_INVALID_SETTINGS;
  }
  // As kubectl: --namespace, else the context's namespace (or the pod's), else "default".
  const namespaceFrom =
    raw.namespace !== undefined ? "--namespace" : connection.namespace ? "the context" : "the default";
  const namespace = raw.namespace ?? connection.namespace ?? FALLBACK_NAMESPACE;
  const resolved = resolveSettings({ ...withOutput, namespace });
  if (!resolved.ok) {
    const note = ` (the namespace comes from ${connection.source}; pass --namespace to choose another)`;
    return reportProblems(resolved.problems, io, raw.namespace === undefined ? note : "");
  }
  const settings = resolved.settings;
  // Credentials once, up front: a missing token file or a failing exec plugin is a setup problem, not a run.
  try {
    await connection.credentials();
  } catch (error) {
    io.err(`error: ${explainWrapped(error as Error)}`);
    return EXIT_INVALID_SETTINGS;
  }
  const text = settings.output === "text";
  const log = (entry: LogEntry) => {
    if (entry.level === "debug") return;
    io.out(text ? formatLogText(entry) : JSON.stringify(entry));
  };
  if (text) {
    io.out(
      `connecting to ${connection.server} (${connection.source}); namespace ${settings.namespace} (from ${namespaceFrom})`,
    );
  }
  const user = io.env.USER ?? "cli";
  const report = await runRecycler(settings, {
    connection,
    clock,
    log,
    identity: `${user}@${hostname()}-${randomBytes(4).toString("hex")}`,
    ...(settings.dryRun ? { retry: DRY_RUN_RETRY } : {}),
  });
  io.out(
    text
      ? formatReportText(report)
      : JSON.stringify({
          time: new Date(clock.now()).toISOString(),
          level: "info",
          msg: "report",
          ...report,
        }),
  );
  return report.exitCode;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The `recycle` command, registered by `cli/main.ts`. */
export function recycleCommand(): Command {
  return new Command("recycle")
    .description("Rotate the old pods of one Deployment, one at a time, never below its capacity")
    .option(
      "--namespace <ns>",
      `namespace of the Deployment (default: the kubeconfig context's namespace, else ${FALLBACK_NAMESPACE})`,
    )
    .option("--deployment <name>", help("--deployment"))
    .option("--max-age <duration>", help("--max-age"))
    .option("--jitter <duration>", help("--jitter"))
    .option("--max-rotations <n>", help("--max-rotations"))
    .addOption(new Option("--window <window>", help("--window")).argParser(collect))
    .option("--time-zone <IANA>", help("--time-zone"))
    .option("--strategy <strategy>", help("--strategy"))
    .option("--ready-timeout <duration>", help("--ready-timeout"))
    .option("--lease <name>", help("--lease"))
    .option("--dry-run", `${help("--dry-run")}; a failed request ends it at once (no retries)`)
    .option("--kubeconfig <file>", help("--kubeconfig"))
    .option("--context <name>", help("--context"))
    .addOption(
      new Option("--output <format>", "text lines, or json lines ending with the report")
        .choices(["text", "json"])
        .default(DEFAULT_OUTPUT),
    )
    .action(async (opts: Record<string, string | string[] | boolean | undefined>) => {
      const raw: RawSettings = {};
      const s = (k: string) => (typeof opts[k] === "string" ? opts[k] : undefined);
      const assign = <K extends keyof RawSettings>(key: K, value: RawSettings[K] | undefined) => {
        if (value !== undefined) raw[key] = value;
      };
      assign("namespace", s("namespace"));
      assign("deployment", s("deployment"));
      assign("maxAge", s("maxAge"));
      assign("jitter", s("jitter"));
      assign("maxRotations", s("maxRotations"));
      const windows = opts.window as string[] | undefined;
      if (windows && windows.length > 0) raw.window = windows;
      assign("timeZone", s("timeZone"));
      assign("strategy", s("strategy"));
      assign("readyTimeout", s("readyTimeout"));
      assign("lease", s("lease"));
      if (opts.dryRun === true) raw.dryRun = true;
      assign("kubeconfig", s("kubeconfig"));
      assign("context", s("context"));
      assign("output", s("output"));
      process.exitCode = await recycle(raw);
    });
}
