// Simulator fidelity: the same requests, sent by the same code, to the real control plane and to rotor's
// simulator (in real time), and what each answered compared field by field after names and UIDs are
// normalised. Where they disagree the real API is right: the simulator is fixed, or the difference is listed
// under the simulator's known gaps (simulator/README.md) and expected here by name.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { KubeSimulator, SystemSimClock } from "../../simulator";
import { e2e, namespace } from "../harness/context";
import { eventually, Kube } from "../harness/kube";

type Observation = Record<string, unknown>;

interface Target {
  readonly name: "real" | "simulator";
  readonly kube: Kube;
  /** Creates the namespace where the target has Namespace objects. */
  readonly prepare: (ns: string) => Promise<void>;
}

const LABELS = { "app.kubernetes.io/name": "fid", "app.kubernetes.io/instance": "fid" };

function deployment(): unknown {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "fid", labels: LABELS },
    spec: {
      replicas: 3,
      minReadySeconds: 1,
      selector: { matchLabels: LABELS },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: LABELS },
        spec: {
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 1000,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: "app",
              image: "ghcr.io/acme/fid:1.0.0",
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
            },
          ],
        },
      },
    },
  };
}

function pdb(name: string, spec: Record<string, unknown>): unknown {
  return {
    apiVersion: "policy/v1",
    kind: "PodDisruptionBudget",
    metadata: { name },
    spec: { selector: { matchLabels: LABELS }, ...spec },
  };
}

interface PodLike {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: { conditions?: { type: string; status: string; reason?: string }[] };
}

function withoutTime(c: object | undefined): object | null {
  if (!c) return null;
  const { lastTransitionTime, ...rest } = c as { lastTransitionTime?: string };
  return { ...rest, lastTransitionTime: lastTransitionTime ? "<time>" : null };
}

/** Replaces the run's pod names and UIDs with placeholders, so two servers' answers compare. */
function normalise(value: unknown, names: Map<string, string>): unknown {
  let text = JSON.stringify(value);
  for (const [from, to] of names) text = text.split(from).join(to);
  return JSON.parse(text) as unknown;
}

/** The scenario: every request the same for both targets; returns what each step observed. */
async function scenario(t: Target, ns: string): Promise<Record<string, Observation>> {
  const k = t.kube;
  const out: Record<string, Observation> = {};
  await t.prepare(ns);
  const apps = `/apis/apps/v1/namespaces/${ns}`;
  const policy = `/apis/policy/v1/namespaces/${ns}`;
  const core = `/api/v1/namespaces/${ns}`;
  await k.must("POST", `${apps}/deployments`, deployment());
  await k.must("POST", `${policy}/poddisruptionbudgets`, pdb("fid", { maxUnavailable: 1 }));
  await eventually(`${t.name}: Deployment available`, async () => {
    const d = await k.get<{ status?: { availableReplicas?: number } }>(`${apps}/deployments/fid`);
    return d.status?.availableReplicas === 3 ? true : undefined;
  });
  await eventually(`${t.name}: PDB allows 1`, async () => {
    const p = await k.get<{ status?: { disruptionsAllowed?: number } }>(`${policy}/poddisruptionbudgets/fid`);
    return p.status?.disruptionsAllowed === 1 ? true : undefined;
  });
  const pods = (await k.get<{ items: PodLike[] }>(`${core}/pods`)).items.sort((a, b) =>
    a.metadata.name.localeCompare(b.metadata.name),
  );
  const names = new Map<string, string>();
  pods.forEach((p, i) => {
    names.set(p.metadata.name, `<pod-${i}>`);
    names.set(p.metadata.uid, `<uid-${i}>`);
  });
  const [p0, p1] = pods;
  const eviction = (name: string, uid?: string) => ({
    apiVersion: "policy/v1",
    kind: "Eviction",
    metadata: { name, namespace: ns },
    ...(uid ? { deleteOptions: { preconditions: { uid } } } : {}),
  });
  const answer = async (method: string, path: string, body?: unknown): Promise<Observation> => {
    const res = await k.send<Record<string, unknown>>(method, path, body);
    const b = res.body ?? {};
    return normalise(
      {
        status: res.status,
        kind: b.kind,
        reason: b.reason,
        code: b.code,
        message: b.message,
        details: b.details,
        statusField: b.status,
      },
      names,
    ) as Observation;
  };

  out["evict a pod"] = await answer(
    "POST",
    `${core}/pods/${p0.metadata.name}/eviction`,
    eviction(p0.metadata.name, p0.metadata.uid),
  );
  const evicted = await k.send<PodLike>("GET", `${core}/pods/${p0.metadata.name}`);
  out["the evicted pod"] = normalise(
    {
      status: evicted.status,
      terminating: Boolean(evicted.body.metadata?.deletionTimestamp),
      // Its transition time is the moment, which differs between two servers: compared as present.
      disruptionTarget: withoutTime(
        evicted.body.status?.conditions?.find((c) => c.type === "DisruptionTarget"),
      ),
    },
    names,
  ) as Observation;
  const terminating = await eventually(
    `${t.name}: Deployment status counts the terminating pod`,
    async () => {
      const d = await k.get<{ status?: Record<string, number> }>(`${apps}/deployments/fid`);
      return d.status?.terminatingReplicas === 1 ? d.status : undefined;
    },
    15_000,
    50,
  ).catch(() => undefined);
  out["Deployment status while a pod terminates"] = {
    terminatingReplicas: terminating?.terminatingReplicas ?? null,
  };
  await eventually(
    `${t.name}: PDB allows 1 again`,
    async () => {
      const p = await k.get<{ status?: { disruptionsAllowed?: number; currentHealthy?: number } }>(
        `${policy}/poddisruptionbudgets/fid`,
      );
      return p.status?.disruptionsAllowed === 1 && p.status.currentHealthy === 3 ? true : undefined;
    },
    60_000,
  );

  // A UID precondition that no longer matches: refused, but the budget has already recorded the disruption.
  out["evict with a stale UID precondition"] = await answer(
    "POST",
    `${core}/pods/${p1.metadata.name}/eviction`,
    eviction(p1.metadata.name, "00000000-0000-0000-0000-000000000000"),
  );
  const afterStale = await k.get<{ status?: { disruptedPods?: Record<string, string> } }>(
    `${policy}/poddisruptionbudgets/fid`,
  );
  out["the budget after a refused precondition"] = normalise(
    { disruptedPods: Object.keys(afterStale.status?.disruptedPods ?? {}) },
    names,
  ) as Observation;
  out["evict a pod that does not exist"] = await answer(
    "POST",
    `${core}/pods/nosuch/eviction`,
    eviction("nosuch"),
  );

  // A budget that allows nothing.
  await k.mergePatch(`${policy}/poddisruptionbudgets/fid`, {
    spec: { maxUnavailable: null, minAvailable: 3 },
  });
  await eventually(
    `${t.name}: PDB allows 0`,
    async () => {
      const p = await k.get<{
        metadata: { generation: number };
        status?: { observedGeneration?: number; disruptionsAllowed?: number; currentHealthy?: number };
      }>(`${policy}/poddisruptionbudgets/fid`);
      if (p.status?.observedGeneration === p.metadata.generation && p.status.disruptionsAllowed === 0)
        return true;
      const live = (await k.get<{ items: PodLike[] }>(`${core}/pods`)).items.map((x) => [
        x.metadata.name,
        x.metadata.deletionTimestamp,
        x.status?.conditions?.map((c) => `${c.type}=${c.status}`).join(" "),
      ]);
      throw new Error(JSON.stringify({ status: p.status, live, out }));
    },
    60_000,
  );
  out["evict against a budget that allows nothing"] = await answer(
    "POST",
    `${core}/pods/${p1.metadata.name}/eviction`,
    eviction(p1.metadata.name),
  );

  // Two budgets over the same pods.
  await k.mergePatch(`${policy}/poddisruptionbudgets/fid`, {
    spec: { minAvailable: null, maxUnavailable: 1 },
  });
  await k.must("POST", `${policy}/poddisruptionbudgets`, pdb("fid-2", { maxUnavailable: 1 }));
  out["evict a pod covered by two budgets"] = await answer(
    "POST",
    `${core}/pods/${p1.metadata.name}/eviction`,
    eviction(p1.metadata.name),
  );

  // An annotation on the Deployment: its generation moves, and the controller copies it onto the ReplicaSet.
  const before = await k.get<{ metadata: { generation: number } }>(`${apps}/deployments/fid`);
  const patched = await k.mergePatch<{ metadata: { generation: number } }>(`${apps}/deployments/fid`, {
    metadata: { annotations: { "rotor.dev/paused": "true" } },
  });
  const copied = await eventually(
    `${t.name}: annotation copied to the ReplicaSet`,
    async () => {
      const rs = await k.get<{ items: { metadata: { annotations?: Record<string, string> } }[] }>(
        `${apps}/replicasets`,
      );
      return rs.items.some((r) => r.metadata.annotations?.["rotor.dev/paused"] === "true") ? true : undefined;
    },
    15_000,
  ).catch(() => false);
  out["annotate the Deployment"] = {
    generationDelta: patched.metadata.generation - before.metadata.generation,
    copiedToReplicaSet: copied,
  };
  return out;
}

let sim: KubeSimulator | undefined;

describe("the simulator against the real API", () => {
  before(async () => {
    sim = await KubeSimulator.start({
      clock: new SystemSimClock(),
      token: "fidelity",
      tls: true,
      pdbSyncDelayMs: 100,
    });
  });
  after(async () => {
    await sim?.close();
  });

  it("answers the same requests the same way", async () => {
    const real = await scenario(
      { name: "real", kube: e2e().admin, prepare: async (ns) => void (await namespace(ns)) },
      "e2e-fidelity",
    );
    const simulated = await scenario(
      {
        name: "simulator",
        kube: new Kube({ server: sim!.url, ca: sim!.caCertificate ?? "", token: "fidelity" }),
        prepare: () => Promise.resolve(),
      },
      "e2e-fidelity",
    );
    const steps = Object.keys(real);
    let agree = 0;
    const differences: string[] = [];
    for (const step of steps) {
      try {
        assert.deepEqual(simulated[step], real[step]);
        agree++;
      } catch {
        differences.push(
          `${step}:\n  real:      ${JSON.stringify(real[step])}\n  simulator: ${JSON.stringify(simulated[step])}`,
        );
      }
    }
    console.log(`simulator agrees with the real API on ${agree} of ${steps.length} observations`);
    assert.deepEqual(differences, []);
  });
});
