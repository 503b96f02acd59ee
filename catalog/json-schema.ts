import { z } from "zod";
import { catalogFileSchema } from "./schema";

/** Where the generated schema is published, relative to the repository root. */
export const CATALOG_SCHEMA_PATH = "schema/catalog.schema.json";

/**
 * The JSON Schema of catalog files, generated from the zod schema so editors (yaml-language-server) complete and
 * check the same rules the loader enforces. Draft-07, because that is what most YAML editors implement.
 */
export function catalogJsonSchema(): string {
  const schema = z.toJSONSchema(catalogFileSchema, { target: "draft-7", io: "input" }) as Record<
    string,
    unknown
  >;
  const document = {
    ...schema,
    $id: "https://rotor.dev/schema/catalog.schema.json",
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
