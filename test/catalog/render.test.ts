import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { loadEnvironmentByName } from "../../catalog";
import { renderEnvironment, type KubeObject } from "../../catalog/render";
import { checkSources } from "../../policies/run-check";
import { recyclerBundle } from "../../recycler/bundle";
import { schemaErrorsFor, SCHEMA_VERSIONS } from "../helpers/openapi";

const environments = ["dev", "staging", "prod"];
const render = (env: string) => renderEnvironment(loadEnvironmentByName("environments", env));

function byKind(objects: readonly KubeObject[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

describe("render", () => {
  for (const env of environments) {
    for (const version of SCHEMA_VERSIONS) {
      it(`${env}: every object validates against the Kubernetes ${version} OpenAPI schema`, async () => {
        const { objects } = render(env);
        assert.ok(objects.length > 0);
        const errors = (await Promise.all(objects.map((o) => schemaErrorsFor(version, o)))).flat();
        assert.deepEqual(errors, []);
      });
    }

    it(`${env}: Service and PodDisruptionBudget select exactly the pods of their Deployment`, () => {
      const { objects } = render(env);
      const deployments = byKind(objects, "Deployment");
      assert.equal(deployments.length, 3);
      for (const deployment of deployments) {
        const name = deployment.metadata.name;
        const podLabels = deployment.spec.template.metadata.labels;
        const selects = (selector: Record<string, string>) =>
          Object.entries(selector).every(([key, value]) => podLabels[key] === value);
        const service = byKind(objects, "Service").find((s) => s.metadata.name === name);
        const pdb = byKind(objects, "PodDisruptionBudget").find((p) => p.metadata.name === name);
        assert.ok(selects(deployment.spec.selector.matchLabels));
        assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
        assert.deepEqual(pdb.spec.selector.matchLabels, deployment.spec.selector.matchLabels);
        assert.equal(service.metadata.namespace, deployment.metadata.namespace);
        assert.equal(pdb.metadata.namespace, deployment.metadata.namespace);
        // No other Deployment's pods carry this selector.
        const others = deployments.filter((d) => d !== deployment);
        for (const other of others) {
          const labels = other.spec.template.metadata.labels;
          assert.ok(!Object.entries(service.spec.selector).every(([k, v]) => labels[k] === v));
        }
      }
    });

    it(`${env}: the same catalog renders the same bytes`, () => {
      const first = render(env).files.map((f) => [f.path, f.content]);
      const second = render(env).files.map((f) => [f.path, f.content]);
      assert.deepEqual(second, first);
    });
  }

  it("writes the namespaces, one recycler script per namespace, one file per app and the kustomization", () => {
    const rendered = render("prod");
    const paths = rendered.files.map((f) => f.path);
    assert.deepEqual(paths, [
      "00-namespaces.yaml",
      "01-recycler-shop-prod.yaml",
      "app-catalog-api.yaml",
      "app-order-worker.yaml",
      "app-storefront.yaml",
      "Kustomization",
    ]);
    // `kubectl apply -f <dir>` reads .yaml files by name: that order must be the apply order, Namespace first.
    const yamlFiles = paths.filter((p) => p.endsWith(".yaml"));
    assert.deepEqual([...yamlFiles].sort(), yamlFiles);
    assert.equal(rendered.objects[0]?.kind, "Namespace");
    const kinds = (path: string) => {
      const file = rendered.files.find((f) => f.path === path);
      return (parseAllDocuments(file?.content ?? "") as { toJS(): KubeObject }[]).map(
        (d) => `${d.toJS().kind}/${d.toJS().metadata.name}`,
      );
    };
    const script = `rotor-recycler-${recyclerBundle().sha256.slice(0, 8)}`;
    assert.deepEqual(kinds("00-namespaces.yaml"), ["Namespace/shop-prod"]);
    assert.deepEqual(kinds("01-recycler-shop-prod.yaml"), [`ConfigMap/${script}`]);
    assert.deepEqual(kinds("app-storefront.yaml"), [
      "Deployment/storefront",
      "Service/storefront",
      "PodDisruptionBudget/storefront",
      "ServiceAccount/storefront-recycler",
      "Role/storefront-recycler",
      "RoleBinding/storefront-recycler",
      "Lease/storefront-recycler",
      "CronJob/storefront-recycler",
    ]);
    const storefront = rendered.files.find((f) => f.path === "app-storefront.yaml");
    assert.ok(
      storefront?.content.startsWith(
        "# Rendered by rotor from environments/base.yaml, environments/prod.yaml. Do not edit: change the catalog and render again.\n---\napiVersion: apps/v1\n",
      ),
    );
    assert.equal(
      rendered.files.find((f) => f.path === "Kustomization")?.content,
      "# Rendered by rotor from environments/base.yaml, environments/prod.yaml. Do not edit: change the catalog and render again.\n" +
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n" +
        "  - 00-namespaces.yaml\n  - 01-recycler-shop-prod.yaml\n  - app-catalog-api.yaml\n  - app-order-worker.yaml\n  - app-storefront.yaml\n",
    );
    const namespace = byKind(rendered.objects, "Namespace")[0];
    assert.equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
  });

  it("keeps one copy of the recycler script per namespace, mounted by every CronJob there", () => {
    const rendered = render("prod");
    const bundle = recyclerBundle();
    const copies = rendered.files.filter((f) => f.content.includes(bundle.code.slice(0, 200)));
    assert.deepEqual(
      copies.map((f) => f.path),
      ["01-recycler-shop-prod.yaml"],
    );
    const configMap = byKind(rendered.objects, "ConfigMap")[0];
    assert.equal(byKind(rendered.objects, "ConfigMap").length, 1);
    assert.equal(configMap.immutable, true);
    assert.equal(configMap.data["recycler.js"], bundle.code);
    assert.equal(configMap.metadata.annotations["rotor.dev/recycler-sha256"], bundle.sha256);
    const mounted = byKind(rendered.objects, "CronJob").map(
      (c): unknown => c.spec.jobTemplate.spec.template.spec.volumes[0].configMap.name,
    );
    assert.deepEqual(mounted, [configMap.metadata.name, configMap.metadata.name, configMap.metadata.name]);
  });

  it("a new recycler bundle changes the script file and one line of each app's file, nothing else", () => {
    const environment = loadEnvironmentByName("environments", "staging");
    const real = recyclerBundle();
    const before = renderEnvironment(environment, { code: "old();\n", sha256: "a".repeat(64), bytes: 7 });
    const after = renderEnvironment(environment, real);
    const changed: Record<string, string[]> = {};
    for (const file of after.files) {
      const old = before.files.find((f) => f.path === file.path)?.content.split("\n") ?? [];
      const lines = file.content.split("\n");
      if (file.path.startsWith("01-recycler-")) {
        if (file.content !== before.files.find((f) => f.path === file.path)?.content)
          changed[file.path] = ["script"];
        continue;
      }
      assert.equal(lines.length, old.length, file.path);
      const diff = lines.filter((line, i) => line !== old[i]);
      if (diff.length > 0) changed[file.path] = diff.map((line) => line.trim());
    }
    const appLine = [`name: rotor-recycler-${real.sha256.slice(0, 8)}`];
    assert.deepEqual(changed, {
      "01-recycler-shop-staging.yaml": ["script"],
      "app-catalog-api.yaml": appLine,
      "app-order-worker.yaml": appLine,
      "app-storefront.yaml": appLine,
    });
  });

  it("renders an autoscaled app as a HorizontalPodAutoscaler and a Deployment without replicas", async () => {
    const rendered = renderEnvironment(loadEnvironmentByName("test/fixtures/catalog", "autoscaling"));
    assert.deepEqual(
      rendered.files.map((f) => f.path),
      [
        "00-namespaces.yaml",
        "01-recycler-backend.yaml",
        "01-recycler-shop.yaml",
        "app-api.yaml",
        "app-batch.yaml",
        "app-web.yaml",
        "Kustomization",
      ],
    );
    const web = rendered.objects.filter((o) => o.metadata.name === "web");
    assert.deepEqual(
      web.map((o) => o.kind),
      ["Deployment", "HorizontalPodAutoscaler", "Service", "PodDisruptionBudget"],
    );
    const deployment = web[0] as any;
    assert.equal("replicas" in deployment.spec, false);
    assert.deepEqual(web[1], {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: "shop", labels: deployment.metadata.labels },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          {
            type: "Resource",
            resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 70 } },
          },
        ],
      },
    });
    const api = byKind(rendered.objects, "Deployment").find((d) => d.metadata.name === "api");
    assert.equal(api.spec.replicas, 3);
    for (const version of SCHEMA_VERSIONS) {
      const errors = (await Promise.all(rendered.objects.map((o) => schemaErrorsFor(version, o)))).flat();
      assert.deepEqual(errors, [], version);
    }
    // rotor's own rules accept rotor's own output: deployment-min-replicas reads the autoscaler's minimum. (The
    // app without rotation is left out: deployment-has-recycler and rotation.enabled: false is issue 11, item 4.)
    const check = checkSources(
      rendered.files
        .filter((f) => f.path !== "app-batch.yaml")
        .map((f) => ({ name: f.path, text: f.content })),
    );
    assert.deepEqual(
      check.findings.map((f) => f.message),
      [],
    );
    assert.equal(check.exitCode, 0);
  });

  it("writes no script for a namespace without a recycler, and no namespaces when the catalog creates none", () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-render-"));
    writeFileSync(
      join(dir, "two.yaml"),
      [
        "apiVersion: rotor.dev/v1alpha1",
        "kind: Catalog",
        "namespace: team-a",
        "createNamespace: false",
        "apps:",
        "  web:",
        "    image: ghcr.io/acme/web:1.0.0",
        "    ports: [{ name: http, containerPort: 8080 }]",
        "  batch:",
        "    namespace: team-b",
        "    image: ghcr.io/acme/batch:1.0.0",
        "    ports: [{ name: http, containerPort: 8080 }]",
        "    rotation: { enabled: false }",
        "",
      ].join("\n"),
    );
    const rendered = renderEnvironment(loadEnvironmentByName(dir, "two"));
    assert.deepEqual(
      rendered.files.map((f) => f.path),
      ["01-recycler-team-a.yaml", "app-batch.yaml", "app-web.yaml", "Kustomization"],
    );
  });
});
