import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { syntheticCatalog } from "./synthetic-catalog";
import { runStandalone } from "./standalone";

/**
 * Catalog loading (read, parse, merge, validate every app) for 1,000, 10,000 and 100,000 apps, each size in a
 * fresh process (bench/catalog-load.ts). Target: linear growth, each tenfold size at most 12 times slower
 * (a 100,000-app catalog once took over 300 s because duplicate keys were looked for pairwise).
 * The same catalogs with a YAML tag, which sends them through the `yaml` library instead of rotor's fast reader,
 * are measured at the two smaller sizes.
 */

const SIZES = [1_000, 10_000, 100_000] as const;
const FALLBACK_SIZES = [1_000, 10_000] as const;
const TARGET_RATIO = 12;

interface Measurement {
  readonly apps: number;
  readonly bytes: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

function measure(file: string): Measurement {
  const run = spawnSync(process.execPath, ["--import", "tsx", join(__dirname, "catalog-load.ts"), file], {
    cwd: join(__dirname, ".."),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`catalog-load ${file} failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Measurement;
}

export function run(log: (line: string) => void): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-catalog-"));
  const figures: Record<string, number> = {};
  let met = true;
  try {
    const series = (label: string, key: string, sizes: readonly number[], tagged: boolean) => {
      log(`  ${label}`);
      const results = sizes.map((apps) => {
        const file = join(dir, `${tagged ? "tagged" : "plain"}-${apps}.yaml`);
        const text = syntheticCatalog(apps);
        // A tag is outside the fast reader's subset; the value stays the same.
        writeFileSync(file, tagged ? text.replace(/^namespace: bench$/m, "namespace: !!str bench") : text);
        const m = measure(file);
        if (m.apps !== apps) throw new Error(`loaded ${m.apps} apps, not ${apps}`);
        log(
          `    ${String(apps).padStart(7)} apps  ${(m.bytes / 1024 / 1024).toFixed(1).padStart(5)} MiB  ${m.seconds.toFixed(2).padStart(6)} s  (${Math.round(apps / m.seconds)} apps/s, ${m.cpuSeconds.toFixed(2)} s CPU)`,
        );
        figures[`${key}${apps}Seconds`] = Number(m.seconds.toFixed(3));
        return m;
      });
      for (let i = 1; i < results.length; i++) {
        const ratio = results[i].seconds / results[i - 1].seconds;
        const name = `${results[i].apps / 1000}k/${results[i - 1].apps / 1000}k`;
        figures[`${key}Ratio${results[i].apps}to${results[i - 1].apps}`] = Number(ratio.toFixed(2));
        met &&= ratio <= TARGET_RATIO;
        log(`    ${name} ratio ${ratio.toFixed(2)} (linear is 10 or less; target at most ${TARGET_RATIO})`);
      }
    };
    log("catalog load: read, parse, merge and validate every app (loadEnvironment, one process per size)");
    series("rotor's reader (the YAML subset catalogs are written in)", "catalog", SIZES, false);
    series("the yaml library (a catalog with a tag)", "catalogYamlLibrary", FALLBACK_SIZES, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  log(`  targets ${met ? "met" : "NOT met"}`);
  figures.catalogTargetsMet = met ? 1 : 0;
  return Promise.resolve(figures);
}

if (require.main === module) runStandalone(run);
