import { join } from "node:path";
import { Command } from "commander";
import { CatalogError, loadEnvironmentByName, type Environment } from "../catalog";
import { renderEnvironment, type RenderedEnvironment } from "../catalog/render";
import { EXIT_FAILURE, EXIT_USAGE } from "./exit-codes";
import { diffRendered, writeRendered } from "./render-dir";
import { onPath } from "./user-error";

/** Where output goes; tests pass their own. */
export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

export interface RenderOptions {
  readonly env: string;
  readonly catalogDir: string;
  readonly out?: string;
  readonly stdout?: boolean;
  readonly check?: boolean;
}

/** `rotor render`: writes an environment's manifests for GitOps tools, or prints them. */
export function renderCommand(io: Io = processIo): Command {
  return new Command("render")
    .description("Render an environment's catalog to Kubernetes YAML (one file per app plus a kustomization)")
    .requiredOption("--env <name>", "environment to render: <catalog-dir>/<name>.yaml")
    .option("--catalog-dir <dir>", "directory holding the catalog files", "environments")
    .option("--out <dir>", "output directory (default: out/<env>)")
    .option("--stdout", "print one multi-document YAML stream instead of writing files")
    .option("--check", "write nothing; exit 1 with a diff when --out differs from a fresh render (for CI)")
    .action((options: RenderOptions) => {
      process.exitCode = runRender(options, io);
    });
}

/** Loads an environment, reporting catalog problems on stderr; undefined when it is invalid. */
export function loadOrReport(catalogDir: string, env: string, io: Io): Environment | undefined {
  try {
    return loadEnvironmentByName(catalogDir, env);
  } catch (error) {
    if (error instanceof CatalogError) {
      io.stderr.write(`rotor: ${error.message}\n`);
      return undefined;
    }
    throw error;
  }
}

/**
 * Runs a render and returns the exit code: 0 written (or, with --check, up to date), 1 out of date (--check only),
 * 2 invalid catalog or output directory.
 */
export function runRender(options: RenderOptions, io: Io = processIo): number {
  if (options.check && options.stdout) {
    io.stderr.write(
      "rotor: --check compares a directory with a fresh render, so it cannot go with --stdout. Drop one of them.\n",
    );
    return EXIT_USAGE;
  }
  const environment = loadOrReport(options.catalogDir, options.env, io);
  if (!environment) return EXIT_USAGE;
  const rendered = renderEnvironment(environment);
  if (options.stdout) {
    io.stdout.write(
      rendered.files
        .filter((f) => f.objects.length > 0)
        .map((f) => f.content)
        .join(""),
    );
    return 0;
  }
  const out = options.out ?? join("out", environment.name);
  if (options.check) return checkRendered(out, rendered, options, io);
  if (!writeReporting(out, rendered, io)) return EXIT_USAGE;
  io.stdout.write(
    `rendered ${rendered.objects.length} objects for ${environment.apps.length} apps of ${environment.name} into ${out}\n`,
  );
  return 0;
}

/** `rotor render --check`: prints the diff a render would make to `out` and says how to bring it up to date. */
function checkRendered(out: string, rendered: RenderedEnvironment, options: RenderOptions, io: Io): number {
  // Filesystem errors (an --out that is a file, say) become one line through cli/user-error.ts.
  const { changed, diff } = onPath({ under: out, option: "--out", action: "read" }, () =>
    diffRendered(out, rendered),
  );
  if (changed.length === 0) {
    io.stdout.write(`${out} is up to date with the catalog (${rendered.files.length + 1} files)\n`);
    return 0;
  }
  io.stdout.write(diff);
  const again = ["rotor render --env", options.env];
  if (options.catalogDir !== "environments") again.push("--catalog-dir", options.catalogDir);
  again.push("--out", out);
  io.stderr.write(
    `rotor: ${out} is out of date: ${changed.length} file${changed.length === 1 ? "" : "s"} differ${changed.length === 1 ? "s" : ""} from a fresh render (${changed.join(", ")}). Run \`${again.join(" ")}\` and commit the result.\n`,
  );
  return EXIT_FAILURE;
}

/** Writes the render into `out`, printing each warning and a refusal on stderr; false when render refused. */
export function writeReporting(out: string, rendered: RenderedEnvironment, io: Io): boolean {
  const result = onPath({ under: out, option: "--out", action: "write" }, () => writeRendered(out, rendered));
  for (const warning of result.warnings) io.stderr.write(`rotor: warning: ${warning}\n`);
  if (result.refusal) io.stderr.write(`rotor: ${result.refusal}\n`);
  return result.refusal === undefined;
}
