import { Command, CommanderError } from "commander";
import { checkCommand } from "./check";
import { demoCommand } from "./demo";
import { planCommand } from "./plan";
import { recycleCommand } from "./recycle";
import { renderCommand } from "./render";
import { EXIT_USAGE } from "./exit-codes";
import { reportError } from "./user-error";

export { EXIT_USAGE } from "./exit-codes";

/** Builds the `rotor` command line. Each command lives in its own module and sets `process.exitCode`. */
export function buildProgram(): Command {
  const program = new Command("rotor")
    .description("Declarative, zero-downtime pod rotation for Kubernetes")
    .showHelpAfterError()
    .exitOverride();
  for (const command of [renderCommand(), checkCommand(), recycleCommand(), planCommand(), demoCommand()]) {
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
  const command = argv.find((arg) => !arg.startsWith("-"));
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; everything else commander refuses is a usage error.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    const report = reportError(error, command ? `rotor ${command}` : "rotor");
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
