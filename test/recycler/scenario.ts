/**
 * One randomized scenario for the property-based tests: an app with old and young pods, a PodDisruptionBudget
 * (or none), recycler settings, faults (5xx, 429, hanging requests, dropped watches, never-Ready pods, HPA
 * changes, a lagging disruption controller) and one or two recycler runs started together. `runScenario` runs
 * it on the simulator's virtual clock and returns every invariant it saw broken.
 */
import { podDeadlineMs } from "../../recycler/jitter";
import type { FaultPlan, KubeSimulator, Pod as SimPod, RequestFault } from "../../simulator";
import type { RecyclerReport } from "../../recycler/report";
import { DAY, HOUR, NS, runAll, startHarness, START, type RunResult } from "./harness";

export interface Scenario {
  readonly replicas: number;
  /** Ages of the existing pods, in hours. */
  readonly agesH: readonly number[];
  readonly maxAgeH: number;
  /** Jitter as a fraction of max age. */
  readonly jitterFraction: number;
  readonly startupMs: number;
  readonly readyDelayMs: number;
  readonly terminationMs: number;
  readonly pdb:
    | "none"
    | "maxUnavailable-1"
    | "maxUnavailable-2"
    | "minAvailable-all-but-one"
    | "minAvailable-all"
    | "minAvailable-50%";
  readonly alwaysAllow: boolean;
  readonly maxRotations: number;
  /** none, a window open now, one closed now, or one closing this many seconds from now. */
  readonly window:
    { readonly kind: "none" | "open" | "closed" } | { readonly kind: "closing"; readonly inSeconds: number };
  readonly readyTimeoutS: number;
  readonly faults: {
    readonly evictionErrors?: { readonly count: number; readonly code: 500 | 502 | 503 | 504 };
    readonly evictionThrottles?: { readonly count: number; readonly retryAfterSeconds: number };
    readonly evictionHang?: { readonly releaseAfterMs?: number };
    readonly listErrors?: number;
    readonly watchHang?: boolean;
    readonly neverReady?: readonly number[];
    readonly unreadyAfter?: { readonly pod: number; readonly afterReadyMs: number };
    readonly scale?: { readonly atS: number; readonly replicas: number };
    readonly watchDrop?: { readonly afterEvents: number; readonly mode: "close" | "reset" };
    readonly pdbLagMs?: number;
  };
  /** A second run started this many seconds after the first (same Lease), or none. */
  readonly secondRunAfterS?: number;
  /** A look-alike Deployment in the same namespace whose pods share one label with the app. */
  readonly decoy: boolean;
}

export interface ScenarioOutcome {
  readonly violations: string[];
  readonly reports: readonly RecyclerReport[];
  readonly virtualMs: number;
}

const SELECTOR = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };

function faultPlan(s: Scenario): FaultPlan {
  const requests: RequestFault[] = [];
  const eviction = { resource: "pods", subresource: "eviction" };
  const f = s.faults;
  if (f.evictionErrors)
    requests.push({
      kind: "error",
      code: f.evictionErrors.code,
      match: eviction,
      count: f.evictionErrors.count,
    });
  if (f.evictionThrottles) {
    requests.push({
      kind: "throttle",
      retryAfterSeconds: f.evictionThrottles.retryAfterSeconds,
      match: eviction,
      count: f.evictionThrottles.count,
    });
  }
  if (f.evictionHang) {
    requests.push({
      kind: "hang",
      match: eviction,
      count: 1,
      ...(f.evictionHang.releaseAfterMs !== undefined
        ? { releaseAfterMs: f.evictionHang.releaseAfterMs }
        : {}),
    });
  }
  if (f.listErrors) requests.push({ kind: "error", code: 503, match: { verb: "list" }, count: f.listErrors });
  if (f.watchHang) requests.push({ kind: "hang", match: { verb: "watch", resource: "pods" }, count: 1 });
  return {
    requests,
    pods: [
      ...(f.neverReady?.length
        ? [{ namespace: NS, deployment: "web", kind: "never-ready" as const, pods: f.neverReady }]
        : []),
      ...(f.unreadyAfter
        ? [
            {
              namespace: NS,
              deployment: "web",
              kind: "unready-after" as const,
              pods: [f.unreadyAfter.pod],
              afterReadyMs: f.unreadyAfter.afterReadyMs,
            },
          ]
        : []),
    ],
    scale: f.scale
      ? [{ atMs: f.scale.atS * 1000, namespace: NS, deployment: "web", replicas: f.scale.replicas }]
      : [],
    watchDrops: f.watchDrop
      ? [
          {
            match: { resource: "pods" },
            afterEvents: f.watchDrop.afterEvents,
            mode: f.watchDrop.mode,
            count: 1,
          },
        ]
      : [],
    pdbLag: f.pdbLagMs !== undefined ? [{ delayMs: f.pdbLagMs }] : [],
  };
}

function pdbSpec(s: Scenario): Record<string, number | string> | undefined {
  switch (s.pdb) {
    case "none":
      return undefined;
    case "maxUnavailable-1":
      return { maxUnavailable: 1 };
    case "maxUnavailable-2":
      return { maxUnavailable: 2 };
    case "minAvailable-all-but-one":
      return { minAvailable: Math.max(0, s.replicas - 1) };
    case "minAvailable-all":
      return { minAvailable: s.replicas };
    case "minAvailable-50%":
      return { minAvailable: "50%" };
  }
}

/** Windows relative to the start (a Monday 10:00 UTC). */
function windowArgs(s: Scenario): string[] {
  switch (s.window.kind) {
    case "none":
      return [];
    case "open":
      return ["Mon-Fri 09:00-17:00"];
    case "closed":
      return ["Sat,Sun 00:00-24:00"];
    case "closing":
      return ["Mon 09:00-10:00"];
  }
}

export async function runScenario(s: Scenario, seed: number): Promise<ScenarioOutcome> {
  const tokens = s.secondRunAfterS === undefined ? ["run-a"] : ["run-a", "run-b"];
  const closingStart =
    s.window.kind === "closing" ? Date.parse("2026-01-05T10:00:00Z") - s.window.inSeconds * 1000 : START;
  const h = await startHarness({ startMs: closingStart, seed, faults: faultPlan(s), recyclerTokens: tokens });
  const violations: string[] = [];
  try {
    const sim = h.sim;
    const now = h.clock.now();
    h.sim.seedDeployment({
      namespace: NS,
      name: "web",
      replicas: s.replicas,
      podAgesMs: s.agesH.map((a) => a * HOUR),
      strategy: { maxSurge: 1, maxUnavailable: 0 },
      startupMs: s.startupMs,
      readyDelayMs: s.readyDelayMs,
      terminationMs: s.terminationMs,
    });
    const pdb = pdbSpec(s);
    if (pdb) {
      h.sim.seedPodDisruptionBudget({
        namespace: NS,
        name: "web",
        ...pdb,
        ...(s.alwaysAllow ? { unhealthyPodEvictionPolicy: "AlwaysAllow" as const } : {}),
      });
    }
    h.sim.seedLease({ namespace: NS, name: "web-recycler" });
    if (s.decoy) {
      h.sim.seedDeployment({
        namespace: NS,
        name: "web-canary",
        replicas: 2,
        labels: { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web-canary" },
        podAgesMs: [10 * DAY, 10 * DAY],
      });
    }
    const tracker = trackEvictions(sim);
    const maxAgeMs = s.maxAgeH * HOUR;
    const jitterMs = Math.floor(maxAgeMs * s.jitterFraction);
    const raw = {
      maxAge: `${s.maxAgeH}h`,
      jitter: `${Math.floor(jitterMs / 1000)}s`,
      maxRotations: String(s.maxRotations),
      readyTimeout: `${s.readyTimeoutS}s`,
      window: windowArgs(s),
    };
    const results = await runAll(
      h,
      tokens.map((token, i) => ({
        token,
        identity: token,
        raw,
        ...(i === 1 ? { delayMs: (s.secondRunAfterS ?? 0) * 1000 } : {}),
      })),
    );
    const virtualMs = h.clock.now() - now;
    check(s, sim, results, tracker, { maxAgeMs, jitterMs: Math.floor(jitterMs / 1000) * 1000 }, violations);
    return { violations, reports: results.map((r) => r.report), virtualMs };
  } finally {
    await h.close();
  }
}

interface Tracker {
  /** Pod name -> UID, for every pod ever seen. */
  readonly uids: Map<string, string>;
  /** Pod name -> labels, for every pod ever seen. */
  readonly labels: Map<string, Readonly<Record<string, string>>>;
  /** Pod name -> creation time, for every pod ever seen. */
  readonly created: Map<string, number>;
  /** Recycler evictions as the store saw them: Ready pods of the app just before, desired replicas, time. */
  readonly evictions: { pod: string; user: string; readyBefore: number; desired: number; atMs: number }[];
}

/** Watches the simulator's store for what happened at the instant of each eviction. */
function trackEvictions(sim: KubeSimulator): Tracker {
  const uids = new Map<string, string>();
  const labels = new Map<string, Readonly<Record<string, string>>>();
  const created = new Map<string, number>();
  const evictions: Tracker["evictions"] = [];
  const cluster = sim.cluster;
  const remember = (pod: SimPod) => {
    const name = pod.metadata.name;
    if (!name) return;
    if (pod.metadata.uid) uids.set(name, pod.metadata.uid);
    labels.set(name, { ...(pod.metadata.labels ?? {}) });
    if (pod.metadata.creationTimestamp) created.set(name, Date.parse(pod.metadata.creationTimestamp));
  };
  for (const pod of sim.pods(NS)) remember(pod);
  cluster.store.onChange((event) => {
    if (event.resource !== "pods") return;
    const pod = event.object;
    remember(pod as SimPod);
    const cause = cluster.currentCause()?.text ?? "";
    const match = /^api: create pods\/eviction (\S+) by (\S+)$/.exec(cause);
    if (!match || pod.metadata.namespace !== NS) return;
    const newlyDeleted =
      (event.type === "MODIFIED" &&
        pod.metadata.deletionTimestamp &&
        !event.previous?.metadata.deletionTimestamp) ||
      event.type === "DELETED";
    if (!newlyDeleted || !match[2].includes("web-recycler")) return;
    const d = sim.deployment(NS, "web");
    const rsUids = new Set(
      sim
        .replicaSets(NS)
        .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d?.metadata.uid))
        .map((rs) => rs.metadata.uid),
    );
    const ready = sim
      .pods(NS)
      .filter(
        (p) =>
          !p.metadata.deletionTimestamp &&
          p.metadata.ownerReferences?.some((o) => rsUids.has(o.uid)) &&
          (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
      ).length;
    const previous = event.previous as SimPod | undefined;
    const wasReady = (previous?.status?.conditions ?? []).some(
      (c) => c.type === "Ready" && c.status === "True",
    );
    evictions.push({
      pod: match[1],
      user: match[2],
      readyBefore: ready + (wasReady && !event.previous?.metadata.deletionTimestamp ? 1 : 0),
      desired: d?.spec.replicas ?? 0,
      atMs: cluster.now(),
    });
  });
  return { uids, labels, created, evictions };
}

function check(
  s: Scenario,
  sim: KubeSimulator,
  results: readonly RunResult[],
  tracker: Tracker,
  limits: { maxAgeMs: number; jitterMs: number },
  out: string[],
): void {
  const userOf = (token: string) => `system:serviceaccount:${NS}:web-recycler-${token}`;

  // RBAC: exactly recyclerRoleRules, never denied.
  for (const d of sim.log.denials)
    out.push(`RBAC denied ${d.verb} ${d.resource}/${d.subresource} ${d.name}: ${d.message}`);

  // Availability: never below desired minus what the PDB allows, through the recycler's doing: its own requests,
  // or the rollout its restart started (the controllers then act for it). Scaling and faulty pods are not its doing.
  // An eviction the API server held and served later (a `hang` fault with a release) was decided when it was
  // safe; what the world did meanwhile is the server's (and the PDB's) to judge, not the client's.
  const heldPods = new Set(
    sim.log.evictions.filter((e) => e.fault === "hang" && e.code !== 0).map((e) => e.pod),
  );
  const restarted = results.some((r) => r.report.strategy === "restart" && r.report.rotated.length > 0);
  for (const v of sim.monitor.violations) {
    const evicted = /pods\/eviction (\S+) by/.exec(v.cause)?.[1];
    const byRecycler = v.cause.includes(":web-recycler-") && !(evicted && heldPods.has(evicted));
    const byItsRollout = restarted && !s.faults.scale && /^(deployment|replicaset) controller/.test(v.cause);
    if (v.voluntary && (byRecycler || byItsRollout)) {
      out.push(
        `availability: ${v.ready} Ready < floor ${v.floor} at +${v.atMs - START} ms caused by ${v.cause}`,
      );
    }
  }
  // Without a PDB (or on top of it): one at a time, never evicting below the current spec.replicas, unless the
  // eviction was held by the API server (then the world may have changed before it was served).
  for (const e of tracker.evictions) {
    if (e.readyBefore < e.desired && !heldPods.has(e.pod)) {
      out.push(`capacity: evicted ${e.pod} with ${e.readyBefore} Ready of ${e.desired} desired`);
    }
  }

  const labelsMatch = (labels: Readonly<Record<string, string>>) =>
    Object.entries(SELECTOR).every(([k, v]) => labels[k] === v) && labels["pod-template-hash"] !== undefined;
  const runsByToken = new Map(results.map((r) => [r.token, r]));
  for (const [token, r] of runsByToken) {
    const user = userOf(token);
    const report = r.report;
    const mine = sim.log.evictions.filter((e) => e.user === user && !e.dryRun);
    const succeeded = mine.filter((e) => e.code === 201);

    // At most --max-rotations per run.
    if (report.rotated.length > s.maxRotations)
      out.push(`${token}: reported ${report.rotated.length} rotations > ${s.maxRotations}`);
    if (new Set(succeeded.map((e) => e.pod)).size > s.maxRotations) {
      out.push(`${token}: ${succeeded.length} evictions accepted > --max-rotations ${s.maxRotations}`);
    }

    for (const e of mine) {
      // Never a pod outside the selector (the decoy shares one label; bare pods have no template hash). A pod
      // already gone when the request arrived (404) is judged by the labels it had.
      const labels = e.creationTimestamp === "" ? (tracker.labels.get(e.pod) ?? {}) : e.labels;
      if (!labelsMatch(labels) || e.pod.startsWith("web-canary"))
        out.push(`${token}: evicted ${e.pod} outside the selector`);
      // Never a pod younger than its max age plus its jitter.
      const uid = tracker.uids.get(e.pod);
      const created = tracker.created.get(e.pod);
      if (uid && created !== undefined) {
        const deadline = podDeadlineMs(created, uid, limits.maxAgeMs, limits.jitterMs);
        if (!(e.atMs > deadline))
          out.push(
            `${token}: evicted ${e.pod} at +${e.atMs - START} ms before its deadline +${deadline - START} ms`,
          );
      }
    }
    for (const l of r.logs.filter((x) => x.msg === "evicting pod")) {
      const uid = tracker.uids.get(l.pod ?? "");
      const created = tracker.created.get(l.pod ?? "");
      if (!uid || created === undefined) {
        out.push(`${token}: chose ${l.pod ?? ""}, a pod the cluster never had`);
        continue;
      }
      const deadline = podDeadlineMs(created, uid, limits.maxAgeMs, limits.jitterMs);
      if (!(Date.parse(l.time) > deadline)) out.push(`${token}: chose ${l.pod ?? ""} before its deadline`);
    }

    // A refused or failed eviction is never reported as a rotation.
    if (report.strategy === "evict") {
      for (const pod of report.rotated) {
        if (!succeeded.some((e) => e.pod === pod)) {
          const codes = mine.filter((e) => e.pod === pod).map((e) => e.code);
          out.push(
            `${token}: reported ${pod} as rotated, but its evictions were answered ${codes.join(",") || "never"}`,
          );
        }
      }
    } else if (report.rotated.length > 0) {
      // A restart happens only when some pod was due.
      const due = (report.plan ?? []).some((p) => Number.isFinite(p.deadlineMs));
      if (!due) out.push(`${token}: restarted without a due pod`);
    }
    for (const pod of report.strategy === "evict" ? report.rotated : []) {
      const last = mine.filter((e) => e.pod === pod).at(-1);
      if (last && last.code !== 201)
        out.push(`${token}: ${pod} reported as rotated, but its last eviction was answered ${last.code}`);
    }
    // A budget refusal (429 that is not throttling) ends the run as blocked.
    const refused = mine.filter((e) => e.code === 429 && e.fault !== "throttle");
    if (refused.length > 0 && report.result !== "blocked")
      out.push(`${token}: eviction refused by the budget, but the result is ${report.result}`);
    // Dry runs and skipped runs change nothing that matters.
    if (report.result === "skipped" && report.rotated.length > 0)
      out.push(`${token}: skipped but rotated ${report.rotated.join(",")}`);
  }

  // Never two runs mutating at once: each run's accepted evictions and Deployment patches lie inside the time it
  // held the Lease, and those times do not overlap.
  const intervals: { token: string; from: number; to: number }[] = [];
  for (const token of runsByToken.keys()) {
    const reqs = sim.log.requests.filter((q) => q.token === token);
    const lease = reqs.filter(
      (q) => q.resource === "leases" && (q.method === "PUT" || q.method === "POST") && q.status < 300,
    );
    // Changes to the app: accepted evictions, and a restart's patch (the only PATCH a run sends).
    const restarted =
      runsByToken.get(token)?.report.strategy === "restart" &&
      (runsByToken.get(token)?.report.rotated.length ?? 0) > 0;
    const patches = reqs.filter(
      (q) => q.resource === "deployments" && q.method === "PATCH" && q.status < 300,
    );
    const changes = [
      ...reqs.filter((q) => q.status < 300 && q.subresource === "eviction" && q.method === "POST"),
      ...(restarted && patches[0] ? [patches[0]] : []),
    ];
    if (changes.length === 0) continue;
    if (lease.length === 0) {
      out.push(`${token}: changed the Deployment without holding the Lease`);
      continue;
    }
    const from = lease[0].atMs;
    const to = lease.length > 1 ? lease[lease.length - 1].atMs : Number.POSITIVE_INFINITY;
    for (const c of changes) {
      if (c.atMs < from || c.atMs > to)
        out.push(`${token}: ${c.method} ${c.path} at +${c.atMs - START} ms outside its Lease`);
    }
    intervals.push({ token, from, to });
  }
  for (let i = 0; i < intervals.length; i++) {
    for (let j = i + 1; j < intervals.length; j++) {
      const a = intervals[i];
      const b = intervals[j];
      if (a.from < b.to && b.from < a.to)
        out.push(
          `runs ${a.token} and ${b.token} both changed the app while holding the Lease at overlapping times`,
        );
    }
  }

  for (const r of results) {
    if (r.report.result === "failed" && r.report.exitCode !== 1)
      out.push(`${r.token}: failed with exit code ${r.report.exitCode}`);
  }
}
