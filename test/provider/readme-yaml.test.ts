// The README's Pulumi YAML example ("Other Pulumi languages") stays true: every rotor resource it declares is a
// type the plugin serves, every property one the schema has, and the plugin constructs each one as written.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { parse } from "yaml";
import { RotorProvider } from "../../provider";
import { installMocks, settled, type Registration } from "../helpers/pulumi-mocks";

interface YamlResource {
  type: string;
  name?: string;
  properties: Record<string, unknown>;
}

/** The YAML code block of the README's "Other Pulumi languages" section. */
function readmeProgram(): { resources: Record<string, YamlResource> } {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("### Other Pulumi languages"));
  const block = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, "the section has a YAML example");
  return parse(block) as { resources: Record<string, YamlResource> };
}

/** The program's `${script.configMapName}` as the RecyclerScript would answer it. */
const SCRIPT = "rotor-recycler-0123abcd";
const resolveRefs = (v: unknown): unknown => {
  if (v === "${script.configMapName}") return SCRIPT;
  if (Array.isArray(v)) return v.map(resolveRefs);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveRefs(x)]));
  }
  return v;
};

let registrations: Registration[];
before(async () => {
  registrations = await installMocks();
});

describe("the README's Pulumi YAML example", () => {
  const provider = new RotorProvider("0.1.0");
  const schema = JSON.parse(provider.schema) as {
    resources: Record<string, { inputProperties: Record<string, unknown> }>;
  };
  const rotor = Object.entries(readmeProgram().resources).filter(([, r]) => r.type.startsWith("rotor:"));

  it("declares the three components, with properties the schema has", () => {
    assert.deepEqual(
      rotor.map(([key, r]) => [key, r.type]),
      [
        ["script", "rotor:index:RecyclerScript"],
        ["web", "rotor:index:RotatingApp"],
        ["legacyRecycler", "rotor:index:PodRecycler"],
      ],
    );
    for (const [key, r] of rotor) {
      const known = Object.keys(schema.resources[r.type]?.inputProperties ?? {});
      for (const property of Object.keys(r.properties))
        assert.ok(known.includes(property), `${key}.${property}`);
    }
  });

  it("constructs every component as written", async () => {
    for (const [key, r] of rotor) {
      const name = r.name ?? key;
      const result = await provider.construct(name, r.type, resolveRefs(r.properties) as object, {});
      assert.ok(result.urn, name);
    }
    await settled();
    assert.deepEqual(
      registrations
        .filter((reg) => reg.type.startsWith("rotor:"))
        .map((reg) => `${reg.type} ${reg.name}`)
        .sort(),
      [
        // The standalone PodRecycler makes its own script: the example gives it none.
        "rotor:index:PodRecycler legacy-recycler",
        "rotor:index:PodRecycler web-recycler",
        "rotor:index:RecyclerScript legacy-recycler-script",
        "rotor:index:RecyclerScript script",
        "rotor:index:RotatingApp web",
      ],
    );
  });
});
