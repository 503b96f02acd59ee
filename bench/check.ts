/**
 * `rotor check` throughput: 10,000 Kubernetes objects (1,250 apps of eight objects each, as rotor renders them,
 * one in twenty with violations) as one multi-document YAML stream, checked in-process, against parsing the
 * same YAML with the `yaml` library alone. Targets: at least 20,000 objects per second, and at most twice the
 * time of the parse alone.
 */
import { performance } from "node:perf_hooks";
import { parseAllDocuments, stringify } from "yaml";
import { formatReport } from "../policies/report";
import { checkSources } from "../policies/run-check";
import { LoadedSources } from "../policies/sources";
import { runStandalone } from "./standalone";

const APPS = 1_250;
const NAMESPACES = 25;
const TARGET_OBJECTS_PER_SECOND = 20_000;
const TARGET_RATIO = 2;

/** One app's objects; every twentieth app is broken (one replica, no readiness probe, no recycler deadline). */
function app(i: number): object[] {
  const name = `app-${i}`;
  const namespace = `team-${i % NAMESPACES}`;
  const broken = i % 20 === 0;
  const selector = { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
  const labels = {
    ...selector,
    "app.kubernetes.io/component": "server",
    "app.kubernetes.io/part-of": name,
    "app.kubernetes.io/managed-by": "rotor",
  };
  const recycler = `${name}-recycler`;
  const recyclerLabels = {
    "app.kubernetes.io/name": "pod-recycler",
    "app.kubernetes.io/instance": recycler,
    "app.kubernetes.io/component": "pod-recycler",
    "app.kubernetes.io/part-of": name,
    "app.kubernetes.io/managed-by": "rotor",
  };
  const restricted = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
  };
  const meta = (n: string, l: object) => ({ name: n, namespace, labels: l });
  return [
    {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: meta(name, { ...labels, "app.kubernetes.io/version": "1.0.0" }),
      spec: {
        replicas: broken ? 1 : 3,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels },
          spec: {
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containers: [
              {
                name,
                image: `ghcr.io/example/${name}:1.0.0`,
                ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }],
                ...(broken
                  ? {}
                  : { readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 } }),
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                securityContext: restricted,
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: "v1",
      kind: "Service",
      metadata: meta(name, labels),
      spec: { selector, ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }] },
    },
    {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: meta(name, labels),
      spec: {
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: "AlwaysAllow",
        selector: { matchLabels: selector },
      },
    },
    { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(recycler, recyclerLabels) },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: meta(recycler, recyclerLabels),
      rules: [
        {
          apiGroups: ["apps"],
          resources: ["deployments"],
          resourceNames: [name],
          verbs: ["get", "list", "watch", "patch"],
        },
        { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["list"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["pods/eviction"], verbs: ["create"] },
        { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ["get", "list", "watch"] },
        {
          apiGroups: ["coordination.k8s.io"],
          resources: ["leases"],
          resourceNames: [recycler],
          verbs: ["get", "update"],
        },
        { apiGroups: [""], resources: ["events"], verbs: ["create"] },
      ],
    },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: meta(recycler, recyclerLabels),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: recycler },
      subjects: [{ kind: "ServiceAccount", name: recycler, namespace }],
    },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(recycler, recyclerLabels),
      data: { "recycler.js": '"use strict";\n// the bundled recycler\nprocess.exitCode = 0;\n' },
    },
    {
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: {
        ...meta(recycler, recyclerLabels),
        annotations: { "rotor.dev/target-deployment": name, "rotor.dev/max-pod-age": "24h" },
      },
      spec: {
        schedule: "*/15 * * * *",
        timeZone: "Etc/UTC",
        concurrencyPolicy: "Forbid",
        ...(broken ? {} : { startingDeadlineSeconds: 300 }),
        jobTemplate: {
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { labels: recyclerLabels },
              spec: {
                serviceAccountName: recycler,
                restartPolicy: "Never",
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 1000,
                  seccompProfile: { type: "RuntimeDefault" },
                },
                containers: [
                  {
                    name: "recycler",
                    image: "docker.io/library/node:24.11.1-alpine3.22",
                    command: ["node"],
                    args: [
                      "/opt/rotor/recycler.js",
                      "--namespace",
                      namespace,
                      "--deployment",
                      name,
                      "--max-age",
                      "24h",
                    ],
                    resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { memory: "128Mi" } },
                    securityContext: restricted,
                    volumeMounts: [{ name: "script", mountPath: "/opt/rotor", readOnly: true }],
                  },
                ],
                volumes: [{ name: "script", configMap: { name: recycler } }],
              },
            },
          },
        },
      },
    },
  ];
}

/** The benchmark input: every object as YAML (as `yaml` writes it), in one stream. */
export function generate(): { text: string; objects: number } {
  const docs: string[] = [];
  for (let i = 0; i < APPS; i++)
    for (const object of app(i)) docs.push(stringify(object, { aliasDuplicateObjects: false }));
  return { text: docs.join("---\n"), objects: docs.length };
}

/**
 * Times `runs` calls of `f`: the best run (the least disturbed by other processes and the garbage collector on a
 * shared machine, the usual figure for throughput) and the median.
 */
function time(runs: number, f: () => void): { best: number; median: number } {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    f();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0] ?? 0, median: samples[Math.floor(samples.length / 2)] ?? 0 };
}

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  // Let pending I/O (a previous benchmark's output) finish before timing.
  await new Promise((resolve) => setImmediate(resolve));
  const { text, objects } = generate();
  let findings = 0;
  const check = () => {
    const result = checkSources([{ name: "bench.yaml", text }]);
    formatReport(result, "text", "bench");
    findings = result.findings.length;
    if (result.objects !== objects)
      throw new Error(`rotor check saw ${result.objects} objects, not ${objects}`);
  };
  const parse = () => {
    for (const doc of parseAllDocuments(text)) doc.toJS();
  };
  // rotor check's own reader (the fast path for manifest YAML, falling back to the yaml library) on its own.
  const read = () => new LoadedSources().add({ name: "bench.yaml", text });
  check(); // warm-up: JIT, regular expressions, time-zone data
  const checked = time(7, check);
  const readOnly = time(7, read);
  const parsed = time(3, parse);
  const objectsPerSecond = Math.round(objects / (checked.best / 1000));
  const ratio = checked.best / parsed.best;
  const met = objectsPerSecond >= TARGET_OBJECTS_PER_SECOND && ratio <= TARGET_RATIO;
  log(
    `rotor check: ${objects} objects (${(text.length / 1024 / 1024).toFixed(1)} MiB of YAML, ${findings} findings)`,
  );
  log(
    `  check in-process: best ${checked.best.toFixed(0)} ms (median ${checked.median.toFixed(0)}) = ${objectsPerSecond} objects/s (target >= ${TARGET_OBJECTS_PER_SECOND})`,
  );
  log(
    `  yaml parseAllDocuments + toJS alone: best ${parsed.best.toFixed(0)} ms (median ${parsed.median.toFixed(0)}); check / parse = ${ratio.toFixed(2)} (target <= ${TARGET_RATIO})`,
  );
  log(
    `  rotor check's reader alone: best ${readOnly.best.toFixed(0)} ms; check / its own parsing = ${(checked.best / readOnly.best).toFixed(2)} (rules, locations and the report on top of reading)`,
  );
  log(`  targets ${met ? "met" : "NOT met"}`);
  return {
    objects,
    bytes: text.length,
    findings,
    checkMs: Math.round(checked.best),
    checkMedianMs: Math.round(checked.median),
    parseMs: Math.round(parsed.best),
    readMs: Math.round(readOnly.best),
    ratioToOwnReader: Number((checked.best / readOnly.best).toFixed(3)),
    parseMedianMs: Math.round(parsed.median),
    objectsPerSecond,
    ratio: Number(ratio.toFixed(3)),
    targetsMet: met ? 1 : 0,
  };
}

if (require.main === module) runStandalone(run, (figures) => figures.targetsMet !== 1);
