// Every shipped environment, rendered by `rotor render`, applied server-side with strict field validation
// into Pod Security "restricted" namespaces: nothing is rejected or warned about, and the objects then do
// what rotor promises on a real control plane.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { applyRendered, deploymentAvailable, e2e, kubectl, listPods } from "../harness/context";
import { eventually } from "../harness/kube";
import { renderEnvironment, type KubeObject } from "../harness/rotor";

const ENVIRONMENTS = ["dev", "staging", "prod"];

interface Rendered {
  env: string;
  dir: string;
  objects: KubeObject[];
}

const rendered: Rendered[] = [];

function byKind(kind: string): KubeObject[] {
  return rendered.flatMap((r) => r.objects.filter((o) => o.kind === kind));
}

describe("rendered environments on a real API server", () => {
  before(async () => {
    for (const env of ENVIRONMENTS) rendered.push({ env, ...(await renderEnvironment(env)) });
  });
  after(async () => {
    for (const r of rendered) {
      for (const ns of r.objects.filter((o) => o.kind === "Namespace")) {
        await kubectl(["delete", "namespace", ns.metadata.name, "--wait=false"]);
      }
    }
  });

  it("applies every object with kubectl apply --server-side --validate=strict -k: no rejection, no warning", async () => {
    for (const r of rendered) {
      const res = await applyRendered("-k", r.dir);
      assert.equal(res.code, 0, `${r.env}: ${res.stderr}`);
      assert.equal(res.stderr, "", `${r.env}: kubectl printed warnings or errors`);
      const applied = res.stdout.trim().split("\n").sort();
      const expected = r.objects
        .map((o) => {
          const group = o.apiVersion.includes("/") ? `.${o.apiVersion.split("/")[0]}` : "";
          return `${o.kind.toLowerCase()}${group}/${o.metadata.name} serverside-applied`;
        })
        .sort();
      assert.deepEqual(applied, expected, r.env);
    }
    console.log(
      `applied ${rendered.reduce((n, r) => n + r.objects.length, 0)} objects from ${ENVIRONMENTS.length} environments`,
    );
  });

  it("applies cleanly with kubectl apply --server-side -f too (Namespaces first, the Kustomization not sent)", async () => {
    // Re-applying what -k applied, file by file in name order as kubectl -f reads a directory.
    for (const r of rendered) {
      const res = await applyRendered("-f", r.dir);
      assert.equal(res.code, 0, `${r.env}: ${res.stderr}`);
      assert.equal(res.stderr, "", `${r.env}: kubectl printed warnings or errors`);
      assert.equal(res.stdout.trim().split("\n").length, r.objects.length, r.env);
    }
  });

  it("applies with -f into an empty cluster: the Namespace file sorts before every app's objects", async () => {
    const { objects, dir } = await renderEnvironment("dev");
    // A second copy of dev in a namespace no test has used, through -f alone.
    for (const f of readdirSync(dir)) {
      if (!f.endsWith(".yaml")) continue;
      writeFileSync(join(dir, f), readFileSync(join(dir, f), "utf8").replaceAll("shop-dev", "shop-dev-f"));
    }
    const res = await applyRendered("-f", dir);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stderr, "");
    assert.equal(res.stdout.trim().split("\n").length, objects.length);
    assert.match(res.stdout.split("\n")[0] ?? "", /^namespace\/shop-dev-f serverside-applied$/);
    await kubectl(["delete", "namespace", "shop-dev-f", "--wait=false"]);
  });

  it("creates every namespace labelled to enforce Pod Security restricted", async () => {
    const { admin } = e2e();
    for (const ns of byKind("Namespace")) {
      const live = await admin.get<KubeObject>(`/api/v1/namespaces/${ns.metadata.name}`);
      assert.equal(
        live.metadata.labels?.["pod-security.kubernetes.io/enforce"],
        "restricted",
        ns.metadata.name,
      );
    }
  });

  it("brings every Deployment to Available with all replicas, admitted under Pod Security restricted", async () => {
    for (const d of byKind("Deployment")) {
      const live = await deploymentAvailable(d.metadata.namespace ?? "", d.metadata.name);
      const spec = d.spec as { replicas?: number };
      if (spec.replicas !== undefined)
        assert.equal(live.status?.availableReplicas, spec.replicas, d.metadata.name);
    }
  });

  it("gives each Service EndpointSlices that hold exactly the app's Ready pods", async () => {
    const { admin } = e2e();
    for (const svc of byKind("Service")) {
      const ns = svc.metadata.namespace ?? "";
      const selector = (svc.spec as { selector: Record<string, string> }).selector;
      const labelSelector = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(",");
      const pods = (await listPods(ns, labelSelector)).filter((p) => !p.metadata.deletionTimestamp);
      const want = pods.map((p) => p.metadata.name).sort();
      const got = await eventually(`EndpointSlices of ${ns}/${svc.metadata.name}`, async () => {
        const slices = await admin.get<{
          items: { endpoints?: { targetRef?: { name: string }; conditions?: { ready?: boolean } }[] }[];
        }>(
          `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices?labelSelector=kubernetes.io/service-name=${svc.metadata.name}`,
        );
        const names = slices.items
          .flatMap((s) => s.endpoints ?? [])
          .filter((e) => e.conditions?.ready === true)
          .map((e) => e.targetRef?.name ?? "")
          .sort();
        return JSON.stringify(names) === JSON.stringify(want) ? names : undefined;
      });
      assert.deepEqual(got, want, `${ns}/${svc.metadata.name}`);
      assert.ok(want.length >= 2, `${ns}/${svc.metadata.name} has ${want.length} pods`);
    }
  });

  it("lets each PodDisruptionBudget allow exactly one disruption once the app is available", async () => {
    const { admin } = e2e();
    for (const pdb of byKind("PodDisruptionBudget")) {
      const ns = pdb.metadata.namespace ?? "";
      const status = await eventually(`PDB ${ns}/${pdb.metadata.name} settled`, async () => {
        const live = await admin.get<{
          status?: { disruptionsAllowed?: number; currentHealthy?: number; expectedPods?: number };
        }>(`/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${pdb.metadata.name}`);
        const s = live.status ?? {};
        return s.expectedPods !== undefined && s.currentHealthy === s.expectedPods ? s : undefined;
      });
      assert.equal(status.disruptionsAllowed, 1, `${ns}/${pdb.metadata.name}`);
    }
  });

  it("has the CronJob controller create the recycler's Job on schedule in the CronJob's time zone", async () => {
    const { admin } = e2e();
    // A rendered recycler CronJob whose zone is not UTC, rescheduled to a wall-clock minute in that zone soon.
    const cron = byKind("CronJob").find((c) => (c.spec as { timeZone?: string }).timeZone !== "Etc/UTC");
    assert.ok(cron, "no shipped environment has a recycler in a zone other than UTC");
    const ns = cron.metadata.namespace ?? "";
    const zone = (cron.spec as { timeZone: string }).timeZone;
    let at = Math.ceil(Date.now() / 60_000) * 60_000;
    if (at - Date.now() < 20_000) at += 60_000;
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hour: "numeric",
      minute: "numeric",
      hourCycle: "h23",
    })
      .formatToParts(new Date(at))
      .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
    const schedule = `${Number(parts.minute)} ${Number(parts.hour)} * * *`;
    await admin.mergePatch(`/apis/batch/v1/namespaces/${ns}/cronjobs/${cron.metadata.name}`, {
      spec: { schedule },
    });
    const job = await eventually(
      `a Job of CronJob ${ns}/${cron.metadata.name} (${schedule} in ${zone})`,
      async () => {
        const jobs = await admin.get<{
          items: {
            metadata: {
              name: string;
              annotations?: Record<string, string>;
              ownerReferences?: { name: string }[];
            };
            status?: { succeeded?: number };
          }[];
        }>(`/apis/batch/v1/namespaces/${ns}/jobs`);
        return jobs.items.find((j) => j.metadata.ownerReferences?.some((o) => o.name === cron.metadata.name));
      },
      150_000,
      1000,
    );
    // The controller writes the scheduled time in the CronJob's own zone, with that zone's offset.
    const offset = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
      .formatToParts(new Date(at))
      .find((p) => p.type === "timeZoneName")
      ?.value.replace("GMT", "");
    const local = `${new Date(at + offsetMs(offset ?? "")).toISOString().slice(0, 19)}${offset || "Z"}`;
    assert.equal(job.metadata.annotations?.["batch.kubernetes.io/cronjob-scheduled-timestamp"], local);
    // Its pod is admitted under "restricted" and (under KWOK, which runs no container) succeeds.
    const done = await eventually(`Job ${job.metadata.name} succeeded`, async () => {
      const j = await admin.get<{ status?: { succeeded?: number } }>(
        `/apis/batch/v1/namespaces/${ns}/jobs/${job.metadata.name}`,
      );
      return (j.status?.succeeded ?? 0) >= 1 ? j : undefined;
    });
    assert.equal(done.status?.succeeded, 1);
    console.log(
      `CronJob ${cron.metadata.name}: "${schedule}" in ${zone} ran at ${new Date(at).toISOString()}`,
    );
  });
});

/** "+01:00" → 3,600,000. */
function offsetMs(offset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) return 0;
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}
