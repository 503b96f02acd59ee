import { Command, CommanderError } from "commander";
import { checkCommand } from "./check";
import { demoCommand } from "./demo";
import { planCommand } from "./plan";
import { recycleCommand } from "./recycle";
import { renderCommand } from "./render";

import { EXIT_USAGE } from "./exit-codes";

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

/** Runs the CLI; resolves with the exit code instead of exiting, so tests can call it in-process. */
export async function main(argv: readonly string[]): Promise<number> {
  process.exitCode = 0;
  try {
    await buildProgram().parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are exits with code 0; everything else commander refuses is a usage error.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw error;
  }
  return Number(process.exitCode ?? 0);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    // exitCode, not exit(): a forced exit can cut off output still flowing into a pipe.
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exitCode = 1;
    },
  );
}
