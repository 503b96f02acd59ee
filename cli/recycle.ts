/**
 * `rotor recycle`: the recycler from a laptop, with the same flags as the in-cluster bundle plus `--kubeconfig`,
 * `--context` and `--output`. Text output on a terminal, JSON lines otherwise.
 */
import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { Command, Option } from "commander";
import {
  EXIT_INVALID_SETTINGS,
  FLAG_HELP,
  formatLogText,
  formatReportText,
  inClusterConnection,
  isInCluster,
  kubeconfigFiles,
  loadKubeconfigYaml,
  resolveSettings,
  runRecycler,
  systemClock,
  type Clock,
  type Connection,
  type LogEntry,
  type RawSettings,
} from "../recycler";

export interface RecycleIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isTTY: boolean;
  readonly clock?: Clock;
}

const defaultIo = (): RecycleIo => ({
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
});

function help(flag: string): string {
  return FLAG_HELP.find(([f]) => f.startsWith(flag))?.[1] ?? "";
}

/** Runs one recycle from raw flag values; resolves with the exit code. */
export async function recycle(raw: RawSettings, io: RecycleIo = defaultIo()): Promise<number> {
  const resolved = resolveSettings({ ...raw, output: raw.output ?? (io.isTTY ? "text" : "json") });
  if (!resolved.ok) {
    for (const p of resolved.problems) io.err(`error: ${p.message}`);
    io.err(`rotor recycle: ${resolved.problems.length} invalid setting(s); nothing was changed`);
    return EXIT_INVALID_SETTINGS;
  }
  const settings = resolved.settings;
  const clock = io.clock ?? systemClock;
  let connection: Connection;
  try {
    const files = kubeconfigFiles({
      ...(settings.kubeconfig ? { kubeconfig: settings.kubeconfig } : {}),
      env: io.env,
    });
    const haveKubeconfig =
      settings.kubeconfig !== undefined || io.env.KUBECONFIG || files.some((f) => existsSync(f));
    connection =
      !haveKubeconfig && isInCluster(io.env)
        ? inClusterConnection({ env: io.env })
        : loadKubeconfigYaml({
            ...(settings.kubeconfig ? { kubeconfig: settings.kubeconfig } : {}),
            ...(settings.context ? { context: settings.context } : {}),
            env: io.env,
            clock,
          });
  } catch (error) {
    io.err(`error: ${(error as Error).message}`);
    return EXIT_INVALID_SETTINGS;
  }
  const text = settings.output === "text";
  const log = (entry: LogEntry) => {
    if (entry.level === "debug") return;
    io.out(text ? formatLogText(entry) : JSON.stringify(entry));
  };
  if (text) io.out(`connecting to ${connection.server} (${connection.source})`);
  const user = io.env.USER ?? "cli";
  const report = await runRecycler(settings, {
    connection,
    clock,
    log,
    identity: `${user}@${hostname()}-${randomBytes(4).toString("hex")}`,
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
    .option("--namespace <ns>", help("--namespace"))
    .option("--deployment <name>", help("--deployment"))
    .option("--max-age <duration>", help("--max-age"))
    .option("--jitter <duration>", help("--jitter"))
    .option("--max-rotations <n>", help("--max-rotations"))
    .addOption(new Option("--window <window>", help("--window")).argParser(collect))
    .option("--time-zone <IANA>", help("--time-zone"))
    .option("--strategy <strategy>", help("--strategy"))
    .option("--ready-timeout <duration>", help("--ready-timeout"))
    .option("--lease <name>", help("--lease"))
    .option("--dry-run", help("--dry-run"))
    .option("--kubeconfig <file>", help("--kubeconfig"))
    .option("--context <name>", help("--context"))
    .option("--output <format>", "json or text (default: text on a terminal, json otherwise)")
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
