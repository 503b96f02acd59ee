import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Registration } from "../helpers/pulumi-mocks";

const root = join(__dirname, "..", "..");

describe("rotorStack (the stack program's body)", () => {
  it("creates every Kubernetes object of the environment with the provider it is given", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", join(root, "test", "fixtures", "programs", "stack-provider.ts"), "dev"],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    const { registrations } = JSON.parse(run.stdout) as { registrations: Registration[] };
    const objects = registrations.filter((r) => r.custom && r.type !== "pulumi:providers:kubernetes");
    assert.equal(objects.length, 26);
    const providers = new Set(objects.map((r) => r.provider));
    assert.deepEqual(
      [...providers],
      ["urn:pulumi:inline::rotor::pulumi:providers:kubernetes::e2e::e2e-id"],
      "every object, in every component, uses the explicit provider",
    );
  });
});
