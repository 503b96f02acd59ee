/**
 * Runs a share of the recycler's property-based scenarios (fast-check) and prints one JSON line with the
 * outcome. Spawned by property-run.ts, one shard per process: `node --import tsx property-worker.ts <runs> <seed>`.
 */
import fc from "fast-check";
import { HangError, hangGuard } from "../helpers/hang-guard";
import { runScenario, type Scenario } from "./scenario";

const maybe = <T>(arb: fc.Arbitrary<T>, freq = 1): fc.Arbitrary<T | undefined> =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: freq, arbitrary: arb });

/** Scenarios: the app, the settings and the faults. */
export const scenarioArb: fc.Arbitrary<Scenario> = fc
  .oneof({ weight: 1, arbitrary: fc.constant(1) }, { weight: 9, arbitrary: fc.integer({ min: 2, max: 6 }) })
  .chain((replicas) =>
    fc.record({
      replicas: fc.constant(replicas),
      agesH: fc.array(fc.integer({ min: 0, max: 96 }), { minLength: replicas, maxLength: replicas }),
      maxAgeH: fc.integer({ min: 6, max: 48 }),
      jitterFraction: fc.integer({ min: 0, max: 30 }).map((n) => n / 100),
      startupMs: fc.integer({ min: 0, max: 200 }).map((n) => n * 100),
      readyDelayMs: fc.integer({ min: 0, max: 200 }).map((n) => n * 100),
      terminationMs: fc.integer({ min: 0, max: 150 }).map((n) => n * 100),
      pdb: fc.constantFrom<Scenario["pdb"][]>(
        "none",
        "maxUnavailable-1",
        "maxUnavailable-1",
        "maxUnavailable-2",
        "minAvailable-all-but-one",
        "minAvailable-all",
        "minAvailable-50%",
      ),
      alwaysAllow: fc.boolean(),
      maxRotations: fc.integer({ min: 1, max: 6 }),
      window: fc.oneof(
        { weight: 6, arbitrary: fc.constant({ kind: "none" as const }) },
        { weight: 2, arbitrary: fc.constant({ kind: "open" as const }) },
        { weight: 1, arbitrary: fc.constant({ kind: "closed" as const }) },
        {
          weight: 2,
          arbitrary: fc
            .integer({ min: 1, max: 120 })
            .map((inSeconds) => ({ kind: "closing" as const, inSeconds })),
        },
      ),
      readyTimeoutS: fc.integer({ min: 30, max: 180 }),
      faults: fc.record({
        evictionErrors: maybe(
          fc.record({
            count: fc.integer({ min: 1, max: 7 }),
            code: fc.constantFrom(500 as const, 502 as const, 503 as const, 504 as const),
          }),
        ),
        evictionThrottles: maybe(
          fc.record({
            count: fc.integer({ min: 1, max: 4 }),
            retryAfterSeconds: fc.integer({ min: 0, max: 5 }),
          }),
        ),
        evictionHang: maybe(
          fc.record({
            releaseAfterMs: maybe(
              fc.integer({ min: 1, max: 40 }).map((s) => s * 1000),
              3,
            ),
          }),
        ),
        listErrors: maybe(fc.integer({ min: 1, max: 3 })),
        watchHang: maybe(fc.constant(true)),
        neverReady: maybe(fc.uniqueArray(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 2 })),
        unreadyAfter: maybe(
          fc.record({
            pod: fc.integer({ min: 1, max: 4 }),
            afterReadyMs: fc.integer({ min: 0, max: 30 }).map((s) => s * 1000),
          }),
        ),
        scale: maybe(
          fc.record({ atS: fc.integer({ min: 0, max: 120 }), replicas: fc.integer({ min: 1, max: 8 }) }),
        ),
        watchDrop: maybe(
          fc.record({
            afterEvents: fc.integer({ min: 1, max: 10 }),
            mode: fc.constantFrom("close" as const, "reset" as const),
          }),
        ),
        pdbLagMs: maybe(fc.integer({ min: 0, max: 200 }).map((n) => n * 100)),
      }),
      secondRunAfterS: maybe(fc.integer({ min: 0, max: 30 }), 1),
      decoy: fc.boolean(),
    }),
  )
  .map((s) => {
    // Drop undefined optionals so a printed counterexample is short.
    const faults = Object.fromEntries(Object.entries(s.faults).filter(([, v]) => v !== undefined));
    const out: Scenario = { ...s, faults };
    if (s.secondRunAfterS === undefined) delete (out as { secondRunAfterS?: number }).secondRunAfterS;
    return out;
  });

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 100);
  const seed = Number(process.argv[3] ?? 1);
  const started = performance.now();
  let scenarios = 0;
  const results: Record<string, number> = {};
  const property = fc.asyncProperty(
    scenarioArb,
    fc.integer({ min: 1, max: 1_000_000 }),
    async (scenario, simSeed) => {
      scenarios++;
      // A hang is not shrunk (every shrink step would hang too): report the scenario and stop.
      const outcome = await hangGuard(
        runScenario(scenario, simSeed),
        `scenario ${scenarios} to finish`,
      ).catch((error: unknown) => {
        if (!(error instanceof HangError)) throw error;
        const counterexample = JSON.stringify([scenario, simSeed]);
        process.stdout.write(`${JSON.stringify({ failed: true, error: error.message, counterexample })}\n`);
        process.exit(1);
      });
      for (const r of outcome.reports) results[r.result] = (results[r.result] ?? 0) + 1;
      if (outcome.violations.length > 0) throw new Error(outcome.violations.join("\n"));
    },
  );
  const details = await fc.check(property, {
    numRuns: runs,
    seed,
    endOnFailure: false,
    markInterruptAsFailure: true,
  });
  const line = {
    seed,
    runs: details.numRuns,
    scenarios,
    failed: details.failed,
    counterexample: details.counterexample ? JSON.stringify(details.counterexample) : undefined,
    error:
      details.errorInstance instanceof Error
        ? details.errorInstance.message
        : details.failed
          ? String(details.errorInstance)
          : undefined,
    results,
    ms: Math.round(performance.now() - started),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stdout.write(
      `${JSON.stringify({ failed: true, error: error instanceof Error ? (error.stack ?? error.message) : String(error) })}\n`,
    );
    process.exitCode = 1;
  });
}
