// `rotor recycle` from a laptop: a kubeconfig instead of the in-cluster environment, once with the admin's
// client certificate (a dry run) and once with the recycler ServiceAccount's own token (the real run), which
// follows exactly the plan the dry run printed.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { stringify } from "yaml";
import { e2e, listPods } from "../harness/context";
import { AvailabilityObserver } from "../harness/observer";
import { CLOCK_AHEAD, parseRun, serviceAccountToken } from "../harness/recycler";
import { deployCatalog, rotor } from "../harness/rotor";

const NS = "e2e-laptop";
const SELECTOR = "app.kubernetes.io/name=api,app.kubernetes.io/instance=api";

describe("rotor recycle with a kubeconfig", () => {
  it("dry-runs as admin, then rotates as the recycler's ServiceAccount, following the printed plan", async () => {
    const { state } = e2e();
    await deployCatalog(
      "laptop",
      `apiVersion: rotor.dev/v1alpha1
kind: Catalog
namespace: ${NS}
apps:
  api:
    image: ghcr.io/acme/api:2.0.0
    replicas: 4
    minReadySeconds: 2
    ports:
      - { name: http, containerPort: 8080, servicePort: 80 }
    rotation:
      maxAge: 1h
      jitter: 10m
`,
    );
    const pods = await listPods(NS, SELECTOR);
    const env = {
      ...process.env,
      NODE_OPTIONS: `--require ${CLOCK_AHEAD}`,
      ROTOR_E2E_CLOCK_AHEAD_MS: String(2 * 3_600_000),
    };
    const flags = [
      "--namespace",
      NS,
      "--deployment",
      "api",
      "--max-age",
      "1h",
      "--jitter",
      "10m",
      "--max-rotations",
      "2",
      "--output",
      "json",
    ];

    const dry = parseRun(
      await rotor(["recycle", ...flags, "--kubeconfig", state.kubeconfig, "--dry-run"], env),
    );
    assert.equal(dry.code, 0, dry.stdout + dry.stderr);
    assert.equal(dry.report?.result, "dry-run");
    assert.equal(dry.report?.wouldBe, "rotated");
    const plan = (dry.report?.plan ?? []).map((p) => p.pod);
    assert.equal(plan.length, 2);
    assert.match(
      dry.report?.reason ?? "",
      new RegExp(
        `^would evict 2 pod\\(s\\): ${plan.join(", ")}; 2 more due, left for later runs \\(--max-rotations 2\\)$`,
      ),
    );
    assert.ok(plan.every((p) => pods.some((q) => q.metadata.name === p)));

    // The recycler's own identity, as a token in a kubeconfig.
    const tokenConfig = join(state.dir, "laptop-recycler.kubeconfig");
    writeFileSync(
      tokenConfig,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "e2e", cluster: { server: state.server, "certificate-authority": state.caFile } }],
        users: [{ name: "recycler", user: { token: await serviceAccountToken(NS, "api-recycler") } }],
        contexts: [{ name: "e2e", context: { cluster: "e2e", user: "recycler", namespace: NS } }],
        "current-context": "e2e",
      }),
    );
    const observer = await AvailabilityObserver.start(NS, "api", SELECTOR);
    const real = parseRun(await rotor(["recycle", ...flags, "--kubeconfig", tokenConfig], env));
    const seen = observer.stop();
    assert.equal(real.code, 0, real.stdout + real.stderr);
    assert.equal(real.report?.result, "rotated");
    assert.deepEqual(real.report?.rotated, plan);
    assert.equal(
      real.report?.reason,
      `rotated 2 pod(s): ${plan.join(", ")}; 2 more due, left for later runs`,
    );
    assert.equal(seen.minAvailable, 3);
    assert.equal(seen.maxTerminating, 1);
  });
});
