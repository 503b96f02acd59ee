// Regenerates schema/catalog.schema.json from the zod schema (npm run schema); a test fails when it is stale.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { catalogJsonSchema, CATALOG_SCHEMA_PATH } from "../catalog/json-schema";

const target = join(__dirname, "..", CATALOG_SCHEMA_PATH);
writeFileSync(target, catalogJsonSchema());
console.log(`wrote ${CATALOG_SCHEMA_PATH}`);
