import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import ts from "typescript";
import { buildAppManifests, type AppManifests } from "../../components/app-manifests";
import { resolveApp } from "../../components/app-spec";
import { resolveRecycler } from "../../components/pod-recycler";
import { buildRecyclerManifests, type RecyclerManifests } from "../../components/recycler-manifests";
import { resolveRecyclerScript } from "../../components/recycler-script";
import { WAIVER_PREFIX } from "../../contract/annotations";

// The public args of the components: every field carries JSDoc, every optional field says its @default, and the
// literal defaults below are the ones the builders produce when the field is left out.
const FILES = ["components/rotating-app.ts", "components/pod-recycler.ts", "components/recycler-script.ts"];

interface Field {
  readonly optional: boolean;
  readonly documented: boolean;
  readonly defaults: string[];
}

/** Every property of every exported `*Args` interface, nested type literals included, by `Interface.a.b`. */
function argsFields(): Map<string, Field> {
  const fields = new Map<string, Field>();
  for (const file of FILES) {
    const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node, path: string): void => {
      if (ts.isPropertySignature(node)) {
        path = `${path}.${node.name.getText(source)}`;
        const tags = ts.getJSDocTags(node);
        fields.set(path, {
          optional: node.questionToken !== undefined,
          documented: ts.getJSDocCommentsAndTags(node).length > 0,
          // `*\/` is how a JSDoc comment writes `*/`.
          defaults: tags
            .filter((t) => t.tagName.text === "default")
            .map((t) => (ts.getTextOfJSDocComment(t.comment) ?? "").trim().replaceAll("*\\/", "*/")),
        });
      }
      ts.forEachChild(node, (child) => visit(child, path));
    };
    for (const statement of source.statements) {
      if (!ts.isInterfaceDeclaration(statement) || !statement.name.text.endsWith("Args")) continue;
      if (ts.getCombinedModifierFlags(statement) & ts.ModifierFlags.Export)
        visit(statement, statement.name.text);
    }
  }
  return fields;
}

/** A value written as the JSDoc writes it: `{ cpu: "100m" }`, `[]`, `"TCP"`, `1`. */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([k, v]) => `${k}: ${literal(v)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

const APP = { image: "nginx:1.27.3", ports: [{ name: "http", containerPort: 8080 }] };

function app(extra: object = {}): AppManifests {
  const { spec, problems } = resolveApp("web", { ...APP, ...extra });
  assert.deepEqual(problems, []);
  return buildAppManifests(spec!);
}

function recycler(): RecyclerManifests {
  const { spec, problems } = resolveRecycler("web-recycler", { namespace: "shop", deployment: "web" });
  assert.deepEqual(problems, []);
  return buildRecyclerManifests(spec!);
}

const pod = (m: AppManifests) => m.deployment.spec!.template.spec!;
const container = (m: AppManifests) => pod(m).containers[0];
const spread = (m: AppManifests) => {
  const mode = (key: string) =>
    pod(m).topologySpreadConstraints?.find((c) => c.topologyKey === key)?.whenUnsatisfiable ?? "Off";
  return { nodes: mode("kubernetes.io/hostname"), zones: mode("topology.kubernetes.io/zone") };
};
const budget = (m: AppManifests) => {
  const { maxUnavailable, minAvailable } = m.podDisruptionBudget.spec!;
  return {
    ...(maxUnavailable === undefined ? {} : { maxUnavailable }),
    ...(minAvailable === undefined ? {} : { minAvailable }),
  };
};
const recyclerContainer = () => recycler().cronJob.spec!.jobTemplate.spec!.template.spec!.containers[0];
const flag = (name: string) => {
  const args = recyclerContainer().args!;
  return args[args.indexOf(name) + 1];
};
const rotation = {
  maxAge: () => flag("--max-age"),
  schedule: () => recycler().cronJob.spec!.schedule,
  timeZone: () => recycler().cronJob.spec!.timeZone,
  windows: () => recyclerContainer().args!.filter((_, i, all) => all[i - 1] === "--window"),
  maxRotationsPerRun: () => Number(flag("--max-rotations")),
  strategy: () => flag("--strategy"),
  readyTimeout: () => flag("--ready-timeout"),
  dryRun: () => recyclerContainer().args!.includes("--dry-run"),
  suspend: () => recycler().cronJob.spec!.suspend,
  image: () => recyclerContainer().image,
};

/** Fields whose default is applied in code, and what the builders produce when the field is left out. */
const PRODUCED: Record<string, () => unknown> = {
  "RotatingAppArgs.namespace": () => app().deployment.metadata!.namespace,
  "RotatingAppArgs.replicas": () => app().deployment.spec!.replicas,
  "RotatingAppArgs.env": () => Object.fromEntries((container(app()).env ?? []).map((e) => [e.name, e.value])),
  "RotatingAppArgs.resources": () => container(app()).resources,
  "RotatingAppArgs.minReadySeconds": () => app().deployment.spec!.minReadySeconds,
  "RotatingAppArgs.maxSurge": () => app().deployment.spec!.strategy!.rollingUpdate!.maxSurge,
  "RotatingAppArgs.maxUnavailable": () => app().deployment.spec!.strategy!.rollingUpdate!.maxUnavailable,
  "RotatingAppArgs.preStopSleepSeconds": () => container(app()).lifecycle!.preStop!.sleep!.seconds,
  "RotatingAppArgs.terminationGracePeriodSeconds": () => pod(app()).terminationGracePeriodSeconds,
  "RotatingAppArgs.disruptionBudget": () => budget(app()),
  "RotatingAppArgs.unhealthyPodEvictionPolicy": () =>
    app().podDisruptionBudget.spec!.unhealthyPodEvictionPolicy,
  "RotatingAppArgs.topologySpread": () => spread(app()),
  "RotatingAppArgs.securityContext": () => ({
    readOnlyRootFilesystem: container(app()).securityContext!.readOnlyRootFilesystem,
  }),
  "RotatingAppArgs.automountServiceAccountToken": () => pod(app()).automountServiceAccountToken,
  "RotatingAppArgs.serviceType": () => app().service.spec!.type,
  "RotatingAppArgs.podAnnotations": () => app().deployment.spec!.template.metadata!.annotations ?? {},
  "ContainerPortArgs.protocol": () => app().service.spec!.ports![0].protocol,
  "ResourcesArgs.requests": () => container(app()).resources!.requests,
  "ResourcesArgs.requests.cpu": () => container(app()).resources!.requests!.cpu,
  "ResourcesArgs.requests.memory": () => container(app()).resources!.requests!.memory,
  "ResourcesArgs.limits": () => container(app()).resources!.limits,
  "ResourcesArgs.limits.memory": () => container(app()).resources!.limits!.memory,
  "DisruptionBudgetArgs.maxUnavailable": () => budget(app()).maxUnavailable,
  "TopologySpreadArgs.nodes": () => spread(app()).nodes,
  "TopologySpreadArgs.zones": () => spread(app()).zones,
  "SecurityContextArgs.readOnlyRootFilesystem": () =>
    container(app()).securityContext!.readOnlyRootFilesystem,
  "AutoscalingArgs.targetCPUUtilizationPercentage": () =>
    app({ autoscaling: { minReplicas: 2, maxReplicas: 4 } }).horizontalPodAutoscaler!.spec!.metrics![0]
      .resource!.target.averageUtilization,
  // Without a recycler the Deployment carries the waiver of deployment-has-recycler.
  "RotationArgs.enabled": () =>
    app().deployment.metadata!.annotations?.[`${WAIVER_PREFIX}deployment-has-recycler`] === undefined,
  ...Object.fromEntries(Object.entries(rotation).map(([key, f]) => [`RecyclerRotationArgs.${key}`, f])),
  "RecyclerScriptArgs.namePrefix": () =>
    resolveRecyclerScript({ namespace: "shop" }).spec!.name.replace(/-[0-9a-f]{8}$/, ""),
};

describe("component args documentation", () => {
  const fields = argsFields();

  it("reads the args interfaces of every component", () => {
    assert.ok(fields.has("RotatingAppArgs.image") && fields.has("PodRecyclerArgs.replicas"));
    assert.ok(fields.has("ProbeArgs.httpGet.path") && fields.has("RecyclerScriptArgs.namePrefix"));
    assert.ok(fields.size > 70, String(fields.size));
  });

  it("documents every field, and gives every optional field exactly one @default", () => {
    const undocumented = [...fields].filter(([, f]) => !f.documented).map(([path]) => path);
    assert.deepEqual(undocumented, []);
    const wrong = [...fields]
      .filter(([, f]) => f.defaults.length !== (f.optional ? 1 : 0))
      .map(([path, f]) => `${path} (${f.optional ? "optional" : "required"}, ${f.defaults.length} @default)`);
    assert.deepEqual(wrong, []);
  });

  it("RotatingAppArgs.readinessProbe: the @default is the probe derived from the first TCP port", () => {
    const derived = literal(container(app()).readinessProbe).replace('"http"', '"<name>"');
    assert.deepEqual(fields.get("RotatingAppArgs.readinessProbe")?.defaults, [
      `a TCP check on the first TCP port, by name: ${derived}`,
    ]);
  });

  for (const [path, produce] of Object.entries(PRODUCED)) {
    it(`${path}: the @default is what the builders produce without it`, () => {
      assert.deepEqual(fields.get(path)?.defaults, [literal(produce())]);
    });
  }
});
