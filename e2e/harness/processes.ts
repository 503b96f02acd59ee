/**
 * The control plane's processes: each started in its own process group with its output in a log file, all
 * stopped together. A watchdog process outlives nothing: it reads the PIDs on a pipe from this process and,
 * when the pipe closes because this process died (even by SIGKILL), stops every group it was told about.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export interface Started {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has exited. */
  readonly exited: Promise<string>;
}

const WATCHDOG = `
const pids = new Set();
let buf = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf("\\n")) >= 0) {
    const [op, pid] = buf.slice(0, i).split(" ");
    buf = buf.slice(i + 1);
    if (op === "+") pids.add(Number(pid));
    else pids.delete(Number(pid));
  }
});
const kill = (sig) => { for (const p of pids) { try { process.kill(-p, sig); } catch {} } };
process.stdin.on("end", () => { kill("SIGTERM"); setTimeout(() => { kill("SIGKILL"); process.exit(0); }, 5000); });
`;

/** A free TCP port on 127.0.0.1 right now (a component that then fails to bind it is retried on another). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export class ProcessGroup {
  private readonly started: Started[] = [];
  private readonly watchdog: ChildProcess;
  private stopping: Promise<void> | undefined;

  constructor(private readonly logDir: string) {
    this.watchdog = spawn(process.execPath, ["-e", WATCHDOG], {
      stdio: ["pipe", "ignore", "ignore"],
      detached: true,
    });
    this.watchdog.unref();
    // The pipe must not keep this process alive, only tell the watchdog when it ends.
    (this.watchdog.stdin as unknown as { unref?: () => void }).unref?.();
  }

  /** Starts `command` in its own process group, its stdout and stderr appended to `<logDir>/<name>.log`. */
  start(
    name: string,
    command: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
  ): Started {
    const logFile = join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, "a");
    let child: ChildProcess;
    try {
      child = spawn(command, args, { stdio: ["ignore", fd, fd], detached: true, env });
    } finally {
      closeSync(fd);
    }
    const exited = new Promise<string>((resolve) => {
      child.once("exit", (code, signal) => {
        if (child.pid !== undefined && this.watchdog.stdin?.writable)
          this.watchdog.stdin.write(`- ${child.pid}\n`);
        resolve(signal ?? `exit code ${code ?? "?"}`);
      });
      child.once("error", (error) => resolve(`failed to start: ${error.message}`));
    });
    if (child.pid === undefined) {
      throw new Error(`could not start ${name} (${command}): is it installed and executable?`);
    }
    this.watchdog.stdin?.write(`+ ${child.pid}\n`);
    const entry: Started = { name, pid: child.pid, logFile, child, exited };
    this.started.push(entry);
    return entry;
  }

  /** Stops one process (its whole group): SIGTERM, then SIGKILL after `graceMs`. */
  async stopOne(entry: Started, graceMs = 10_000): Promise<void> {
    if (entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    signalGroup(entry.pid, "SIGTERM");
    const timer = setTimeout(() => signalGroup(entry.pid, "SIGKILL"), graceMs);
    await entry.exited;
    clearTimeout(timer);
  }

  /** Kills one process (its whole group) with SIGKILL, as a crash would end it, and waits until it has exited. */
  async killOne(entry: Started): Promise<void> {
    if (entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    signalGroup(entry.pid, "SIGKILL");
    await entry.exited;
  }

  /** Sends a signal to one running process (its whole group): SIGSTOP and SIGCONT freeze and thaw it. */
  signalOne(entry: Started, signal: NodeJS.Signals): void {
    if (entry.child.exitCode === null && entry.child.signalCode === null) signalGroup(entry.pid, signal);
  }

  /** Stops every process, last started first; safe to call more than once. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      for (const entry of [...this.started].reverse()) await this.stopOne(entry);
      this.watchdog.stdin?.end();
    })();
    return this.stopping;
  }

  get pids(): readonly number[] {
    return this.started.map((s) => s.pid);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** The last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return "(no log)";
  }
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
