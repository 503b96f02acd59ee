import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import type { Registration } from "../helpers/pulumi-mocks";

const root = join(__dirname, "..", "..");

function runInline(environment: string, catalogDir?: string) {
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      join(root, "test", "fixtures", "programs", "stack-provider.ts"),
      environment,
      ...(catalogDir ? [catalogDir] : []),
    ],
    { cwd: root, encoding: "utf8" },
  );
  const printed = JSON.parse(run.stdout) as { registrations: Registration[]; providerCalls: number };
  return { status: run.status, stderr: run.stderr, ...printed };
}

describe("rotorStack (the stack program's body)", () => {
  it("creates every Kubernetes object of the environment with the provider it is given", () => {
    const run = runInline("dev");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.providerCalls, 1);
    const objects = run.registrations.filter((r) => r.custom && r.type !== "pulumi:providers:kubernetes");
    assert.equal(objects.length, 26);
    const providers = new Set(objects.map((r) => r.provider));
    assert.deepEqual(
      [...providers],
      ["urn:pulumi:inline::rotor::pulumi:providers:kubernetes::e2e::e2e-id"],
      "every object, in every component, uses the explicit provider",
    );
  });

  it("registers nothing, not even the provider, when the catalog is invalid", () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-program-"));
    writeFileSync(
      join(dir, "broken.yaml"),
      "apiVersion: rotor.dev/v1alpha1\nkind: Catalog\nnamespace: shop\napps:\n  web:\n    image: nginx:latest\n    ports: [{ name: http, containerPort: 8080 }]\n",
    );
    const run = runInline("broken", dir);
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      `catalog ${join(dir, "broken.yaml")} has 1 problem:\n  ${join(dir, "broken.yaml")}:6:5: apps.web.image ("nginx:latest") must be pinned to a version tag or digest: every rotated pod pulls the image again, so a moving tag like latest would silently upgrade the app. Use e.g. "nginx:1.2.3".`,
    );
    assert.equal(run.providerCalls, 0);
    assert.deepEqual(run.registrations, []);
  });
});
