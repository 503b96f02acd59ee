import * as pulumi from "@pulumi/pulumi";
import type { Problem } from "./problems";
import { formatProblem } from "./problems";

/**
 * Helpers for components whose args may hold Outputs of other resources. Plain args are validated at once, so
 * `new RotatingApp(...)` throws where it is called; args that hold Outputs are validated when they resolve.
 */

/** Whether a value holds an Output or a Promise anywhere inside it. */
export function containsEventual(value: unknown, depth = 0): boolean {
  if (depth > 20 || value === null || typeof value !== "object") return false;
  if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
  return Object.values(value).some((v) => containsEventual(v, depth + 1));
}

/** Removes keys whose value is undefined, at every depth, so `{ replicas: undefined }` reads as "not set". */
export function withoutUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => withoutUndefined(v)) as T;
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) if (v !== undefined) out[key] = withoutUndefined(v);
  return out as T;
}

/** The message of a component validation error: one line per problem, each naming its args field. */
export function problemsMessage(kind: string, name: string, problems: readonly Problem[]): string {
  return (
    `${kind} "${name}" has invalid args (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
    problems.map((p) => `  - ${formatProblem(p)}`).join("\n")
  );
}

/**
 * The error, with its message fixed. With Output-valued args one error rejects the inputs of every child, and
 * @pulumi/pulumi's serializer prefixes `error serializing property "<key>": ` to the message of the error it
 * rethrows, in place: nine prefixes for a RotatingApp, on top of the component's message. The key says nothing
 * here (every input fails for the same reason), so the message stays the component's own.
 */
function withFixedMessage(error: Error): Error {
  const message = error.message;
  Object.defineProperty(error, "message", { get: () => message, set: () => undefined, configurable: true });
  return error;
}

/**
 * Resolves args to a validated spec. With plain args the check runs now, throws a ResourceError at once, and the
 * spec is a plain value, so children get plain inputs (cheaper for the engine than Outputs); with Outputs it runs
 * when they resolve and the ResourceError fails the deployment of this resource.
 */
export function resolveSpec<T>(
  args: object,
  resolve: (plain: unknown) => { spec?: T; problems: readonly Problem[] },
  fail: (problems: readonly Problem[]) => Error,
): T | pulumi.Output<T> {
  const check = (plain: unknown): T => {
    const result = resolve(withoutUndefined(plain));
    if (!result.spec || result.problems.length > 0) throw withFixedMessage(fail(result.problems));
    return result.spec;
  };
  if (!containsEventual(args)) return check(args);
  return pulumi.output(args).apply((plain) => check(plain));
}

/** Applies `f` to a value that is either plain or an Output, keeping it plain when it is. */
export function lift<T, U>(value: T | pulumi.Output<T>, f: (plain: T) => U): U | pulumi.Output<U> {
  return pulumi.Output.isInstance(value) ? value.apply<U>((v) => f(v)) : f(value);
}
