/**
 * `rotor status` through the CLI's one error path: every mistake is one line, exit 2, no stack trace; and the
 * rotor-status Role and ClusterRole are exactly enough (the simulator's RBAC checks them request by request).
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { KubeSimulator } from "../../simulator";
import { statusRoleRules } from "../../status/rbac";
import { rotorInProcess } from "../helpers/run-cli";

const ADMIN = "admin-token";
const ROLE = "role-token";
const CLUSTER_ROLE = "cluster-role-token";
const NOTHING = "nothing-token";

function assertNoTrace(text: string): void {
  assert.doesNotMatch(text, /^\s+at /m, "a stack frame reached the user");
  assert.doesNotMatch(text, /\b[A-Z][A-Za-z]*Error\b:?/, "an error class name reached the user");
}

/** A port nothing listens on: bound once by us, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("rotor status: bad input and connection errors", () => {
  let dir: string;
  let sim: KubeSimulator;
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "rotor-status-cli-"));
    sim = await KubeSimulator.start({
      token: ADMIN,
      authorize: [
        { token: ROLE, user: "jane", namespace: "shop", rules: statusRoleRules() },
        { token: CLUSTER_ROLE, user: "ops", rules: statusRoleRules() },
        { token: NOTHING, user: "nobody", rules: [] },
      ],
    });
  });
  after(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases: { name: string; args: () => Promise<string[]> | string[]; line: () => string }[] = [
    {
      name: "a kubeconfig that does not exist",
      args: () => ["--kubeconfig", join(dir, "missing.yaml")],
      line: () =>
        `rotor status: cannot read kubeconfig ${join(dir, "missing.yaml")}: it does not exist. Check the path.`,
    },
    {
      name: "a kubeconfig without a current context",
      args: () => {
        const text = sim.kubeconfig().replace(/^current-context: .*$/m, "");
        return ["--kubeconfig", file("no-context.yaml", text)];
      },
      line: () =>
        `rotor status: kubeconfig ${join(dir, "no-context.yaml")} has no current-context; pass --context`,
    },
    {
      name: "an unknown context",
      args: () => ["--kubeconfig", file("known.yaml", sim.kubeconfig()), "--context", "staging"],
      line: () => `rotor status: context "staging" is not in kubeconfig ${join(dir, "known.yaml")}`,
    },
    {
      name: "an API server that is down",
      args: async () => {
        const port = await closedPort();
        const text = sim.kubeconfig().replace(sim.url, `http://127.0.0.1:${port}`);
        return ["--kubeconfig", file("down.yaml", text), "-n", "shop"];
      },
      line: () => "", // the port is only known once the case ran; checked by pattern below
    },
    {
      name: "an API server that answers 403",
      args: () => ["--kubeconfig", file("nobody.yaml", sim.kubeconfig({ token: NOTHING })), "-n", "shop"],
      line: () =>
        `rotor status: the API server at ${sim.url} (kubeconfig ${join(dir, "nobody.yaml")} (context rotor-simulator)) refused a read (403 Forbidden: cronjobs.batch is forbidden: User "nobody" cannot list resource "cronjobs" in API group "batch" in the namespace "shop"). rotor status only reads; bind the rotor-status Role (one namespace) or ClusterRole (--all-namespaces) from the README's "rotor status" section.`,
    },
    {
      name: "credentials the API server does not accept",
      args: () => [
        "--kubeconfig",
        file("wrong.yaml", sim.kubeconfig({ token: "wrong-token" })),
        "-n",
        "shop",
      ],
      line: () =>
        `rotor status: the API server at ${sim.url} (kubeconfig ${join(dir, "wrong.yaml")} (context rotor-simulator)) did not accept the credentials (401 Unauthorized: Unauthorized). Log in again, or fix the user of the kubeconfig context.`,
    },
    {
      name: "the namespaced Role asked for every namespace",
      args: () => ["--kubeconfig", file("jane.yaml", sim.kubeconfig({ token: ROLE })), "--all-namespaces"],
      line: () =>
        `rotor status: the API server at ${sim.url} (kubeconfig ${join(dir, "jane.yaml")} (context rotor-simulator)) refused a read (403 Forbidden: cronjobs.batch is forbidden: User "jane" cannot list resource "cronjobs" in API group "batch" at the cluster scope). rotor status only reads; bind the rotor-status Role (one namespace) or ClusterRole (--all-namespaces) from the README's "rotor status" section.`,
    },
    {
      name: "an invalid --format",
      args: () => ["--format", "yaml"],
      line: () =>
        'rotor status: --format ("yaml") must be one of text, json. Use --format text, or --format json for scripts.',
    },
    {
      name: "-n together with --all-namespaces",
      args: () => ["-n", "shop", "--all-namespaces"],
      line: () =>
        'rotor status: -n/--namespace ("shop") and -A/--all-namespaces exclude each other: one namespace, or all of them. Pass only one.',
    },
    {
      name: "a namespace that cannot exist",
      args: () => ["-n", "Shop_1"],
      line: () =>
        "rotor status: -n/--namespace (\"Shop_1\") must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters). Use the namespace exactly as `kubectl get namespaces` shows it.",
    },
    {
      name: "an invalid --now",
      args: () => ["--now", "yesterday"],
      line: () =>
        'rotor status: --now ("yesterday") must be an RFC 3339 time with a zone, like 2026-01-05T10:00:00Z.',
    },
  ];

  for (const c of cases) {
    it(`${c.name}: one line, exit 2`, async () => {
      const args = await c.args();
      const res = await rotorInProcess("status", ...args);
      assert.equal(res.code, 2, res.stderr);
      assert.equal(res.stdout, "");
      assertNoTrace(res.stderr);
      if (c.name === "an API server that is down") {
        assert.match(
          res.stderr,
          /^rotor status: cannot reach the API server at http:\/\/127\.0\.0\.1:\d+ \(kubeconfig \S+down\.yaml \(context rotor-simulator\)\): connect ECONNREFUSED 127\.0\.0\.1:\d+ \(nothing accepts connections there: check that the API server is running and that the kubeconfig context points at it\)\n$/,
        );
      } else {
        assert.equal(res.stderr, `${c.line()}\n`);
      }
    });
  }

  it("reports every bad option at once, each on its own line", async () => {
    const res = await rotorInProcess("status", "--format", "xml", "-n", "a", "-A");
    assert.equal(res.code, 2);
    assert.deepEqual(res.stderr.split("\n"), [
      'rotor status: --format ("xml") must be one of text, json. Use --format text, or --format json for scripts.',
      'rotor status: -n/--namespace ("a") and -A/--all-namespaces exclude each other: one namespace, or all of them. Pass only one.',
      "",
    ]);
  });

  it("needs nothing more than the rotor-status Role in its namespace, and the ClusterRole for all", async () => {
    sim.seedDeployment({ namespace: "shop", name: "web", replicas: 1 });
    const denied = sim.log.denials.length;
    const jane = await rotorInProcess(
      "status",
      "--kubeconfig",
      file("jane-ok.yaml", sim.kubeconfig({ token: ROLE, namespace: "shop" })),
    );
    // No recycler CronJob yet: the namespace comes from the context, and nothing was refused.
    assert.equal(jane.code, 0, jane.stderr);
    assert.equal(
      jane.stdout,
      "no apps managed by rotor in namespace shop (no CronJob labelled app.kubernetes.io/managed-by=rotor, app.kubernetes.io/component=pod-recycler)\n",
    );
    const ops = await rotorInProcess(
      "status",
      "-A",
      "--kubeconfig",
      file("ops.yaml", sim.kubeconfig({ token: CLUSTER_ROLE })),
    );
    assert.equal(ops.code, 0, ops.stderr);
    assert.equal(
      ops.stdout,
      "no apps managed by rotor in all namespaces (no CronJob labelled app.kubernetes.io/managed-by=rotor, app.kubernetes.io/component=pod-recycler)\n",
    );
    assert.deepEqual(sim.log.denials.slice(denied), []);
  });
});
