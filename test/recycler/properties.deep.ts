/**
 * The deep property search of `npm run test:deep` (and CI after `npm test`): the invariants of properties.test.ts
 * over 10,000 randomized scenarios with faults, from another seed than the fast run's.
 */
import { it } from "node:test";
import { checkProperties } from "./property-run";

// Each scenario is bounded by the hang guard in property-worker.ts; the CI job's timeout bounds the whole search.
it("the recycler keeps its invariants over 10,000 randomized scenarios with faults", () =>
  checkProperties("deep", 10_000, 20260200));
