import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { hangGuard } from "./hang-guard";

/** Requires a module as @pulumi/pulumi does (its generated gRPC and protobuf modules, @grpc/grpc-js). */
export const fromPulumi = createRequire(require.resolve("@pulumi/pulumi/package.json"));

/** A Pulumi plugin started as the engine starts one: it prints the port it serves gRPC on, then serves. */
export interface StartedPlugin {
  readonly process: ChildProcess;
  readonly port: number;
}

/**
 * Starts `node <args>` in `cwd` and waits for the port it prints, or fails with its stderr if it exits first
 * (`what` names it in the messages: "the policy pack").
 */
export async function startPlugin(
  args: readonly string[],
  cwd: string,
  what: string,
): Promise<StartedPlugin> {
  const child = spawn(process.execPath, [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await hangGuard(
    new Promise<number>((resolve, reject) => {
      child.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      child.once("exit", (code) => reject(new Error(`${what} exited with ${code}: ${stderr}`)));
    }),
    `${what} to print its port`,
    () => stderr,
  );
  return { process: child, port };
}

/** Calls a method of a generated gRPC client (`client.getSchema(request, callback)`) as a promise. */
export function grpcCall<T>(client: unknown, method: string, request: unknown): Promise<T> {
  const methods = client as Record<string, (req: unknown, cb: (e: Error | null, r: T) => void) => void>;
  return new Promise((resolve, reject) => {
    methods[method].call(client, request, (error, response) => (error ? reject(error) : resolve(response)));
  });
}
