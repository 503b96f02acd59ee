// An invalid catalog under the real Pulumi engine: `pulumi preview` and `pulumi up` stop before the program
// registers any resource (not even its provider), with every problem at file:line:col, and the cluster is unchanged.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { e2e } from "../harness/context";
import {
  expectProgramError,
  inlineStack,
  pulumiEnv,
  removePulumiEnv,
  problems as reportedProblems,
  reported,
  resourceCounts,
  rotorProgram,
  type PulumiEnv,
} from "../harness/pulumi";

const CATALOG = `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: shop-invalid
apps:
  web:
    image: nginx:latest
    replicas: 1
    ports:
      - name: http
        containerPort: 8080
`;

/**
 * What the stack could have created: its namespace and the objects in it. (Only these: earlier test files may
 * still be deleting namespaces of their own.)
 */
async function snapshot(): Promise<string[]> {
  const { admin } = e2e();
  const ns = await admin.send("GET", "/api/v1/namespaces/shop-invalid");
  const names = async (path: string) =>
    (await admin.get<{ items: { metadata: { name: string } }[] }>(path)).items.map(
      (i) => `${path} ${i.metadata.name}`,
    );
  return [
    `namespace shop-invalid: ${ns.status}`,
    ...(await names("/apis/apps/v1/namespaces/shop-invalid/deployments")),
    ...(await names("/api/v1/namespaces/shop-invalid/services")),
    ...(await names("/api/v1/namespaces/shop-invalid/configmaps")),
  ];
}

describe("an invalid catalog under the real Pulumi engine", () => {
  let p: PulumiEnv;
  let file: string;
  before(async () => {
    p = await pulumiEnv();
    const dir = mkdtempSync(join(tmpdir(), "rotor-invalid-catalog-"));
    file = join(dir, "invalid.yaml");
    writeFileSync(file, CATALOG);
  });
  after(() => removePulumiEnv(p));

  const problems = () => [
    `catalog ${file} has 2 problems:`,
    `  ${file}:6:5: apps.web.image ("nginx:latest") must be pinned to a version tag or digest: every rotated pod pulls the image again, so a moving tag like latest would silently upgrade the app. Use e.g. "nginx:1.2.3".`,
    `  ${file}:7:5: apps.web.replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.`,
  ];

  for (const operation of ["preview", "up"] as const) {
    it(`fails pulumi ${operation} with every problem at file:line:col and changes nothing`, async () => {
      const before = await snapshot();
      assert.deepEqual(before, ["namespace shop-invalid: 404"]);
      const stack = await inlineStack(p, `invalid-${operation}`, rotorProgram("invalid", join(file, "..")));
      const events = reported();
      const onEvent = events.onEvent;
      const { error: failed, unhandled } = await expectProgramError(() =>
        operation === "up" ? stack.up({ onEvent }) : stack.preview({ onEvent }),
      );
      assert.ok(failed, `pulumi ${operation} fails`);
      // Reported as the program's error, twice (so the engine reports an inline program's RunError: once as the
      // program logs it, once as the run's result), without a stack trace, and printed in the CLI's output.
      const text = `${problems().join("\n")}\n`;
      assert.deepEqual(
        reportedProblems(events).map((d) => `${d.severity}: ${d.message}`),
        [`error: ${text}`, `error: ${text}`],
      );
      assert.ok(failed.message.includes(problems()[2] ?? ""), failed.message);
      // In this process, the stack's outputs rejected with the same error (see expectProgramError).
      assert.deepEqual(unhandled, [text.trimEnd(), text.trimEnd()]);
      assert.deepEqual(await snapshot(), before, "the cluster is unchanged");
      // Nothing was registered but the stack itself (and that only by up, which records its state).
      assert.deepEqual(await resourceCounts(stack), operation === "up" ? { "pulumi:pulumi:Stack": 1 } : {});
    });
  }
});
