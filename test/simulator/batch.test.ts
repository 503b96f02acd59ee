// CronJobs and Jobs as the API stores them: status belongs to the controllers (dropped on create, kept on update),
// the required fields are checked, seeded Jobs carry the status the Job controller leaves, and lists filter by label.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KubeObject } from "../../simulator";
import { T0, withSim, type List } from "./helpers";

const cronJob = {
  apiVersion: "batch/v1",
  kind: "CronJob",
  metadata: { name: "web-recycler", labels: { "app.kubernetes.io/instance": "web-recycler" } },
  spec: {
    schedule: "*/15 * * * *",
    jobTemplate: {
      metadata: { labels: { "app.kubernetes.io/instance": "web-recycler" } },
      spec: { template: {} },
    },
  },
  status: { lastScheduleTime: "2026-01-05T09:45:00Z" },
};

describe("batch/v1 CronJobs and Jobs", () => {
  it("drops status on create, keeps it on update, and refuses a CronJob without a schedule", () =>
    withSim({}, async ({ client }) => {
      const created = await client.request<KubeObject>(
        "POST",
        "/apis/batch/v1/namespaces/shop/cronjobs",
        cronJob,
      );
      assert.equal(created.status, 201);
      assert.equal(created.json.status, undefined);
      assert.equal(created.json.metadata.generation, 1);
      const updated = await client.request<KubeObject>(
        "PUT",
        "/apis/batch/v1/namespaces/shop/cronjobs/web-recycler",
        {
          ...created.json,
          spec: { ...cronJob.spec, suspend: true },
          status: { lastScheduleTime: "2026-01-05T10:00:00Z" },
        },
      );
      assert.equal(updated.status, 200);
      assert.equal(updated.json.status, undefined);
      assert.equal(updated.json.metadata.generation, 2);
      const invalid = await client.request<{ code: number; details: { causes: { field: string }[] } }>(
        "POST",
        "/apis/batch/v1/namespaces/shop/cronjobs",
        { ...cronJob, metadata: { name: "bad" }, spec: { jobTemplate: cronJob.spec.jobTemplate } },
      );
      assert.equal(invalid.status, 422);
      assert.deepEqual(
        invalid.json.details.causes.map((c) => c.field),
        ["spec.schedule"],
      );
    }));

  it("seeds Jobs owned by their CronJob, with the Job controller's conditions, listed by label", () =>
    withSim({}, async ({ sim, client }) => {
      const cron = sim.seedCronJob({
        ...cronJob,
        metadata: { ...cronJob.metadata, namespace: "shop" },
      });
      assert.equal(cron.status, undefined);
      sim.seedJob({
        namespace: "shop",
        name: "j1",
        cronJob: "web-recycler",
        outcome: "failed",
        startedAgoMs: 600_000,
        endedAgoMs: 300_000,
        reason: "DeadlineExceeded",
        message: "Job was active longer than specified deadline",
      });
      sim.seedJob({
        namespace: "shop",
        name: "j2",
        cronJob: "web-recycler",
        outcome: "succeeded",
        startedAgoMs: 60_000,
      });
      sim.seedJob({
        namespace: "shop",
        name: "j3",
        cronJob: "web-recycler",
        outcome: "running",
        startedAgoMs: 0,
      });
      assert.throws(
        () =>
          sim.seedJob({ namespace: "shop", name: "x", cronJob: "nope", outcome: "running", startedAgoMs: 0 }),
        /no CronJob shop\/nope to own Job x/,
      );
      const list = await client.get<List>(
        "/apis/batch/v1/namespaces/shop/jobs?labelSelector=app.kubernetes.io%2Finstance%3Dweb-recycler",
      );
      assert.equal(list.status, 200);
      const iso = (ago: number) => new Date(T0 - ago).toISOString().replace(".000Z", "Z");
      assert.deepEqual(
        list.json.items.map((j) => [
          j.metadata.name,
          j.metadata.creationTimestamp,
          j.metadata.ownerReferences?.[0]?.uid,
          j.status,
        ]),
        [
          [
            "j1",
            iso(600_000),
            cron.metadata.uid,
            {
              startTime: iso(600_000),
              conditions: ["FailureTarget", "Failed"].map((type) => ({
                type,
                status: "True",
                lastProbeTime: iso(300_000),
                lastTransitionTime: iso(300_000),
                reason: "DeadlineExceeded",
                message: "Job was active longer than specified deadline",
              })),
              failed: 1,
            },
          ],
          [
            "j2",
            iso(60_000),
            cron.metadata.uid,
            {
              startTime: iso(60_000),
              conditions: ["SuccessCriteriaMet", "Complete"].map((type) => ({
                type,
                status: "True",
                lastProbeTime: iso(0),
                lastTransitionTime: iso(0),
              })),
              succeeded: 1,
              completionTime: iso(0),
            },
          ],
          ["j3", iso(0), cron.metadata.uid, { startTime: iso(0), active: 1 }],
        ],
      );
    }));
});
