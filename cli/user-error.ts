/**
 * The one error path of every rotor command. Filesystem errors (Node's `E...` codes) and data the `yaml` library
 * refuses to build (alias bombs, nesting deep enough to exhaust the stack) become one line that names the path
 * and the fix, and exit code 2. Only a bug in rotor itself reaches the user as a stack trace.
 *
 * Pure. The YAML refusals are worded once, by the front door for input text (`source/`), which the catalog
 * loader and `rotor check`'s reader use for the problems they collect per file; the CLI's top level uses the
 * same words for anything a command throws.
 */
import { dirname, join } from "node:path";
import { yamlDataProblem } from "../source/yaml-problems";
import { EXIT_FAILURE, EXIT_USAGE } from "./exit-codes";

/** A problem the person at the terminal can fix; its message is the whole line rotor prints after its prefix. */
export class UserError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "UserError";
  }
}

/** What a command was doing with a path when it failed. */
export type FsAction = "read" | "write" | "list" | "create" | "remove";

export interface FsContext {
  /** The path the command was working on; used when the error itself names none (EISDIR on read does not). */
  readonly path?: string;
  /** The directory the command was working in, when it does not know which file failed. */
  readonly under?: string;
  /** What the command was doing; the error's syscall decides when it is unambiguous (scandir, mkdir, ...). */
  readonly action?: FsAction;
  /** The option the path came from, like `--output`, so the message can name it. */
  readonly option?: string;
  /** A file name to suggest when a directory was given where a file is written, like `rotor.sarif`. */
  readonly exampleFile?: string;
}

/** Whether `error` is a Node.js system error such as ENOENT (a string `code` of the form `E...`). */
export function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === "string" &&
    /^E[A-Z0-9]+$/.test((error as NodeJS.ErrnoException).code as string)
  );
}

const SYSCALL_ACTIONS: Readonly<Record<string, FsAction>> = {
  scandir: "list",
  opendir: "list",
  readdir: "list",
  mkdir: "create",
  rm: "remove",
  rmdir: "remove",
  unlink: "remove",
  write: "write",
  read: "read",
};

/** The reason Node gives, without the `CODE: ` prefix and the `, syscall 'path'` suffix. */
function nodeReason(error: NodeJS.ErrnoException): string {
  return error.message
    .replace(/^E[A-Z0-9]+: /, "")
    .replace(/, \w+ '[^]*'$/, "")
    .replace(/, \w+$/, "");
}

/**
 * One line for a failed filesystem operation: what rotor was doing, on which path, why it failed and what to
 * do about it. `context` fills in what the error does not carry.
 */
export function fsErrorMessage(error: NodeJS.ErrnoException, context: FsContext = {}): string {
  const exact = context.path !== undefined || typeof error.path === "string";
  // The caller's name for the path (as the user typed it) wins over the resolved one in the error. With no
  // path at all, the message reads as the rest of a sentence about a wrapped error ("...: it is a directory").
  const path = context.path ?? error.path ?? context.under ?? "it";
  const action = SYSCALL_ACTIONS[error.syscall ?? ""] ?? context.action ?? "read";
  const named =
    context.option && (path === context.path || path === context.under)
      ? `${path} (${context.option})`
      : path;
  const code = error.code ?? "";
  // Without the exact path (Node omits it for EISDIR on read, say), say where rotor was working instead.
  const target = exact || context.under === undefined ? named : `a file in ${named}`;
  switch (code) {
    case "ENOENT":
      if (action === "write" || action === "create") {
        const parent = dirname(path);
        return `cannot ${action} ${target}: the directory ${parent} does not exist. Create it first (mkdir -p ${parent}) or choose a path in an existing directory.`;
      }
      return `${target} does not exist. Check the path.`;
    case "ENOTDIR":
      if (action === "list" && exact) {
        return `${target} is a file, not a directory. Give a directory, or move the file out of the way.`;
      }
      return `cannot ${action} ${target}: part of the path is a file, not a directory. Check the path, or move that file out of the way.`;
    case "EISDIR":
      if (action === "write") {
        const example = context.exampleFile ? `, like ${join(path, context.exampleFile)}` : "";
        return `cannot write ${target}: it is a directory. Name a file to write${example}.`;
      }
      return `${target} is a directory, not a file. Name a file.`;
    case "EEXIST":
      return `cannot ${action} ${target}: a file of that name already exists. Remove it or choose another path.`;
    case "EACCES":
    case "EPERM":
      return `cannot ${action} ${target}: permission denied. Fix its permissions, or choose another path.`;
    case "EROFS":
      return `cannot ${action} ${target}: the file system is read-only. Choose a writable path.`;
    case "ENOSPC":
    case "EDQUOT":
      return `cannot ${action} ${target}: no space left on the device. Free some space, or choose another path.`;
    case "ELOOP":
      return `cannot ${action} ${target}: too many levels of symbolic links (a link that points at itself?). Fix the links.`;
    case "ENAMETOOLONG":
      return `cannot ${action} ${target}: the path is too long. Use a shorter path.`;
    case "EMFILE":
    case "ENFILE":
      return `cannot ${action} ${target}: too many open files. Close other programs or raise the limit (ulimit -n).`;
    case "EBUSY":
      return `cannot ${action} ${target}: it is busy (in use by another process). Try again once it is free.`;
    default:
      return `cannot ${action} ${target}: ${nodeReason(error)} (${code}).`;
  }
}

/**
 * {@link fsErrorMessage} for reports that already put the file in front (`file: message`): a leading file name
 * is dropped, so `x.yaml is a directory, not a file.` becomes `is a directory, not a file.`.
 */
export function fsProblem(error: NodeJS.ErrnoException, context: FsContext = {}): string {
  const message = fsErrorMessage(error, { ...context, option: undefined });
  const path = context.path ?? error.path ?? context.under;
  return path !== undefined && message.startsWith(`${path} `) ? message.slice(path.length + 1) : message;
}

/**
 * A wrapped error (`new Error("cannot read the token file /t", { cause })`) in one line: its own message, then
 * why, worded by this module when the cause is a filesystem error or a YAML refusal.
 */
export function explainWrapped(error: Error): string {
  const cause = (error as { cause?: unknown }).cause;
  // A wrapper that appends its cause's own message (`cannot read x: ENOENT: ...`) gets this module's instead.
  const suffix = cause instanceof Error ? `: ${cause.message}` : undefined;
  const head =
    suffix && error.message.endsWith(suffix) ? error.message.slice(0, -suffix.length) : error.message;
  // The wrapper names the file already: the cause reads as a sentence about "it".
  if (isSystemError(cause)) return `${head}: ${fsErrorMessage(cause, { path: "it" })}`;
  const yaml = yamlDataProblem(cause);
  if (yaml !== undefined) return `${head}: it ${yaml}`;
  if (cause instanceof Error && !error.message.includes(cause.message))
    return `${error.message}: ${cause.message.split("\n")[0]}`;
  return error.message;
}

/** Runs a synchronous filesystem operation; a system error becomes a {@link UserError} that names the path. */
export function onPath<T>(context: FsContext, operation: () => T): T {
  try {
    return operation();
  } catch (error) {
    if (isSystemError(error)) throw new UserError(fsErrorMessage(error, context), { cause: error });
    throw error;
  }
}

/** Builds data from a parsed YAML document; a refusal becomes a {@link UserError} that names `file`. */
export function yamlToData<T>(file: string, toData: () => T): T {
  try {
    return toData();
  } catch (error) {
    const problem = yamlDataProblem(error);
    if (problem !== undefined) throw new UserError(`${file} ${problem}`, { cause: error });
    throw error;
  }
}

/** What the user sees for an error that escaped a command, and the exit code. */
export interface ErrorReport {
  readonly text: string;
  readonly exitCode: number;
}

/**
 * The top level of every command: a {@link UserError}, a system error or a YAML refusal is one line and exit 2;
 * anything else is a bug in rotor, shown with its stack so it can be reported.
 */
export function reportError(error: unknown, prefix: string): ErrorReport {
  if (error instanceof UserError) return { text: `${prefix}: ${error.message}\n`, exitCode: EXIT_USAGE };
  if (isSystemError(error)) {
    // EPIPE: whoever read the output stopped reading (`| head`); nothing is left to tell them.
    if (error.code === "EPIPE") return { text: "", exitCode: 0 };
    return { text: `${prefix}: ${fsErrorMessage(error)}\n`, exitCode: EXIT_USAGE };
  }
  const yaml = yamlDataProblem(error);
  if (yaml !== undefined) return { text: `${prefix}: an input file ${yaml}\n`, exitCode: EXIT_USAGE };
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return {
    text: `${prefix}: internal error, a bug in rotor. Please report it with the command you ran:\n${detail}\n`,
    exitCode: EXIT_FAILURE,
  };
}
