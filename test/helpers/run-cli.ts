/** Runs `rotor <args>` in-process through cli/main.ts, as the bin does, capturing what it writes. */
import { main } from "../../cli/main";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function rotorInProcess(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  // rotor writes strings; the test runner reports through the same stream in binary chunks, which must pass
  // (a test that swallowed them would make other tests' results vanish).
  process.stdout.write = (chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === "string" ? out.push(chunk) > 0 : writeOut(chunk, ...rest);
  process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) =>
    typeof chunk === "string" ? err.push(chunk) > 0 : writeErr(chunk, ...rest);
  try {
    const code = await main(args);
    return { code, stdout: out.join(""), stderr: err.join("") };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
    process.exitCode = 0;
  }
}
