/**
 * The in-cluster recycler as one file: esbuild bundles `recycler/main.ts` into minified, dependency-free CommonJS
 * for Node 20, built in memory once per process. The PodRecycler component puts the code in a ConfigMap (1 MiB
 * limit; we aim for under 64 KB) and labels the CronJob with the sha256, so a new bundle rolls the CronJob.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildSync } from "esbuild";

export interface RecyclerBundle {
  readonly code: string;
  readonly sha256: string;
  readonly bytes: number;
}

let cached: (RecyclerBundle & { readonly inputs: readonly string[] }) | undefined;

/** Where `recycler/main.ts` is: next to this file when run from source, in the package's `recycler/` when compiled. */
function entryPoint(): string {
  const candidates = [join(__dirname, "main.ts"), resolve(__dirname, "..", "..", "recycler", "main.ts")];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`recycler/main.ts not found (looked at ${candidates.join(", ")})`);
  return found;
}

/**
 * Builds the bundle afresh (no cache) from `entry` (recycler/main.ts of this checkout or package);
 * {@link recyclerBundle} is what callers normally want.
 */
export function buildRecyclerBundle(
  entry = entryPoint(),
): RecyclerBundle & { readonly inputs: readonly string[] } {
  const result = buildSync({
    entryPoints: [entry],
    absWorkingDir: resolve(entry, "..", ".."),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    write: false,
    legalComments: "none",
    charset: "utf8",
    sourcemap: false,
    metafile: true,
    logLevel: "silent",
    // The compiler options the bundle depends on, given here: an installed package has no tsconfig.json for esbuild
    // to find, and without one it would emit sloppy-mode code with another hash than a checkout's.
    tsconfigRaw: { compilerOptions: { alwaysStrict: true } },
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error("esbuild produced no output for the recycler bundle");
  const code = file.text;
  return {
    code,
    sha256: createHash("sha256").update(code).digest("hex"),
    bytes: Buffer.byteLength(code),
    inputs: Object.keys(result.metafile?.inputs ?? {}).sort(),
  };
}

/** The bundled recycler: code, its sha256 (hex) and its size in bytes. Deterministic: same source, same bytes. */
export function recyclerBundle(): RecyclerBundle {
  cached ??= buildRecyclerBundle();
  return { code: cached.code, sha256: cached.sha256, bytes: cached.bytes };
}

/** The source files that went into the bundle (relative paths), for tests that keep it dependency-free. */
export function recyclerBundleInputs(): readonly string[] {
  cached ??= buildRecyclerBundle();
  return cached.inputs;
}
