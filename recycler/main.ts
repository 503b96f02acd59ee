/**
 * The in-cluster entry point: what the PodRecycler CronJob runs (`node recycler.js --deployment web ...`).
 * esbuild bundles this file into one dependency-free script (`./bundle.ts`), so it imports only the recycler's
 * own modules and Node built-ins; in particular not the `yaml` package (a kubeconfig here must be JSON).
 */
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { systemClock, type Clock } from "./clock";
import { inClusterConnection, SERVICE_ACCOUNT_DIR, type Connection } from "./connection";
import { loadKubeconfig, parseJsonKubeconfig } from "./kubeconfig";
import { formatLogText, type LogEntry } from "./report";
import { describeError, runRecycler } from "./run";
import { EXIT_INVALID_SETTINGS, parseRecyclerArgs, recyclerUsage } from "./settings";

export interface MainIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly write: (line: string) => void;
  readonly clock?: Clock;
  /** The service-account directory (tests point it elsewhere). */
  readonly serviceAccountDir?: string;
}

/** Runs the recycler as the CronJob does; resolves with the exit code. */
export async function main(argv: readonly string[], io: MainIo): Promise<number> {
  const dir = io.serviceAccountDir ?? SERVICE_ACCOUNT_DIR;
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, "namespace"), "utf8").trim() || undefined;
  } catch {
    namespace = undefined;
  }
  const parsed = parseRecyclerArgs(argv, namespace ? { namespace } : {});
  if (parsed.kind === "help") {
    io.write(recyclerUsage());
    return 0;
  }
  const clock = io.clock ?? systemClock;
  const time = () => new Date(clock.now()).toISOString();
  if (parsed.kind === "invalid") {
    for (const p of parsed.problems) {
      io.write(
        JSON.stringify({
          time: time(),
          level: "error",
          msg: p.message,
          field: p.field,
          value: p.value,
          rule: p.rule,
          fix: p.fix,
        }),
      );
    }
    io.write(
      JSON.stringify({
        time: time(),
        level: "error",
        msg: `invalid settings: ${parsed.problems.length} problem(s); nothing was changed`,
      }),
    );
    return EXIT_INVALID_SETTINGS;
  }
  const settings = parsed.settings;
  let connection: Connection;
  try {
    connection = settings.kubeconfig
      ? loadKubeconfig({
          kubeconfig: settings.kubeconfig,
          ...(settings.context ? { context: settings.context } : {}),
          env: io.env,
          parse: parseJsonKubeconfig,
          clock,
        })
      : inClusterConnection({ env: io.env, dir });
  } catch (error) {
    io.write(
      JSON.stringify({
        time: time(),
        level: "error",
        msg: describeError(error),
        namespace: settings.namespace,
        deployment: settings.deployment,
      }),
    );
    return EXIT_INVALID_SETTINGS;
  }
  const podName = io.env.POD_NAME ?? io.env.HOSTNAME ?? hostname();
  const print = (entry: LogEntry) =>
    io.write(settings.output === "text" ? formatLogText(entry) : JSON.stringify(entry));
  const report = await runRecycler(settings, {
    connection,
    clock,
    log: print,
    identity: `${podName}-${randomBytes(4).toString("hex")}`,
    self: { podName, ...(io.env.POD_UID ? { podUid: io.env.POD_UID } : {}) },
  });
  io.write(JSON.stringify({ time: time(), level: "info", msg: "report", ...report }));
  return report.exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2), { env: process.env, write: (line) => process.stdout.write(`${line}\n`) }).then(
    // exitCode, not exit(): a forced exit can cut off log lines still flowing into the pipe.
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stdout.write(
        `${JSON.stringify({ level: "error", msg: error instanceof Error ? (error.stack ?? error.message) : String(error) })}\n`,
      );
      process.exitCode = 1;
    },
  );
}
