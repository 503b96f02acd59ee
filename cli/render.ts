import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import { CatalogError, loadEnvironmentByName, type Environment } from "../catalog";
import { renderEnvironment, type RenderedEnvironment } from "../catalog/render";
import { EXIT_USAGE } from "./exit-codes";

/** Where output goes; tests pass their own. */
export interface Io {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr };

/** Lists the files a render wrote, so the next render can remove the ones it no longer produces. */
const MARKER = ".rotor-render";

export interface RenderOptions {
  readonly env: string;
  readonly catalogDir: string;
  readonly out?: string;
  readonly stdout?: boolean;
}

/** `rotor render`: writes an environment's manifests for GitOps tools, or prints them. */
export function renderCommand(io: Io = processIo): Command {
  return new Command("render")
    .description("Render an environment's catalog to Kubernetes YAML (one file per app plus a kustomization)")
    .requiredOption("--env <name>", "environment to render: <catalog-dir>/<name>.yaml")
    .option("--catalog-dir <dir>", "directory holding the catalog files", "environments")
    .option("--out <dir>", "output directory (default: out/<env>)")
    .option("--stdout", "print one multi-document YAML stream instead of writing files")
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

/** Runs a render and returns the exit code: 0 written, 2 invalid catalog or output directory. */
export function runRender(options: RenderOptions, io: Io = processIo): number {
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
  const refusal = writeRendered(out, rendered);
  if (refusal) {
    io.stderr.write(`rotor: ${refusal}\n`);
    return EXIT_USAGE;
  }
  io.stdout.write(
    `rendered ${rendered.objects.length} objects for ${environment.apps.length} apps of ${environment.name} into ${out}\n`,
  );
  return 0;
}

/**
 * Writes rendered files into `dir`, replacing what an earlier render wrote there (so an app removed from the
 * catalog disappears from Git too). Refuses a non-empty directory rotor did not write; returns why.
 */
export function writeRendered(dir: string, rendered: RenderedEnvironment): string | undefined {
  const marker = join(dir, MARKER);
  if (existsSync(dir)) {
    const entries = readdirSync(dir);
    if (entries.length > 0 && !existsSync(marker)) {
      return `${dir} is not empty and was not written by rotor render (no ${MARKER} file). Choose an empty or new directory, or remove it.`;
    }
    if (existsSync(marker)) {
      const previous = readFileSync(marker, "utf8").split("\n").filter(Boolean);
      for (const file of previous) rmSync(join(dir, file), { force: true });
    }
  }
  mkdirSync(dir, { recursive: true });
  for (const file of rendered.files) writeFileSync(join(dir, file.path), file.content);
  writeFileSync(marker, rendered.files.map((f) => f.path).join("\n") + "\n");
  return undefined;
}
