// A Pulumi-managed app rotated by its recycler, then `pulumi up` again: no changes, and nothing the recycler
// wrote (the restart annotation on the pod template, its Lease's holder and run report) is undone. No fight.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Stack } from "@pulumi/pulumi/automation";
import { e2e, listPods } from "../harness/context";
import { inlineStack, pulumiEnv, removePulumiEnv, rotorProgram, type PulumiEnv } from "../harness/pulumi";
import { runInCluster } from "../harness/recycler";
import { readRendered, rotor, type KubeObject } from "../harness/rotor";

const HOUR = 3_600_000;
const NS = "e2e-pulumi-rotate";
const RESTART_ANNOTATION = "kubectl.kubernetes.io/restartedAt";

/** One app of the catalog, rotating with the given strategy. */
const app = (name: string, strategy: "evict" | "restart") => `  ${name}:
    image: ghcr.io/acme/web:1.0.0
    replicas: 2
    minReadySeconds: 2
    ports:
      - { name: http, containerPort: 8080, servicePort: 80 }
    rotation:
      maxAge: 30m
      strategy: ${strategy}
      maxRotationsPerRun: 2
      readyTimeout: 60s
`;

const CATALOG = `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: ${NS}
apps:
${app("evicted", "evict")}${app("restarted", "restart")}`;

interface LiveDeployment {
  metadata: { generation: number };
  spec: { template: { metadata: { annotations?: Record<string, string> } } };
}
interface LiveLease {
  metadata: { annotations?: Record<string, string> };
  spec: { holderIdentity?: string; leaseTransitions?: number; renewTime?: string };
}

describe("the recycler rotating a Pulumi-managed app", () => {
  let p: PulumiEnv;
  let stack: Stack;
  let objects: KubeObject[];
  const { admin } = e2e();
  const deployment = (name: string) =>
    admin.get<LiveDeployment>(`/apis/apps/v1/namespaces/${NS}/deployments/${name}`);
  const lease = (name: string) =>
    admin.get<LiveLease>(`/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${name}-recycler`);

  before(async () => {
    p = await pulumiEnv();
    const catalogDir = mkdtempSync(join(tmpdir(), "rotor-pulumi-rotate-"));
    writeFileSync(join(catalogDir, "rotate.yaml"), CATALOG);
    // The recycler runs as its CronJob would, from what `rotor render` writes: the same objects Pulumi creates
    // (pulumi-stack.test.ts compares them field by field).
    const out = join(catalogDir, "out");
    const rendered = await rotor(["render", "--env", "rotate", "--catalog-dir", catalogDir, "--out", out]);
    assert.equal(rendered.code, 0, rendered.stderr);
    objects = readRendered(out);
    stack = await inlineStack(p, "rotate", rotorProgram("rotate", catalogDir));
    const up = await stack.up();
    assert.equal(up.summary.result, "succeeded");
  });
  after(async () => {
    await stack?.destroy();
    removePulumiEnv(p);
  });

  it("evicts the old pods of one app and restarts the other, then pulumi up changes nothing", async () => {
    const evictedBefore = (await listPods(NS, "app.kubernetes.io/name=evicted")).map((x) => x.metadata.name);
    assert.equal(evictedBefore.length, 2);
    const evicted = await runInCluster({ objects, cronJob: "evicted-recycler", clockAheadMs: HOUR });
    assert.equal(evicted.code, 0, evicted.stdout + evicted.stderr);
    assert.equal(evicted.report?.result, "rotated", evicted.report?.reason);
    assert.deepEqual([...(evicted.report?.rotated ?? [])].sort(), [...evictedBefore].sort());

    const restarted = await runInCluster({ objects, cronJob: "restarted-recycler", clockAheadMs: HOUR });
    assert.equal(restarted.code, 0, restarted.stdout + restarted.stderr);
    assert.equal(restarted.report?.result, "rotated", restarted.report?.reason);
    const restartedAt = (await deployment("restarted")).spec.template.metadata.annotations?.[
      RESTART_ANNOTATION
    ];
    assert.ok(restartedAt, "the restart strategy wrote the pod template's restart annotation");
    const leasesBefore = [await lease("evicted"), await lease("restarted")];
    assert.ok(leasesBefore.every((l) => l.metadata.annotations?.["rotor.dev/last-run"]));

    // Pulumi sees nothing to do, and leaves what the recycler wrote where it is.
    const preview = await stack.preview({ diff: true });
    assert.deepEqual(preview.changeSummary, { same: 25 });
    const up = await stack.up({ expectNoChanges: true });
    assert.deepEqual(up.summary.resourceChanges, { same: 25 });
    const after = await deployment("restarted");
    assert.equal(after.spec.template.metadata.annotations?.[RESTART_ANNOTATION], restartedAt);
    assert.deepEqual([await lease("evicted"), await lease("restarted")], leasesBefore);
  });
});
