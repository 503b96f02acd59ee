import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { runDemo } from "../../cli/demo";
import type { Environment } from "../../catalog";
import { renderEnvironment } from "../../catalog/render";
import { resolveApp } from "../../components/app-spec";
import { checkSources } from "../../policies/run-check";

/**
 * What rotor renders for an option it supports passes rotor's own rules: every documented option of the catalog
 * (README, "App fields" and "Rotation fields"), rendered as `rotor render` does and checked as `rotor check`
 * does. Where a rule would refuse a supported option, the render waives it with its reason, and the waivers
 * are asserted too, so a waiver cannot hide anything else.
 */

const BASE = { image: "ghcr.io/acme/web:1.0.0", ports: [{ name: "http", containerPort: 8080 }] };

const MIN_REPLICAS_WAIVER: [string, string] = [
  "deployment-min-replicas",
  "The catalog sets replicas: 1 with rotation.strategy: restart: rotation starts the new pod before the old one stops, but a node drain still takes the only pod down.",
];
const NO_RECYCLER_WAIVER: [string, string] = [
  "deployment-has-recycler",
  "The catalog sets rotation.enabled: false, so rotor creates no recycler for this app.",
];

/** Renders one app and checks the result; returns the rule and reason of every waived finding. */
function renderAndCheck(input: Record<string, unknown>): { waived: [string, string][]; active: string[] } {
  const resolved = resolveApp("web", input, "shop");
  assert.deepEqual(resolved.problems, [], "the catalog accepts this app");
  const environment: Environment = {
    name: "table",
    file: "table.yaml",
    files: ["table.yaml"],
    namespace: "shop",
    createNamespace: true,
    apps: [{ name: "web", input: input as never, spec: resolved.spec! }],
  };
  const rendered = renderEnvironment(environment);
  const result = checkSources(rendered.files.map((f) => ({ name: f.path, text: f.content })));
  assert.deepEqual(result.problems, []);
  return {
    waived: result.findings
      .filter((f) => f.waivedBecause !== undefined)
      .map((f): [string, string] => [f.ruleId, f.waivedBecause!])
      .sort(([a], [b]) => a.localeCompare(b)),
    active: result.findings
      .filter((f) => f.waivedBecause === undefined)
      .map((f) => `${f.ruleId}: ${f.message}`),
  };
}

/** Each documented option on its own, at each of its documented values or a typical one. */
const SINGLE_OPTIONS: [what: string, overlay: Record<string, unknown>][] = [
  ["namespace", { namespace: "team-b" }],
  ["partOf", { partOf: "shop" }],
  ["replicas: 5", { replicas: 5 }],
  [
    "two ports with servicePort",
    { ports: [...BASE.ports, { name: "metrics", containerPort: 9090, servicePort: 90 }] },
  ],
  [
    "a UDP port (readiness by exec)",
    {
      ports: [{ name: "dns", containerPort: 5353, protocol: "UDP" }],
      readinessProbe: { exec: { command: ["/bin/ready"] } },
    },
  ],
  [
    "an SCTP port beside TCP",
    { ports: [...BASE.ports, { name: "sig", containerPort: 3868, protocol: "SCTP" }] },
  ],
  ["command, args, env", { command: ["/app"], args: ["--serve"], env: { LOG_LEVEL: "debug" } }],
  [
    "resources with a CPU limit",
    { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: 2, memory: "2Gi" } } },
  ],
  [
    "readinessProbe httpGet",
    { readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 } },
  ],
  ["readinessProbe tcpSocket by number", { readinessProbe: { tcpSocket: { port: 8080 } } }],
  ["readinessProbe grpc", { readinessProbe: { grpc: { port: 8080 } } }],
  [
    "liveness and startup probes",
    {
      livenessProbe: { httpGet: { path: "/live", port: "http" }, failureThreshold: 6 },
      startupProbe: { tcpSocket: { port: "http" }, failureThreshold: 30 },
    },
  ],
  ["minReadySeconds: 0", { minReadySeconds: 0 }],
  ["maxSurge 2, maxUnavailable 0", { replicas: 4, maxSurge: 2 }],
  ["maxSurge 0, maxUnavailable 1 within the budget", { replicas: 3, maxSurge: 0, maxUnavailable: 1 }],
  [
    "preStopSleepSeconds and terminationGracePeriodSeconds",
    { preStopSleepSeconds: 0, terminationGracePeriodSeconds: 5 },
  ],
  ["disruptionBudget maxUnavailable 2", { replicas: 4, disruptionBudget: { maxUnavailable: 2 } }],
  ["disruptionBudget minAvailable", { replicas: 3, disruptionBudget: { minAvailable: 2 } }],
  ["disruptionBudget minAvailable 0", { disruptionBudget: { minAvailable: 0 } }],
  ["unhealthyPodEvictionPolicy IfHealthyBudget", { unhealthyPodEvictionPolicy: "IfHealthyBudget" }],
  ["topologySpread DoNotSchedule", { topologySpread: { nodes: "DoNotSchedule", zones: "DoNotSchedule" } }],
  ["topologySpread Off", { topologySpread: { nodes: "Off", zones: "Off" } }],
  ["securityContext ids", { securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000 } }],
  ["a writable root filesystem", { securityContext: { readOnlyRootFilesystem: false } }],
  ["serviceAccountName and its token", { serviceAccountName: "web", automountServiceAccountToken: true }],
  ["serviceType NodePort", { serviceType: "NodePort" }],
  ["serviceType LoadBalancer", { serviceType: "LoadBalancer" }],
  [
    "labels and podAnnotations",
    { labels: { team: "a" }, podAnnotations: { "prometheus.io/scrape": "true" } },
  ],
  ["rotation maxAge 7d, jitter 1d", { rotation: { maxAge: "7d", jitter: "1d" } }],
  ["rotation maxAge 5m", { rotation: { maxAge: "5m", readyTimeout: "30s", schedule: "* * * * *" } }],
  ["rotation schedule @hourly", { rotation: { schedule: "@hourly" } }],
  [
    "rotation timeZone and windows",
    { rotation: { timeZone: "Europe/Berlin", windows: ["Mon-Fri 08:00-18:00", "Sat,Sun 22:00-06:00"] } },
  ],
  [
    "rotation maxRotationsPerRun and readyTimeout",
    { replicas: 6, rotation: { maxRotationsPerRun: 3, readyTimeout: "15m" } },
  ],
  ["rotation dryRun and suspend", { rotation: { dryRun: true, suspend: true } }],
  ["rotation image", { rotation: { image: "registry.example.com/node:24.11.1-alpine3.22" } }],
];

describe("render + check: rotor's output passes rotor's rules for every documented option", () => {
  for (const [what, overlay] of SINGLE_OPTIONS) {
    it(what, () => {
      assert.deepEqual(renderAndCheck({ ...BASE, ...overlay }), { waived: [], active: [] });
    });
  }

  it("a maxAge longer than the rules allow is refused by the catalog, not rendered", () => {
    assert.deepEqual(resolveApp("web", { ...BASE, rotation: { maxAge: "14d" } }, "shop").problems, [
      {
        path: ["rotation", "maxAge"],
        message:
          '("14d") must be at most 7d: pods that live longer are rotated too seldom to shed leaks and stale state, and rotor\'s recycler-max-pod-age rule refuses the recycler. Use 7d or less.',
      },
    ]);
  });

  it("the options that interact, in every combination the catalog accepts", () => {
    let accepted = 0;
    const refused = new Map<string, number>();
    for (const replicas of [1, 2, 5])
      for (const strategy of ["evict", "restart"])
        for (const enabled of [true, false])
          for (const disruptionBudget of [undefined, { maxUnavailable: 1 }, { minAvailable: replicas - 1 }])
            for (const rollout of [{}, { maxSurge: 0, maxUnavailable: 1 }, { maxSurge: 2 }]) {
              const input = {
                ...BASE,
                replicas,
                ...rollout,
                ...(disruptionBudget ? { disruptionBudget } : {}),
                rotation: { strategy, enabled },
              };
              const problems = resolveApp("web", input, "shop").problems;
              if (problems.length > 0) {
                // What the catalog refuses is never rendered; count why, so the table cannot pass by refusing all.
                const why = problems.map((p) => p.path.join(".")).join(" + ");
                refused.set(why, (refused.get(why) ?? 0) + 1);
                continue;
              }
              accepted++;
              const expected = [
                ...(enabled ? [] : [NO_RECYCLER_WAIVER]),
                ...(replicas === 1 ? [MIN_REPLICAS_WAIVER] : []),
              ];
              assert.deepEqual(
                renderAndCheck(input),
                { waived: expected, active: [] },
                JSON.stringify(input),
              );
            }
    assert.equal(accepted, 84);
    // 108 combinations: one replica with the evict strategy (replicas), or without a surge pod (maxSurge).
    assert.deepEqual(Object.fromEntries(refused), {
      replicas: 12,
      "replicas + maxSurge": 6,
      maxSurge: 6,
    });
  });

  it("rotor demo of a catalog with one replica and rotation off exits 0, its waivers counted", () => {
    let out = "";
    const io = { stdout: { write: (t: string) => (out += t) }, stderr: { write: (t: string) => (out += t) } };
    const dir = join(mkdtempSync(join(tmpdir(), "rotor-options-")), "out");
    assert.equal(runDemo({ env: "options", catalogDir: "test/fixtures/catalog", out: dir }, io), 0);
    assert.equal(out.split("\n")[2], "checked with 14 rules: 13 objects in 4 files: no findings, 2 waived.");
  });
});
