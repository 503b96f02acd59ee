import {
  existsSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  readdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { resolveConfig, type ResolvedConfig } from "../policies/config";
import { formatProblem, formatReport, summary, REPORT_FORMATS, type ReportFormat } from "../policies/report";
import { suggest } from "../components/zod-problems";
import {
  checkSources,
  ENFORCEMENT_FAIL_LEVELS,
  FAIL_LEVELS,
  SEVERITY_FAIL_LEVELS,
  type FailLevel,
} from "../policies/run-check";
import type { SourceFile } from "../policies/sources";
import { decodeText, readYamlDocument, type SourceProblem } from "../source";
import { fsErrorMessage, fsProblem, isSystemError, onPath, type FsContext } from "./user-error";
import { rotorVersion } from "./version";

/**
 * `rotor check <files|dirs|->`: the rule catalog of the CrossGuard pack, for manifests that Pulumi never sees
 * (`rotor render` output, Helm or Kustomize output, hand-written YAML). Exit codes: 0 nothing blocks, 1 findings
 * at or above --fail-level, 2 usage or input errors (every readable file is still checked).
 */

/** Where the command reads and writes; tests replace these, the CLI uses the process's streams. */
export interface CheckIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads standard input, stopping once more than `limit` bytes arrived. */
  readonly readStdin: (limit: number) => Promise<Uint8Array>;
}

/** Files larger than this are refused unless --max-file-size says otherwise. */
export const DEFAULT_MAX_FILE_MIB = 16;

const MANIFEST_EXTENSIONS = [".yaml", ".yml", ".json"];

interface CheckFlags {
  readonly format: ReportFormat;
  readonly config?: string;
  readonly failLevel: FailLevel;
  readonly output?: string;
  readonly maxFileSize: number;
}

export function checkCommand(io: Partial<CheckIO> = {}): Command {
  const stdout = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const stderr = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const readStdin = io.readStdin ?? readProcessStdin;
  return new Command("check")
    .description(
      "Check Kubernetes manifests against rotor's rule catalog (the rules of the CrossGuard pack in policies/)",
    )
    .argument(
      "<paths...>",
      "YAML or JSON files, directories (searched recursively for *.yaml, *.yml, *.json), or - for stdin",
    )
    .addOption(new Option("-f, --format <format>", "report format").choices(REPORT_FORMATS).default("text"))
    .option(
      "-c, --config <file>",
      "rule levels and settings, YAML or JSON in the format of pulumi's --policy-pack-config",
    )
    .addOption(
      new Option(
        "--fail-level <level>",
        `fail (exit code 1) on findings at or above this level: ${ENFORCEMENT_FAIL_LEVELS.join(", ")}, or a severity (${SEVERITY_FAIL_LEVELS.join(", ")}) for mandatory findings of that severity or higher`,
      )
        .argParser(parseFailLevel)
        .default("mandatory"),
    )
    .option("-o, --output <file>", "write the report to this file instead of standard output")
    .option(
      "--max-file-size <MiB>",
      "refuse input files larger than this many MiB",
      parseMiB,
      DEFAULT_MAX_FILE_MIB,
    )
    .configureOutput({ writeOut: stdout, writeErr: stderr })
    .action(async (paths: string[], flags: CheckFlags) => {
      process.exitCode = await runCheck(paths, flags, { stdout, stderr, readStdin });
    });
}

/** Parses --fail-level; a wrong value names every accepted one, and the closest when it looks like a typo. */
export function parseFailLevel(value: string): FailLevel {
  const level = FAIL_LEVELS.find((l) => l === value);
  if (level !== undefined) return level;
  const guess = suggest(value, FAIL_LEVELS);
  throw new InvalidArgumentError(
    `must be an enforcement level (${ENFORCEMENT_FAIL_LEVELS.join(", ")}) or a severity (${SEVERITY_FAIL_LEVELS.join(", ")}).${guess ? ` Did you mean ${guess}?` : ""}`,
  );
}

function parseMiB(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError("must be a positive number of MiB, like 16 or 0.5.");
  return n;
}

async function runCheck(paths: readonly string[], flags: CheckFlags, io: CheckIO): Promise<number> {
  const limit = Math.floor(flags.maxFileSize * 1024 * 1024);
  const report = (problem: SourceProblem) => io.stderr(`rotor check: ${formatProblem(problem)}\n`);

  let config: ResolvedConfig | undefined;
  if (flags.config !== undefined) {
    const loaded = loadConfig(flags.config, limit);
    if ("problems" in loaded) {
      loaded.problems.forEach(report);
      io.stderr(
        `rotor check: ${displayName(flags.config)} is not a valid rule configuration; nothing was checked.\n`,
      );
      return 2;
    }
    config = loaded.config;
  }

  const problems: SourceProblem[] = [];
  const files: SourceFile[] = [];
  let stdinUsed = false;
  for (const path of paths) {
    if (path === "-") {
      if (stdinUsed) {
        problems.push({ file: "-", message: "standard input is given more than once; give - once." });
        continue;
      }
      stdinUsed = true;
      let bytes: Uint8Array;
      try {
        bytes = await io.readStdin(limit);
      } catch (error) {
        if (!isSystemError(error)) throw error;
        problems.push({
          file: "<stdin>",
          message: `cannot be read: ${fsErrorMessage(error, { path: "-" })}`,
        });
        continue;
      }
      addBytes("<stdin>", bytes, limit, flags.maxFileSize, files, problems);
      continue;
    }
    if (!existsSync(path)) {
      problems.push({ file: displayName(path), message: "no such file or directory." });
      continue;
    }
    const isDirectory = guarded(path, problems, { action: "read" }, () => statSync(path).isDirectory());
    if (isDirectory === undefined) continue;
    if (isDirectory) {
      const before = problems.length;
      const found = manifestsIn(path, problems);
      if (found.length === 0 && problems.length === before)
        problems.push({
          file: displayName(path),
          message: `contains no ${MANIFEST_EXTENSIONS.join(", ")} files.`,
        });
      for (const file of found) readFile(file, limit, flags.maxFileSize, files, problems);
    } else {
      readFile(path, limit, flags.maxFileSize, files, problems);
    }
  }

  const result = checkSources(files, { config, failLevel: flags.failLevel, problems });
  result.problems.forEach(report);
  const text = formatReport(result, flags.format, rotorVersion());
  if (flags.output !== undefined) {
    const output = flags.output;
    const exampleFile = `rotor-report.${flags.format === "text" ? "txt" : flags.format}`;
    onPath({ path: output, action: "write", option: "--output", exampleFile }, () =>
      writeFileSync(output, text),
    );
    io.stderr(`${summary(result)} Report written to ${flags.output}.\n`);
  } else {
    io.stdout(text);
    if (flags.format !== "text") io.stderr(`${summary(result)}\n`);
  }
  return result.exitCode;
}

/** Reads and validates a config file; problems carry file:line:column. */
function loadConfig(path: string, limit: number): { config: ResolvedConfig } | { problems: SourceProblem[] } {
  const file = displayName(path);
  const problems: SourceProblem[] = [];
  const context: FsContext = { path, action: "read", option: "--config" };
  const bytes = guarded(path, problems, context, () =>
    statSync(path).size > limit ? undefined : readFileSync(path),
  );
  if (problems.length > 0) return { problems };
  if (bytes === undefined) return { problems: [{ file, message: "is larger than --max-file-size." }] };
  const decoded = decodeText(bytes);
  if ("error" in decoded) return { problems: [{ file, message: decoded.error }] };
  const read = readYamlDocument(file, decoded.text, "rule configuration");
  if ("problems" in read) return { problems: read.problems };
  const resolved = resolveConfig(read.value);
  if (resolved.problems.length === 0) return { config: resolved.config };
  return {
    problems: resolved.problems.map((p) => {
      const name = p.path.length > 0 ? p.path.join(".") : "the configuration";
      return { file, ...read.positions.locate(p.path), message: `${name} ${p.message}` };
    }),
  };
}

/**
 * Every manifest file under `dir`, sorted; hidden directories and node_modules are skipped, and a directory that
 * cannot be listed is a problem (the others are still searched).
 */
function manifestsIn(dir: string, problems: SourceProblem[]): string[] {
  const out: string[] = [];
  const listed = guarded(dir, problems, { path: dir, action: "list" }, () =>
    readdirSync(dir, { withFileTypes: true }),
  );
  const entries = (listed ?? []).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules")
        out.push(...manifestsIn(full, problems));
    } else if (
      (entry.isFile() || entry.isSymbolicLink()) &&
      MANIFEST_EXTENSIONS.some((ext) => entry.name.toLowerCase().endsWith(ext))
    ) {
      out.push(full);
    }
  }
  return out;
}

function readFile(
  path: string,
  limit: number,
  mib: number,
  files: SourceFile[],
  problems: SourceProblem[],
): void {
  const name = displayName(path);
  const bytes = guarded(path, problems, { path, action: "read" }, () => {
    const size = statSync(path).size;
    return size > limit ? size : readAtMost(path, limit + 1);
  });
  if (bytes === undefined) return;
  if (typeof bytes === "number") problems.push({ file: name, message: tooBig(bytes, mib) });
  else addBytes(name, bytes, limit, mib, files, problems);
}

/**
 * Reads at most `max` bytes, until the end of the file: so a file that grows while it is read cannot exhaust
 * memory, and a pipe (`rotor check <(helm template ...)`, whose size is 0) is read to its end.
 */
function readAtMost(path: string, max: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(max - total, 1 << 20));
      if (chunk.length === 0) break;
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      total += n;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a filesystem operation for one input path; a system error becomes an input problem for that path (the
 * other inputs are still checked) with the message of the CLI's one error path. Undefined when it failed.
 */
function guarded<T>(
  path: string,
  problems: SourceProblem[],
  context: FsContext,
  operation: () => T,
): T | undefined {
  try {
    return operation();
  } catch (error) {
    if (!isSystemError(error)) throw error;
    problems.push({ file: displayName(path), message: fsProblem(error, { path, ...context }) });
    return undefined;
  }
}

function addBytes(
  name: string,
  bytes: Uint8Array,
  limit: number,
  mib: number,
  files: SourceFile[],
  problems: SourceProblem[],
): void {
  if (bytes.length > limit) {
    problems.push({ file: name, message: tooBig(bytes.length, mib) });
    return;
  }
  const decoded = decodeText(bytes);
  if ("error" in decoded) problems.push({ file: name, message: decoded.error });
  else files.push({ name, text: decoded.text });
}

function tooBig(size: number, mib: number): string {
  return `is ${(size / 1024 / 1024).toFixed(1)} MiB, over the ${mib} MiB limit for one file; split it, or raise the limit with --max-file-size.`;
}

/** Paths in reports: relative to the working directory with forward slashes, as SARIF and editors expect. */
function displayName(path: string): string {
  const rel = relative(process.cwd(), resolve(path));
  const name = rel === "" || rel.startsWith("..") ? path : rel;
  return name.split(sep).join("/");
}

async function readProcessStdin(limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    chunks.push(buffer);
    total += buffer.length;
    if (total > limit) break;
  }
  return Buffer.concat(chunks);
}
