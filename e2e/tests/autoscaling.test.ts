// rotor beside an autoscaler: with `replicas` in the rendered Deployment, re-applying after someone else
// scaled it is a server-side apply conflict on .spec.replicas; an app that declares `autoscaling` renders an
// HPA and no replicas, so re-applying leaves the replica count to whoever scales it.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applyRendered, deploymentAvailable, e2e, kubectl } from "../harness/context";
import { deployCatalog, type KubeObject } from "../harness/rotor";

function catalog(ns: string, scaling: string): string {
  return `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: ${ns}
apps:
  web:
    image: ghcr.io/acme/web:1.0.0
${scaling}
    minReadySeconds: 2
    ports:
      - { name: http, containerPort: 8080, servicePort: 80 }
`;
}

async function scaleThenReapply(
  ns: string,
  dir: string,
): Promise<{ code: number; stderr: string; replicas: number }> {
  const scaled = await kubectl(["-n", ns, "scale", "deployment", "web", "--replicas=4"]);
  assert.equal(scaled.code, 0, scaled.stderr);
  const res = await applyRendered("-k", dir);
  const d = await e2e().admin.get<{ spec: { replicas: number } }>(
    `/apis/apps/v1/namespaces/${ns}/deployments/web`,
  );
  return { code: res.code, stderr: res.stderr, replicas: d.spec.replicas };
}

describe("rotor and an autoscaler on the real API", () => {
  it("a fixed replica count conflicts on .spec.replicas once someone else scaled the Deployment", async () => {
    const ns = "e2e-fixed-replicas";
    const { dir } = await deployCatalog(ns, catalog(ns, "    replicas: 3"));
    const again = await scaleThenReapply(ns, dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /conflict with "kubectl[^"]*"[^:]*: \.spec\.replicas/);
    assert.equal(again.replicas, 4);
  });

  it("an autoscaled app renders an HPA and no replicas: re-applying keeps the scaled count, no conflict", async () => {
    const ns = "e2e-autoscaled";
    const { dir, objects } = await deployCatalog(
      ns,
      catalog(ns, "    autoscaling: { minReplicas: 2, maxReplicas: 5 }"),
    );
    const deployment = objects.find((o) => o.kind === "Deployment") as KubeObject & {
      spec: { replicas?: number };
    };
    assert.equal(deployment.spec.replicas, undefined);
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler") as
      | (KubeObject & {
          spec: { minReplicas: number; maxReplicas: number; scaleTargetRef: { kind: string; name: string } };
        })
      | undefined;
    assert.deepEqual(
      hpa && [
        hpa.apiVersion,
        hpa.spec.minReplicas,
        hpa.spec.maxReplicas,
        hpa.spec.scaleTargetRef.kind,
        hpa.spec.scaleTargetRef.name,
      ],
      ["autoscaling/v2", 2, 5, "Deployment", "web"],
    );
    const again = await scaleThenReapply(ns, dir);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stderr, "");
    assert.equal(again.replicas, 4);
    await deploymentAvailable(ns, "web");
  });
});
