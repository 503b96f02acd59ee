import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { loadEnvironmentByName } from "../../catalog";
import { renderEnvironment, type KubeObject } from "../../catalog/render";
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

  it("writes one file per app, the namespaces and a kustomization listing them", () => {
    const rendered = render("prod");
    assert.deepEqual(
      rendered.files.map((f) => f.path),
      ["namespaces.yaml", "catalog-api.yaml", "order-worker.yaml", "storefront.yaml", "kustomization.yaml"],
    );
    const storefront = rendered.files.find((f) => f.path === "storefront.yaml");
    const docs = parseAllDocuments(storefront?.content ?? "") as { toJS(): KubeObject }[];
    assert.deepEqual(
      docs.map((d) => `${d.toJS().kind}/${d.toJS().metadata.name}`),
      [
        "Deployment/storefront",
        "Service/storefront",
        "PodDisruptionBudget/storefront",
        "ServiceAccount/storefront-recycler",
        "Role/storefront-recycler",
        "RoleBinding/storefront-recycler",
        "ConfigMap/storefront-recycler",
        "Lease/storefront-recycler",
        "CronJob/storefront-recycler",
      ],
    );
    assert.ok(
      storefront?.content.startsWith(
        "# Rendered by rotor from environments/base.yaml, environments/prod.yaml. Do not edit: change the catalog and render again.\n---\napiVersion: apps/v1\n",
      ),
    );
    const kustomization = rendered.files.find((f) => f.path === "kustomization.yaml")?.content ?? "";
    assert.match(
      kustomization,
      /resources:\n {2}- namespaces\.yaml\n {2}- catalog-api\.yaml\n {2}- order-worker\.yaml\n {2}- storefront\.yaml\n$/,
    );
    const namespace = byKind(rendered.objects, "Namespace")[0];
    assert.equal(namespace.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
  });
});
