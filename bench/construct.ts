import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { runStandalone } from "./standalone";

/**
 * Stack-program construction under Pulumi mocks for 10, 100 and 1,000 apps, each size in a fresh process
 * (bench/construct-program.ts). Targets: linear growth (1,000/100 at most 12) and 1,000 apps in under 15 s.
 */

export interface Measurement {
  readonly apps: number;
  readonly registrations: number;
  readonly seconds: number;
  readonly cpuSeconds: number;
}

const SIZES = [10, 100, 1000] as const;

/** The node flags `pulumi up` runs the program with: Pulumi.yaml's runtime.options.nodeargs. */
export function nodeArgs(): string[] {
  const project = parse(readFileSync(join(__dirname, "..", "Pulumi.yaml"), "utf8")) as {
    runtime?: { options?: { nodeargs?: string } };
  };
  return (project.runtime?.options?.nodeargs ?? "").split(/\s+/).filter(Boolean);
}

export function measure(apps: number): Measurement {
  const program = join(__dirname, "construct-program.ts");
  const run = spawnSync(process.execPath, [...nodeArgs(), "--import", "tsx", program, String(apps)], {
    cwd: join(__dirname, ".."),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`construct-program ${apps} failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as Measurement;
}

export function run(log: (line: string) => void): Promise<Record<string, number>> {
  log(
    `stack program construction under Pulumi mocks (index.ts, one process per size, node ${nodeArgs().join(" ")})`,
  );
  const figures: Record<string, number> = {};
  const results = SIZES.map((apps) => {
    const m = measure(apps);
    log(
      `  ${String(apps).padStart(5)} apps  ${String(m.registrations).padStart(6)} registrations  ${m.seconds.toFixed(2).padStart(6)} s  (${(m.registrations / m.seconds).toFixed(0)} registrations/s, ${m.cpuSeconds.toFixed(2)} s CPU)`,
    );
    figures[`construct${apps}Seconds`] = Number(m.seconds.toFixed(3));
    return m;
  });
  const ratio = (results[2]?.seconds ?? 0) / (results[1]?.seconds ?? 1);
  const thousand = results[2]?.seconds ?? Infinity;
  figures.constructRatio1000to100 = Number(ratio.toFixed(2));
  log(`  1,000/100 ratio ${ratio.toFixed(2)} (target at most 12: ${ratio <= 12 ? "met" : "NOT met"})`);
  log(`  1,000 apps in ${thousand.toFixed(2)} s (target under 15 s: ${thousand < 15 ? "met" : "NOT met"})`);
  figures.constructTargetsMet = ratio <= 12 && thousand < 15 ? 1 : 0;
  return Promise.resolve(figures);
}

if (require.main === module) runStandalone(run);
