import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import Ajv from "ajv";
import { parse } from "yaml";
import { catalogJsonSchema, CATALOG_SCHEMA_PATH } from "../../catalog";

describe("published JSON Schema", () => {
  it("is what the zod schema generates today (run `npm run schema` after changing the schema)", () => {
    assert.equal(readFileSync(CATALOG_SCHEMA_PATH, "utf8"), catalogJsonSchema());
  });

  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(JSON.parse(catalogJsonSchema()) as object);

  for (const file of ["base", "dev", "staging", "prod"]) {
    it(`accepts environments/${file}.yaml, as an editor would`, () => {
      const valid = validate(parse(readFileSync(`environments/${file}.yaml`, "utf8")));
      assert.deepEqual(validate.errors ?? [], []);
      assert.equal(valid, true);
    });
  }

  it("flags the same typos and wrong types the loader refuses", () => {
    for (const fixture of ["unknown-key", "wrong-type", "wrong-version"]) {
      const valid = validate(parse(readFileSync(`test/fixtures/catalog/${fixture}.yaml`, "utf8")));
      assert.equal(valid, false, fixture);
    }
    validate(parse(readFileSync("test/fixtures/catalog/unknown-key.yaml", "utf8")));
    assert.deepEqual(
      validate.errors?.map((e) => [e.instancePath, e.keyword, e.params]),
      [["/apps/web/rotation", "additionalProperties", { additionalProperty: "shedule" }]],
    );
  });

  it("points editors at the schema from every shipped catalog file", () => {
    for (const file of ["base", "dev", "staging", "prod"]) {
      const text = readFileSync(`environments/${file}.yaml`, "utf8");
      assert.ok(text.startsWith("# yaml-language-server: $schema=../schema/catalog.schema.json\n"), file);
    }
  });
});
