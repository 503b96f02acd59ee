/**
 * Runs the recycler's property-based scenarios (property-worker.ts) in worker processes and checks the outcome.
 * The scenarios are split into a fixed number of shards, shard i with seed `seed + i`, so a run tests the same
 * scenarios on every machine; the shards run at most one per core at a time. Used by properties.test.ts (the
 * fast run in `npm test`) and properties.deep.ts (`npm run test:deep`).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";

/** Shards per run, whatever the machine: the seeds, and so the scenarios, do not depend on the core count. */
export const SHARDS = 4;

/** The worker's one JSON line; a worker that crashed or hung prints only `failed` and `error`. */
interface WorkerResult {
  seed: number;
  runs?: number;
  scenarios?: number;
  failed: boolean;
  counterexample?: string;
  error?: string;
  results?: Record<string, number>;
  ms?: number;
}

function worker(runs: number, seed: number): Promise<WorkerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "property-worker.ts"), String(runs), String(seed)],
      {
        cwd: join(__dirname, "..", ".."),
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", () => {
      const line = out.trim().split("\n").at(-1) ?? "";
      try {
        resolve({ seed, ...(JSON.parse(line) as Omit<WorkerResult, "seed">) });
      } catch {
        reject(new Error(`property worker (seed ${seed}) printed no result: ${out.slice(-2000)}`));
      }
    });
  });
}

/** Runs `tasks` with at most `limit` of them at once, keeping the results in order. */
async function pool<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < tasks.length; i = next++) results[i] = await tasks[i]();
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

/**
 * Runs `runs` scenarios (or ROTOR_PROPERTY_RUNS) from `seed` (or ROTOR_PROPERTY_SEED), prints the seed, the count
 * and how the runs ended, and asserts zero violations, every scenario run, and every run result seen.
 */
export async function checkProperties(name: string, runs: number, seed: number): Promise<void> {
  const total = Number(process.env.ROTOR_PROPERTY_RUNS ?? runs);
  const base = Number(process.env.ROTOR_PROPERTY_SEED ?? seed);
  const share = Math.ceil(total / SHARDS);
  const lanes = Math.max(1, Math.min(SHARDS, availableParallelism()));
  const started = performance.now();
  const outcomes = await pool(
    Array.from({ length: SHARDS }, (_, i) => () => worker(share, base + i)),
    lanes,
  );
  const seconds = (performance.now() - started) / 1000;
  const scenarios = outcomes.reduce((n, o) => n + (o.scenarios ?? 0), 0);
  const results: Record<string, number> = {};
  for (const o of outcomes)
    for (const [k, v] of Object.entries(o.results ?? {})) results[k] = (results[k] ?? 0) + v;
  console.log(
    `recycler properties (${name}): seed ${base}, ${scenarios} scenarios (${SHARDS} shards of ${share}, seeds ${outcomes.map((o) => o.seed).join(", ")}) in ${seconds.toFixed(1)} s, ${lanes} at a time; run results ${JSON.stringify(results)}. Replay: ROTOR_PROPERTY_SEED=${base} ROTOR_PROPERTY_RUNS=${total}`,
  );
  for (const o of outcomes) {
    assert.equal(
      o.failed,
      false,
      `seed ${o.seed}: ${o.error ?? ""}\ncounterexample: ${o.counterexample ?? ""}`,
    );
  }
  assert.ok(scenarios >= total, `${scenarios} scenarios run, ${total} wanted`);
  // Every result shows up, so the generator keeps exercising each path.
  for (const r of ["rotated", "nothing-to-do", "blocked", "skipped", "failed"])
    assert.ok((results[r] ?? 0) > 0, `no run ended ${r}`);
}
