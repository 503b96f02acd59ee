/**
 * The `rotor` command line. Each command lives in its own module and sets `process.exitCode`; this file loads
 * only the one being run (`await import()`), so `rotor --help` or `rotor check` never loads what `render` needs
 * (zod, the bundler) and no command loads the Pulumi SDK.
 */
import { Command, CommanderError, Help } from "commander";
import { EXIT_USAGE } from "./exit-codes";
import { reportError } from "./user-error";
import { rotorVersion } from "./version";

export { EXIT_USAGE } from "./exit-codes";

/** A command as `rotor --help` lists it, and how to load it. */
export interface CommandEntry {
  readonly name: string;
  /** The command's description, exactly as its module sets it (a test compares them). */
  readonly summary: string;
  /** How `rotor --help` shows its arguments, as commander would for the loaded command. */
  readonly term: string;
  readonly load: () => Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "render",
    summary: "Render an environment's catalog to Kubernetes YAML (one file per app plus a kustomization)",
    term: "render [options]",
    load: async () => (await import("./render.js")).renderCommand(),
  },
  {
    name: "check",
    summary:
      "Check Kubernetes manifests against rotor's rule catalog (the rules of the CrossGuard pack in policies/)",
    term: "check [options] <paths...>",
    load: async () => (await import("./check.js")).checkCommand(),
  },
  {
    name: "rules",
    summary: "List every policy rule: id, severity, default level, description, settings and how to waive it",
    term: "rules [options]",
    load: async () => (await import("./rules.js")).rulesCommand(),
  },
  {
    name: "recycle",
    summary: "Rotate the old pods of one Deployment, one at a time, never below its capacity",
    term: "recycle [options]",
    load: async () => (await import("./recycle.js")).recycleCommand(),
  },
  {
    name: "plan",
    summary:
      "Show each app's rotation before it happens: runs, windows, daylight-saving effects and the longest a pod can live",
    term: "plan [options]",
    load: async () => (await import("./plan.js")).planCommand(),
  },
  {
    name: "status",
    summary:
      "Show whether rotation is happening: each app's oldest pod against its deadline, overdue pods, the last run and Job, the next run",
    term: "status [options]",
    load: async () => (await import("./status.js")).statusCommand(),
  },
  {
    name: "demo",
    summary: "Render, check and summarise an environment: replicas, budget and rotation of each app",
    term: "demo [options]",
    load: async () => (await import("./demo.js")).demoCommand(),
  },
];

/** The command `argv` runs (`rotor help <name>` included), if it names one. */
export function invokedCommand(argv: readonly string[]): CommandEntry | undefined {
  const words = argv.filter((arg) => !arg.startsWith("-"));
  const name = words[0] === "help" ? words[1] : words[0];
  return COMMANDS.find((c) => c.name === name);
}

/**
 * Builds the `rotor` command line with `load` (every command, by default) loaded in full and the others as
 * their name and summary, which is all `rotor --help` shows.
 */
export async function buildProgram(load: readonly CommandEntry[] = COMMANDS): Promise<Command> {
  const program = new Command("rotor")
    .description("Declarative, zero-downtime pod rotation for Kubernetes")
    .version(rotorVersion(), "-V, --version", "print rotor's version")
    .showHelpAfterError()
    .exitOverride()
    .configureHelp({
      subcommandTerm: (cmd) =>
        COMMANDS.find((c) => c.name === cmd.name())?.term ?? new Help().subcommandTerm(cmd),
    });
  for (const entry of COMMANDS) {
    const command = load.includes(entry)
      ? await entry.load()
      : new Command(entry.name).description(entry.summary);
    program.addCommand(command.exitOverride());
  }
  return program;
}

/**
 * Runs the CLI; resolves with the exit code instead of exiting, so tests can call it in-process. Never rejects:
 * whatever a command throws goes through the one error path of cli/user-error.ts.
 */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  const entry = invokedCommand(argv);
  try {
    const program = await buildProgram(entry ? [entry] : []);
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; everything else commander refuses is a usage error.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const report = reportError(error, entry ? `rotor ${entry.name}` : "rotor");
    process.stderr.write(report.text);
    return report.exitCode;
  }
  return Number(process.exitCode ?? 0);
}

/** Runs the CLI as a process: what `bin/rotor.js` calls. */
export function run(argv: readonly string[]): void {
  // A reader that stops early (`rotor render --stdout | head`) closes the pipe: stop writing, say nothing.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
    });
  }
  // exitCode, not exit(): a forced exit can cut off output still flowing into a pipe.
  void main(argv).then((code) => (process.exitCode = code));
}

if (require.main === module) run(process.argv.slice(2));
