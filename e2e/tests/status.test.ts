// `rotor status` against the real control plane, through a ServiceAccount bound to exactly the rotor-status Role:
// four apps rendered by rotor and applied, an overdue app whose budget blocks its recycler (run as its CronJob
// runs it, with its clock ahead), an app paused by annotation, an app whose last Job failed (the real Job
// controller's DeadlineExceeded), and an app that is fine. Output asserted exactly, text and json.
//
// Time: `rotor status --now` (a hidden flag) judges at a fixed instant four days after the pods were created,
// instead of the recycler's clock-ahead preload. The preload only shifts the clock, so ages would still move
// with how long the test takes; --now makes every age, deadline and "ago" exact, and a read-only command that
// is told what time it is cannot do harm with it.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { formatDuration } from "../../contract/duration";
import { statusRoleRules } from "../../status/rbac";
import { e2e, listPods } from "../harness/context";
import { eventually } from "../harness/kube";
import { runInCluster, serviceAccountToken } from "../harness/recycler";
import { deployCatalog, rotor, type KubeObject } from "../harness/rotor";

const NS = "e2e-status";
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// A daily run twelve hours from now: the CronJob controller starts no Job of its own while the test runs.
const RUN_HOUR = (new Date().getUTCHours() + 12) % 24;
const SCHEDULE = `0 ${RUN_HOUR} * * *`;

function app(name: string, maxAge: string): string {
  return `  ${name}:
    image: ghcr.io/acme/${name}:1.0.0
    replicas: 2
    ports:
      - { name: http, containerPort: 8080, servicePort: 80 }
    rotation:
      maxAge: ${maxAge}
      jitter: 0s
      schedule: "${SCHEDULE}"
      maxRotationsPerRun: 2
      readyTimeout: 30s
`;
}

const catalog = `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: ${NS}
apps:
${app("api", "1d")}${app("cart", "7d")}${app("pay", "7d")}${app("web", "7d")}`;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The next `HH:00` UTC strictly after `ms`: the daily schedule, by hand. */
function nextDaily(ms: number): number {
  const day = Math.floor(ms / DAY) * DAY + RUN_HOUR * HOUR;
  return day > ms ? day : day + DAY;
}

/** A ServiceAccount bound to the rotor-status Role, and a kubeconfig with its token. */
async function statusKubeconfig(): Promise<string> {
  const { admin, state } = e2e();
  const rbac = "/apis/rbac.authorization.k8s.io/v1";
  await admin.must("POST", `/api/v1/namespaces/${NS}/serviceaccounts`, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "rotor-status" },
  });
  await admin.must("POST", `${rbac}/namespaces/${NS}/roles`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: { name: "rotor-status" },
    rules: statusRoleRules(),
  });
  await admin.must("POST", `${rbac}/namespaces/${NS}/rolebindings`, {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: { name: "rotor-status" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "rotor-status" },
    subjects: [{ kind: "ServiceAccount", name: "rotor-status", namespace: NS }],
  });
  const token = await serviceAccountToken(NS, "rotor-status");
  const file = join(mkdtempSync(join(tmpdir(), "rotor-status-")), "kubeconfig.json");
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        {
          name: "e2e",
          cluster: {
            server: state.server,
            "certificate-authority-data": Buffer.from(admin.credentials.ca).toString("base64"),
          },
        },
      ],
      users: [{ name: "rotor-status", user: { token } }],
      contexts: [{ name: "e2e", context: { cluster: "e2e", user: "rotor-status", namespace: NS } }],
      "current-context": "e2e",
    }),
  );
  return file;
}

/** A Job of the CronJob, from its own template, that cannot start (no node matches) and fails by its deadline. */
async function failingJob(objects: KubeObject[], cronJob: string): Promise<string> {
  const { admin } = e2e();
  const live = await admin.get<{ metadata: { uid: string }; spec: { jobTemplate: Record<string, unknown> } }>(
    `/apis/batch/v1/namespaces/${NS}/cronjobs/${cronJob}`,
  );
  const template = objects.find((o) => o.kind === "CronJob" && o.metadata.name === cronJob)!.spec as {
    jobTemplate: {
      metadata: { labels: Record<string, string> };
      spec: { template: { spec: Record<string, unknown> } } & Record<string, unknown>;
    };
  };
  const name = `${cronJob}-e2e-failed`;
  const spec = template.jobTemplate.spec;
  await admin.must("POST", `/apis/batch/v1/namespaces/${NS}/jobs`, {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name,
      labels: template.jobTemplate.metadata.labels,
      ownerReferences: [
        {
          apiVersion: "batch/v1",
          kind: "CronJob",
          name: cronJob,
          uid: live.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...spec,
      activeDeadlineSeconds: 1,
      template: {
        ...spec.template,
        spec: { ...spec.template.spec, nodeSelector: { "rotor.dev/no-such-node": "true" } },
      },
    },
  });
  await eventually(`Job ${name} Failed`, async () => {
    const job = await admin.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
      `/apis/batch/v1/namespaces/${NS}/jobs/${name}`,
    );
    return (job.status?.conditions ?? []).some((c) => c.type === "Failed" && c.status === "True")
      ? true
      : undefined;
  });
  return name;
}

describe("rotor status on the real control plane", () => {
  it("shows the overdue, blocked, paused, failed and healthy apps, exactly, with only the rotor-status Role", async () => {
    const { admin } = e2e();
    const { objects } = await deployCatalog("status", catalog);
    const kubeconfig = await statusKubeconfig();

    // api: a budget that allows nothing, and a run two days ahead (its pods long due): blocked.
    await admin.mergePatch(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/api`, {
      spec: { maxUnavailable: null, minAvailable: 2 },
    });
    await eventually("PDB api allows 0", async () => {
      const p = await admin.get<{
        metadata: { generation: number };
        status?: { observedGeneration?: number; disruptionsAllowed?: number };
      }>(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/api`);
      return p.status?.observedGeneration === p.metadata.generation && p.status.disruptionsAllowed === 0
        ? true
        : undefined;
    });
    const blocked = await runInCluster({ objects, cronJob: "api-recycler", clockAheadMs: 2 * DAY });
    assert.equal(blocked.report?.result, "blocked", blocked.stdout + blocked.stderr);
    // web: a run that finds nothing to do.
    const fine = await runInCluster({ objects, cronJob: "web-recycler" });
    assert.equal(fine.report?.result, "nothing-to-do", fine.stdout + fine.stderr);
    // cart: paused by annotation.
    await admin.mergePatch(`/apis/apps/v1/namespaces/${NS}/deployments/cart`, {
      metadata: { annotations: { "rotor.dev/paused": "true" } },
    });
    // pay: its last Job failed.
    const failedJob = await failingJob(objects, "pay-recycler");

    const oldest = async (a: string): Promise<{ name: string; created: number }> => {
      const list = await listPods(NS, `app.kubernetes.io/name=${a},app.kubernetes.io/instance=${a}`);
      const sorted = list
        .map((p) => ({ name: p.metadata.name, created: Date.parse(p.metadata.creationTimestamp) }))
        .sort((x, y) => x.created - y.created || x.name.localeCompare(y.name));
      assert.equal(sorted.length, 2);
      return sorted[0];
    };
    const [api, cart, pay, web] = await Promise.all(["api", "cart", "pay", "web"].map(oldest));
    const first = Math.min(api.created, cart.created, pay.created, web.created);
    const now = Math.ceil(first / MINUTE) * MINUTE + 4 * DAY;
    const lastRun = async (a: string) => {
      const lease = await admin.get<{ metadata: { annotations: Record<string, string> } }>(
        `/apis/coordination.k8s.io/v1/namespaces/${NS}/leases/${a}-recycler`,
      );
      return JSON.parse(lease.metadata.annotations["rotor.dev/last-run"]) as {
        time: string;
        result: string;
        reason: string;
      };
    };
    const apiRun = await lastRun("api");
    const webRun = await lastRun("web");
    const job = await admin.get<{
      status: { startTime?: string; conditions: { type: string; lastTransitionTime: string }[] };
    }>(`/apis/batch/v1/namespaces/${NS}/jobs/${failedJob}`);
    const jobFailed = Date.parse(job.status.conditions.find((c) => c.type === "Failed")!.lastTransitionTime);

    const d = formatDuration;
    const ago = (ms: number) => `${d(now - ms)} ago`;
    const next = nextDaily(now);
    const blockedAt = Date.parse(apiRun.time);
    // A run of this schedule starts at most 5m late (startingDeadlineSeconds 300) and its Job may run 6m
    // (activeDeadlineSeconds: 2 rotations × 30s readyTimeout + 300s).
    const runEnd = 11 * MINUTE;
    const budget = "PodDisruptionBudget api allows no disruption (2 healthy, 2 required)";
    const schedule = (maxAge: string) =>
      `  rotation   max age ${maxAge}, jitter up to 0s, 2 per run (evict); schedule "${SCHEDULE}" (Etc/UTC), no windows`;
    const young = (p: { name: string; created: number }) =>
      `  oldest     ${p.name}, age ${d(now - p.created)} of 7d (max age 7d + jitter 0s); due at ${iso(p.created + 7 * DAY)} (in ${d(p.created + 7 * DAY - now)})`;
    const nextRun = `  next run   ${iso(next)} (in ${d(next - now)})`;
    const cell = (p: { created: number }, maxAge: string) => `${d(now - p.created)}/${maxAge}`;
    const table = [
      ["APP", "STATE", "READY", "OLDEST/DEADLINE", "DUE", "OVERDUE", "LAST RUN", "NEXT RUN"],
      [
        `${NS}/api`,
        "overdue",
        "2/2",
        cell(api, "1d"),
        "2",
        "2",
        `blocked ${ago(blockedAt)}`,
        `in ${d(next - now)}`,
      ],
      [`${NS}/pay`, "failed", "2/2", cell(pay, "7d"), "0", "0", "none", `in ${d(next - now)}`],
      [`${NS}/cart`, "paused", "2/2", cell(cart, "7d"), "0", "0", "none", `in ${d(next - now)}`],
      [
        `${NS}/web`,
        "ok",
        "2/2",
        cell(web, "7d"),
        "0",
        "0",
        `nothing-to-do ${ago(Date.parse(webRun.time))}`,
        `in ${d(next - now)}`,
      ],
    ];
    const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    const rows = table.map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
        .join("  ")
        .trimEnd(),
    );

    const text = await rotor(["status", "--kubeconfig", kubeconfig, "--now", iso(now)]);
    assert.equal(text.stderr, "");
    assert.equal(text.code, 1, "an overdue app, a long block and a failed Job fail the status");
    assert.equal(webRun.result, "nothing-to-do");
    assert.equal(apiRun.reason, budget);
    assert.deepEqual(text.stdout.split("\n"), [
      `4 apps in namespace ${NS} at ${iso(now)}: 2 failing, 1 paused, 1 within their bound`,
      "",
      ...rows,
      "",
      `${NS}/api: overdue`,
      `  problem    2 of 2 pods overdue: ${api.name} should have been rotated by ${iso(nextDaily(api.created + DAY) + runEnd)} (due ${iso(api.created + DAY)}, then the first usable run, which ends at most 11m after its scheduled time)`,
      `  problem    rotation has been blocked since ${iso(blockedAt)}, longer than one schedule period (the run due at ${iso(nextDaily(blockedAt))} did not end it): ${budget}`,
      "  pods       2 desired, 2 Ready; 2 due, 2 overdue",
      `  oldest     ${api.name}, age ${d(now - api.created)} of 1d (max age 1d + jitter 0s); due since ${iso(api.created + DAY)} (${ago(api.created + DAY)})`,
      `  last run   ${iso(blockedAt)} (${ago(blockedAt)}) blocked: ${budget}; rotated none`,
      "  last Job   none",
      nextRun,
      schedule("1d"),
      "",
      `${NS}/pay: failed`,
      `  problem    the last Job ${failedJob} failed (DeadlineExceeded: Job was active longer than specified deadline)`,
      "  pods       2 desired, 2 Ready; 0 due, 0 overdue",
      young(pay),
      "  last run   none reported yet",
      `  last Job   ${failedJob} failed (DeadlineExceeded: Job was active longer than specified deadline) at ${iso(jobFailed)}`,
      nextRun,
      schedule("7d"),
      "",
      `${NS}/cart: paused`,
      '  paused     Deployment cart has rotor.dev/paused: "true"',
      "  pods       2 desired, 2 Ready; 0 due, 0 overdue",
      young(cart),
      "  last run   none reported yet",
      "  last Job   none",
      nextRun,
      schedule("7d"),
      "",
      `${NS}/web: ok`,
      "  pods       2 desired, 2 Ready; 0 due, 0 overdue",
      young(web),
      `  last run   ${iso(Date.parse(webRun.time))} (${ago(Date.parse(webRun.time))}) nothing-to-do: ${webRun.reason}; rotated none`,
      "  last Job   none",
      nextRun,
      schedule("7d"),
      "",
    ]);

    // The oldest pod of an app with max age 7d, in --format json: not due, so no rotate-by time.
    const youngJson = (p: { name: string; created: number }) => ({
      name: p.name,
      created: iso(p.created),
      age: { ms: now - p.created, text: d(now - p.created) },
      jitter: { ms: 0, text: "0s" },
      deadline: iso(p.created + 7 * DAY),
      rotateBy: null,
      due: false,
      overdue: false,
    });
    const json = await rotor(["status", "--kubeconfig", kubeconfig, "--now", iso(now), "--format", "json"]);
    assert.equal(json.code, 1, json.stderr);
    const doc = JSON.parse(json.stdout) as {
      exitCode: number;
      apps: {
        app: string;
        state: string;
        problems: { kind: string }[];
        paused: string[];
        pods: { live: number; due: number; overdue: number };
        oldestPod: { name: string; deadline: string; rotateBy: string | null; overdue: boolean };
        lastRun: { time: string; result: string; rotated: string[]; source: string } | null;
        blockedSince: string | null;
        lastJob: { name: string; outcome: string; reason: string | null; finished: string | null } | null;
        nextRun: string | null;
      }[];
    };
    assert.equal(doc.exitCode, 1);
    assert.deepEqual(
      doc.apps.map((a) => ({
        app: a.app,
        state: a.state,
        problems: a.problems.map((p) => p.kind),
        paused: a.paused.length,
        pods: a.pods,
        oldest: a.oldestPod,
        lastRun: a.lastRun,
        blockedSince: a.blockedSince,
        lastJob: a.lastJob,
        nextRun: a.nextRun,
      })),
      [
        {
          app: "api",
          state: "overdue",
          problems: ["overdue", "blocked"],
          paused: 0,
          pods: { live: 2, due: 2, overdue: 2 },
          oldest: {
            name: api.name,
            created: iso(api.created),
            age: { ms: now - api.created, text: d(now - api.created) },
            jitter: { ms: 0, text: "0s" },
            deadline: iso(api.created + DAY),
            rotateBy: iso(nextDaily(api.created + DAY) + runEnd),
            due: true,
            overdue: true,
          },
          lastRun: { time: iso(blockedAt), result: "blocked", reason: budget, rotated: [], source: "lease" },
          blockedSince: iso(blockedAt),
          lastJob: null,
          nextRun: iso(next),
        },
        {
          app: "pay",
          state: "failed",
          problems: ["failed"],
          paused: 0,
          pods: { live: 2, due: 0, overdue: 0 },
          oldest: youngJson(pay),
          lastRun: null,
          blockedSince: null,
          lastJob: {
            name: failedJob,
            outcome: "failed",
            reason: "DeadlineExceeded",
            message: "Job was active longer than specified deadline",
            started: job.status.startTime ?? null,
            finished: iso(jobFailed),
          },
          nextRun: iso(next),
        },
        {
          app: "cart",
          state: "paused",
          problems: [],
          paused: 1,
          pods: { live: 2, due: 0, overdue: 0 },
          oldest: youngJson(cart),
          lastRun: null,
          blockedSince: null,
          lastJob: null,
          nextRun: iso(next),
        },
        {
          app: "web",
          state: "ok",
          problems: [],
          paused: 0,
          pods: { live: 2, due: 0, overdue: 0 },
          oldest: youngJson(web),
          lastRun: {
            time: iso(Date.parse(webRun.time)),
            result: "nothing-to-do",
            reason: webRun.reason,
            rotated: [],
            source: "lease",
          },
          blockedSince: null,
          lastJob: null,
          nextRun: iso(next),
        },
      ],
    );
  });
});
