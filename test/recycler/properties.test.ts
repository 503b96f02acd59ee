/**
 * Property-based tests of the recycler, the fast run of `npm test`: a fixed seed and a few hundred randomized
 * scenarios with faults (see scenario.ts and property-worker.ts), run against the simulator on its virtual clock,
 * with zero violations of:
 * - Ready pods never fall below desired minus what the PDB allows (through the recycler's doing), and without a
 *   PDB the recycler never evicts below the current spec.replicas;
 * - never more than --max-rotations rotations per run;
 * - never a pod outside the Deployment's selector;
 * - never a pod younger than its max age plus its jitter;
 * - never two runs changing the app at once (each change inside its run's Lease, Leases never overlapping);
 * - a refused or failed eviction is never reported as a rotation;
 * - zero RBAC denials with exactly recyclerRoleRules.
 * The deep search (10,000 scenarios, the same properties) is properties.deep.ts: `npm run test:deep`.
 * ROTOR_PROPERTY_RUNS and ROTOR_PROPERTY_SEED override the count and the seed (to replay a failure: the shard's
 * seed and counterexample are printed).
 */
import { it } from "node:test";
import { checkProperties } from "./property-run";

// Each scenario is bounded by the hang guard in property-worker.ts, so the test needs no timeout of its own.
it("the recycler keeps its invariants over 200 randomized scenarios with faults (fixed seed)", () =>
  checkProperties("fast", 200, 20260105));
