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
import { dirname, join, relative, resolve, sep } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { LineCounter, parseDocument } from "yaml";
import { resolveConfig, type ResolvedConfig } from "../policies/config";
import { formatProblem, formatReport, summary, REPORT_FORMATS, type ReportFormat } from "../policies/report";
import { checkSources, FAIL_LEVELS, type FailLevel } from "../policies/run-check";
import {
  decodeText,
  locateInText,
  yamlMessage,
  type InputProblem,
  type SourceFile,
} from "../policies/sources";

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
      new Option("--fail-level <level>", "fail (exit code 1) on findings at or above this enforcement level")
        .choices(FAIL_LEVELS)
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

function parseMiB(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError("must be a positive number of MiB, like 16 or 0.5.");
  return n;
}

async function runCheck(paths: readonly string[], flags: CheckFlags, io: CheckIO): Promise<number> {
  const limit = Math.floor(flags.maxFileSize * 1024 * 1024);
  const report = (problem: InputProblem) => io.stderr(`rotor check: ${formatProblem(problem)}\n`);

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

  const problems: InputProblem[] = [];
  const files: SourceFile[] = [];
  let stdinUsed = false;
  for (const path of paths) {
    if (path === "-") {
      if (stdinUsed) {
        problems.push({ file: "-", message: "standard input is given more than once; give - once." });
        continue;
      }
      stdinUsed = true;
      const bytes = await io.readStdin(limit);
      addBytes("<stdin>", bytes, limit, flags.maxFileSize, files, problems);
      continue;
    }
    if (!existsSync(path)) {
      problems.push({ file: displayName(path), message: "no such file or directory." });
      continue;
    }
    const stat = statSync(path);
    if (stat.isDirectory()) {
      const found = manifestsIn(path);
      if (found.length === 0)
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
  const text = formatReport(result, flags.format, toolVersion());
  if (flags.output !== undefined) {
    writeFileSync(flags.output, text);
    io.stderr(`${summary(result)} Report written to ${flags.output}.\n`);
  } else {
    io.stdout(text);
    if (flags.format !== "text") io.stderr(`${summary(result)}\n`);
  }
  return result.exitCode;
}

/** Reads and validates a config file; problems carry file:line:column. */
function loadConfig(path: string, limit: number): { config: ResolvedConfig } | { problems: InputProblem[] } {
  const file = displayName(path);
  if (!existsSync(path) || !statSync(path).isFile())
    return { problems: [{ file, message: "no such file." }] };
  if (statSync(path).size > limit)
    return { problems: [{ file, message: "is larger than --max-file-size." }] };
  const decoded = decodeText(readFileSync(path));
  if ("error" in decoded) return { problems: [{ file, message: decoded.error }] };
  const counter = new LineCounter();
  const doc = parseDocument(decoded.text, { lineCounter: counter });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const pos = counter.linePos(e.pos[0]);
        return { file, line: pos.line, column: pos.col, message: yamlMessage(e.message) };
      }),
    };
  }
  const { config, problems } = resolveConfig(doc.toJS());
  if (problems.length === 0) return { config };
  return {
    problems: problems.map((p) => {
      const at = locateInText(file, decoded.text, p.path);
      const name = p.path.length > 0 ? p.path.join(".") : "the configuration";
      return { file, line: at.line, column: at.column, message: `${name} ${p.message}` };
    }),
  };
}

/** Every manifest file under `dir`, sorted; hidden directories and node_modules are skipped. */
function manifestsIn(dir: string): string[] {
  const out: string[] = [];
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules") out.push(...manifestsIn(full));
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
  problems: InputProblem[],
): void {
  const name = displayName(path);
  const size = statSync(path).size;
  if (size > limit) {
    problems.push({ file: name, message: tooBig(size, mib) });
    return;
  }
  // Read at most limit + 1 bytes, so a file that grows while we read cannot exhaust memory.
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(Math.min(size, limit) + 1);
    let read = 0;
    for (let n = 1; n > 0 && read < buffer.length; read += n)
      n = readSync(fd, buffer, read, buffer.length - read, read);
    addBytes(name, buffer.subarray(0, read), limit, mib, files, problems);
  } finally {
    closeSync(fd);
  }
}

function addBytes(
  name: string,
  bytes: Uint8Array,
  limit: number,
  mib: number,
  files: SourceFile[],
  problems: InputProblem[],
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

let cachedVersion: string | undefined;

/** rotor's version, from the package.json above this file (in the source tree and in dist/ alike). */
function toolVersion(): string {
  if (cachedVersion) return cachedVersion;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "rotor" && pkg.version) return (cachedVersion = pkg.version);
    }
    if (dirname(dir) === dir) return (cachedVersion = "0.0.0");
  }
}
