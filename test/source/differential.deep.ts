import { test } from "node:test";
import fc from "fast-check";
import { agrees, handWritten } from "./differential";

// The quick property test's check at depth: several seeds, 200,000 streams (about a minute). `npm run test:deep`.
test(
  "the fast reader agrees with yaml on hand-written YAML, or hands it over (deep)",
  { timeout: 600_000 },
  () => {
    for (const seed of [1, 2, 3, 4]) {
      fc.assert(
        fc.property(handWritten, (text) => void agrees(text)),
        { numRuns: 50_000, seed },
      );
    }
  },
);
