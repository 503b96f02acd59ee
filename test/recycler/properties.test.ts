/**
 * Property-based tests of the recycler: at least 10,000 randomized scenarios with faults (see scenario.ts and
 * property-worker.ts), run against the simulator, with zero violations of:
 * - Ready pods never fall below desired minus what the PDB allows (through the recycler's doing), and without a
 *   PDB the recycler never evicts below the current spec.replicas;
 * - never more than --max-rotations rotations per run;
 * - never a pod outside the Deployment's selector;
 * - never a pod younger than its max age plus its jitter;
 * - never two runs changing the app at once (each change inside its run's Lease, Leases never overlapping);
 * - a refused or failed eviction is never reported as a rotation;
 * - zero RBAC denials with exactly recyclerRoleRules.
 * The scenarios are split over one worker process per core. ROTOR_PROPERTY_RUNS and ROTOR_PROPERTY_SEED
 * override the count and the seed (to replay a failure: the worker's seed and counterexample are printed).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { it } from "node:test";

interface WorkerResult {
  seed: number;
  runs: number;
  scenarios: number;
  failed: boolean;
  counterexample?: string;
  error?: string;
  results: Record<string, number>;
  ms: number;
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
        resolve(JSON.parse(line) as WorkerResult);
      } catch {
        reject(new Error(`property worker (seed ${seed}) printed no result: ${out.slice(-2000)}`));
      }
    });
  });
}

it(
  "the recycler keeps its invariants over 10,000 randomized scenarios with faults",
  { timeout: 40 * 60_000 },
  async () => {
    const total = Number(process.env.ROTOR_PROPERTY_RUNS ?? 10_000);
    const seed = Number(process.env.ROTOR_PROPERTY_SEED ?? 20260105);
    const workers = Math.max(1, Math.min(4, availableParallelism()));
    const share = Math.ceil(total / workers);
    const started = performance.now();
    const outcomes = await Promise.all(Array.from({ length: workers }, (_, i) => worker(share, seed + i)));
    const seconds = (performance.now() - started) / 1000;
    const scenarios = outcomes.reduce((n, o) => n + o.scenarios, 0);
    const results: Record<string, number> = {};
    for (const o of outcomes)
      for (const [k, v] of Object.entries(o.results)) results[k] = (results[k] ?? 0) + v;
    console.log(
      `recycler properties: ${scenarios} scenarios in ${seconds.toFixed(1)} s over ${workers} worker(s), seeds ${outcomes.map((o) => o.seed).join(", ")}; run results ${JSON.stringify(results)}`,
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
  },
);
