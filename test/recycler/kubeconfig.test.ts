import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { stringify } from "yaml";
import { inClusterConnection } from "../../recycler/connection";
import { classifyFailure } from "../../recycler/errors";
import { loadKubeconfigYaml } from "../../recycler/index";
import { KubeClient } from "../../recycler/kube-client";
import { KubeconfigError, loadKubeconfig, parseJsonKubeconfig } from "../../recycler/kubeconfig";
import { FastClock } from "./fast-clock";

const FIXTURES = join(__dirname, "..", "fixtures", "recycler");
const pem = (name: string) => readFileSync(join(FIXTURES, name), "utf8");
const b64 = (name: string) => Buffer.from(pem(name)).toString("base64");

interface Seen {
  auth: string;
  clientCn: string;
}

describe("kubeconfig and in-cluster connections against a TLS server", () => {
  let server: Server;
  let port = 0;
  const seen: Seen[] = [];
  let dir = "";
  let unauthorizedToken = "";

  before(async () => {
    server = createServer(
      {
        key: pem("server-key.pem"),
        cert: pem("server.pem"),
        ca: pem("ca.pem"),
        requestCert: true,
        rejectUnauthorized: false,
      },
      (req, res) => {
        const cert = (req.socket as TLSSocket).getPeerCertificate();
        const auth = req.headers.authorization ?? "";
        seen.push({ auth, clientCn: (cert?.subject?.CN as string | undefined) ?? "" });
        if (unauthorizedToken && auth === `Bearer ${unauthorizedToken}`) {
          res.writeHead(401, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ kind: "Status", code: 401, reason: "Unauthorized" }));
          return;
        }
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ kind: "Namespace", metadata: { name: "shop" } }));
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), "rotor-kubeconfig-"));
    for (const f of ["ca.pem", "client.pem", "client-key.pem", "exec-plugin.js"])
      copyFileSync(join(FIXTURES, f), join(dir, f));
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  function write(name: string, config: unknown): string {
    const file = join(dir, name);
    writeFileSync(file, stringify(config));
    return file;
  }

  function config(
    cluster: Record<string, unknown>,
    user: Record<string, unknown>,
    extra: Record<string, unknown> = {},
  ) {
    return {
      apiVersion: "v1",
      kind: "Config",
      "current-context": "test",
      clusters: [{ name: "test", cluster: { server: `https://127.0.0.1:${port}`, ...cluster } }],
      contexts: [{ name: "test", context: { cluster: "test", user: "test", namespace: "shop" } }],
      users: [{ name: "test", user }],
      ...extra,
    };
  }

  async function get(file: string, clock = new FastClock(), context?: string) {
    const connection = loadKubeconfigYaml({
      kubeconfig: file,
      clock,
      env: {},
      ...(context ? { context } : {}),
    });
    const client = new KubeClient(connection, clock, {
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
    });
    seen.length = 0;
    try {
      await client.request("GET", "/api/v1/namespaces/shop");
      return { connection, seen: [...seen] };
    } finally {
      client.close();
    }
  }

  it("token with certificate-authority-data", async () => {
    const { seen: s, connection } = await get(
      write("token.yaml", config({ "certificate-authority-data": b64("ca.pem") }, { token: "static" })),
    );
    assert.deepEqual(s, [{ auth: "Bearer static", clientCn: "" }]);
    assert.equal(connection.namespace, "shop");
  });

  it("client certificate and key files, relative to the kubeconfig's directory", async () => {
    const { seen: s } = await get(
      write(
        "files.yaml",
        config(
          { "certificate-authority": "ca.pem" },
          { "client-certificate": "./client.pem", "client-key": "client-key.pem" },
        ),
      ),
    );
    assert.deepEqual(s, [{ auth: "", clientCn: "rotor-recycler" }]);
  });

  it("client certificate and key data", async () => {
    const { seen: s } = await get(
      write(
        "data.yaml",
        config(
          { "certificate-authority-data": b64("ca.pem") },
          { "client-certificate-data": b64("client.pem"), "client-key-data": b64("client-key.pem") },
        ),
      ),
    );
    assert.equal(s[0]?.clientCn, "rotor-recycler");
  });

  it("insecure-skip-tls-verify trusts any server; without it an unknown CA fails", async () => {
    const { seen: s } = await get(
      write("insecure.yaml", config({ "insecure-skip-tls-verify": true }, { token: "x" })),
    );
    assert.equal(s.length, 1);
    await assert.rejects(
      get(write("untrusted.yaml", config({}, { token: "x" }))),
      (e: unknown) => classifyFailure(e).kind === "network",
    );
  });

  it("tls-server-name checks the certificate against another name", async () => {
    const ok = await get(
      write(
        "sni.yaml",
        config(
          { "certificate-authority-data": b64("ca.pem"), "tls-server-name": "kube.test" },
          { token: "x" },
        ),
      ),
    );
    assert.equal(ok.seen.length, 1);
    await assert.rejects(
      get(
        write(
          "sni-bad.yaml",
          config(
            { "certificate-authority-data": b64("ca.pem"), "tls-server-name": "other.test" },
            { token: "x" },
          ),
        ),
      ),
    );
  });

  it("re-reads tokenFile before every request", async () => {
    const tokenFile = join(dir, "token.txt");
    writeFileSync(tokenFile, "one\n");
    const file = write(
      "tokenfile.yaml",
      config({ "certificate-authority-data": b64("ca.pem") }, { tokenFile: "token.txt" }),
    );
    const clock = new FastClock();
    const client = new KubeClient(loadKubeconfigYaml({ kubeconfig: file, clock, env: {} }), clock);
    seen.length = 0;
    await client.request("GET", "/x");
    writeFileSync(tokenFile, "two\n");
    await client.request("GET", "/x");
    client.close();
    assert.deepEqual(
      seen.map((s) => s.auth),
      ["Bearer one", "Bearer two"],
    );
  });

  it("exec plugin (v1): runs the command relative to the kubeconfig with args, env and cluster info; caches until expiry", async () => {
    const log = join(dir, "exec.log");
    writeFileSync(log, "");
    const clock = new FastClock();
    const expires = new Date(clock.now() + 3_600_000).toISOString();
    const file = write(
      "exec.yaml",
      config(
        { "certificate-authority-data": b64("ca.pem") },
        {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: "./exec-plugin.js",
            args: ["--region", "eu"],
            env: [
              { name: "ROTOR_TEST_EXEC_LOG", value: log },
              { name: "ROTOR_TEST_EXEC_EXPIRES", value: expires },
            ],
            interactiveMode: "Never",
            provideClusterInfo: true,
          },
        },
      ),
    );
    const client = new KubeClient(
      loadKubeconfigYaml({ kubeconfig: file, clock, env: { PATH: process.env.PATH } }),
      clock,
    );
    seen.length = 0;
    await client.request("GET", "/x");
    await client.request("GET", "/x");
    clock.t += 3_600_001;
    await client.request("GET", "/x");
    client.close();
    assert.deepEqual(
      seen.map((s) => s.auth),
      ["Bearer exec-token-1", "Bearer exec-token-1", "Bearer exec-token-2"],
    );
    const runs = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            args: string[];
            info: { apiVersion: string; spec: { interactive: boolean; cluster?: { server: string } } };
          },
      );
    assert.equal(runs.length, 2, "the cached credential is reused until its expirationTimestamp");
    assert.deepEqual(runs[0]?.args, ["--region", "eu"]);
    assert.equal(runs[0]?.info.apiVersion, "client.authentication.k8s.io/v1");
    assert.equal(runs[0]?.info.spec.interactive, false);
    assert.equal(runs[0]?.info.spec.cluster?.server, `https://127.0.0.1:${port}`);
  });

  it("exec plugin (v1beta1) returning a client certificate; no expiry means cached for the run", async () => {
    const log = join(dir, "exec-cert.log");
    writeFileSync(log, "");
    const file = write(
      "exec-cert.yaml",
      config(
        { "certificate-authority-data": b64("ca.pem") },
        {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1beta1",
            command: join(dir, "exec-plugin.js"),
            env: [
              { name: "ROTOR_TEST_EXEC_LOG", value: log },
              { name: "ROTOR_TEST_EXEC_CERT", value: "1" },
            ],
          },
        },
      ),
    );
    const clock = new FastClock();
    const client = new KubeClient(
      loadKubeconfigYaml({ kubeconfig: file, clock, env: { PATH: process.env.PATH } }),
      clock,
    );
    seen.length = 0;
    await client.request("GET", "/x");
    await client.request("GET", "/x");
    client.close();
    assert.deepEqual(
      seen.map((s) => s.clientCn),
      ["rotor-recycler", "rotor-recycler"],
    );
    assert.equal(readFileSync(log, "utf8").trim().split("\n").length, 1);
  });

  it("exec plugin: a 401 drops the cached credential and runs the plugin again", async () => {
    const log = join(dir, "exec-401.log");
    writeFileSync(log, "");
    const file = write(
      "exec-401.yaml",
      config(
        { "certificate-authority-data": b64("ca.pem") },
        {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: "./exec-plugin.js",
            env: [{ name: "ROTOR_TEST_EXEC_LOG", value: log }],
            interactiveMode: "IfAvailable",
          },
        },
      ),
    );
    const clock = new FastClock();
    const client = new KubeClient(
      loadKubeconfigYaml({ kubeconfig: file, clock, env: { PATH: process.env.PATH } }),
      clock,
    );
    seen.length = 0;
    unauthorizedToken = "exec-token-1";
    try {
      await client.request("GET", "/x");
    } finally {
      unauthorizedToken = "";
      client.close();
    }
    assert.deepEqual(
      seen.map((s) => s.auth),
      ["Bearer exec-token-1", "Bearer exec-token-2"],
    );
  });

  it("exec plugin failures name the plugin and show its stderr", async () => {
    const file = write(
      "exec-fail.yaml",
      config(
        {},
        {
          exec: {
            apiVersion: "client.authentication.k8s.io/v1",
            command: "./exec-plugin.js",
            env: [{ name: "ROTOR_TEST_EXEC_FAIL", value: "1" }],
            interactiveMode: "Never",
          },
        },
      ),
    );
    const clock = new FastClock();
    const connection = loadKubeconfigYaml({ kubeconfig: file, clock, env: { PATH: process.env.PATH } });
    await assert.rejects(connection.credentials(), {
      message: `exec plugin "${join(dir, "exec-plugin.js")}" (from ${file}) exited with 3: plugin: you are not logged in`,
    });
  });

  it("the fixture kubeconfig with relative paths loads both contexts", () => {
    const clock = new FastClock();
    const files = loadKubeconfigYaml({
      kubeconfig: join(FIXTURES, "kubeconfig-relative.yaml"),
      clock,
      env: {},
    });
    assert.equal(files.ca, pem("ca.pem"));
    assert.equal(files.namespace, "shop");
    assert.match(files.source, /context files/);
    const exec = loadKubeconfigYaml({
      kubeconfig: join(FIXTURES, "kubeconfig-relative.yaml"),
      context: "exec",
      clock,
      env: {},
    });
    assert.equal(exec.server, "https://127.0.0.1:1");
    assert.equal(typeof exec.invalidate, "function");
  });
});

describe("kubeconfig selection and errors", () => {
  const clock = new FastClock();
  let dir = "";
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "rotor-kubeconfig-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const cfg = (name: string, server: string, current?: string) => ({
    apiVersion: "v1",
    kind: "Config",
    ...(current ? { "current-context": current } : {}),
    clusters: [{ name, cluster: { server } }],
    contexts: [{ name, context: { cluster: name, user: name } }],
    users: [{ name, user: { token: `${name}-token` } }],
  });
  const write = (name: string, value: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, stringify(value));
    return file;
  };

  it("merges a KUBECONFIG path list, first file wins, and --context picks a context", async () => {
    const a = write("a.yaml", cfg("a", "https://a.example:6443", "a"));
    const b = write("b.yaml", {
      ...cfg("b", "https://b.example:6443", "b"),
      clusters: [
        { name: "a", cluster: { server: "https://shadowed" } },
        { name: "b", cluster: { server: "https://b.example:6443" } },
      ],
    });
    const env = { KUBECONFIG: `${a}:${join(dir, "missing.yaml")}:${b}` };
    const first = loadKubeconfigYaml({ clock, env });
    assert.equal(first.server, "https://a.example:6443");
    assert.deepEqual(await first.credentials(), { token: "a-token" });
    const second = loadKubeconfigYaml({ clock, env, context: "b" });
    assert.equal(second.server, "https://b.example:6443");
    assert.deepEqual(await second.credentials(), { token: "b-token" });
  });

  it("--kubeconfig wins over KUBECONFIG", () => {
    const a = write("a2.yaml", cfg("a", "https://a.example:6443", "a"));
    const b = write("b2.yaml", cfg("b", "https://b.example:6443", "b"));
    assert.equal(
      loadKubeconfigYaml({ kubeconfig: b, clock, env: { KUBECONFIG: a } }).server,
      "https://b.example:6443",
    );
  });

  const errors: [string, unknown, string | undefined, RegExp][] = [
    ["no current-context", cfg("a", "https://a"), undefined, /has no current-context; pass --context/],
    ["unknown context", cfg("a", "https://a", "a"), "nope", /context "nope" is not in kubeconfig/],
    ["cluster without server", { ...cfg("a", "", "a") }, undefined, /cluster "a" in .* has no server/],
    [
      "unsupported exec apiVersion",
      {
        ...cfg("a", "https://a", "a"),
        users: [
          {
            name: "a",
            user: { exec: { apiVersion: "client.authentication.k8s.io/v1alpha1", command: "x" } },
          },
        ],
      },
      undefined,
      /has apiVersion "client.authentication.k8s.io\/v1alpha1"; supported: client.authentication.k8s.io\/v1, client.authentication.k8s.io\/v1beta1/,
    ],
    [
      "interactive exec plugin",
      {
        ...cfg("a", "https://a", "a"),
        users: [
          {
            name: "a",
            user: {
              exec: {
                apiVersion: "client.authentication.k8s.io/v1",
                command: "x",
                interactiveMode: "Always",
              },
            },
          },
        ],
      },
      undefined,
      /needs a terminal \(interactiveMode: Always\)/,
    ],
    [
      "auth-provider",
      { ...cfg("a", "https://a", "a"), users: [{ name: "a", user: { "auth-provider": { name: "gcp" } } }] },
      undefined,
      /uses an auth-provider/,
    ],
    [
      "certificate without key",
      { ...cfg("a", "https://a", "a"), users: [{ name: "a", user: { "client-certificate-data": "eA==" } }] },
      undefined,
      /client certificate without a key/,
    ],
  ];
  for (const [name, value, context, message] of errors) {
    it(`explains: ${name}`, () => {
      const file = write(`${name.replace(/\W+/g, "-")}.yaml`, value);
      assert.throws(
        () => loadKubeconfigYaml({ kubeconfig: file, clock, env: {}, ...(context ? { context } : {}) }),
        (e: unknown) => e instanceof KubeconfigError && message.test(e.message),
      );
    });
  }

  it("an explicit --kubeconfig that does not exist is an error", () => {
    assert.throws(
      () => loadKubeconfigYaml({ kubeconfig: join(dir, "nope.yaml"), clock, env: {} }),
      /cannot read kubeconfig/,
    );
  });

  it("without an exec runner (the in-cluster bundle) an exec user is an error that says what to use", () => {
    const json = join(dir, "exec.json");
    writeFileSync(
      json,
      JSON.stringify({
        ...cfg("e", "https://e.example", "e"),
        users: [
          {
            name: "e",
            user: {
              exec: { apiVersion: "client.authentication.k8s.io/v1", command: "x", interactiveMode: "Never" },
            },
          },
        ],
      }),
    );
    assert.throws(
      () => loadKubeconfig({ kubeconfig: json, clock, env: {}, parse: parseJsonKubeconfig }),
      /user "e" in .* uses an exec credential plugin, which the in-cluster recycler does not run; use `rotor recycle` or a token/,
    );
  });

  it("the bundle's JSON parser accepts JSON kubeconfigs and explains YAML ones", () => {
    const json = join(dir, "kc.json");
    writeFileSync(json, JSON.stringify(cfg("j", "https://j.example", "j")));
    assert.equal(
      loadKubeconfig({ kubeconfig: json, clock, env: {}, parse: parseJsonKubeconfig }).server,
      "https://j.example",
    );
    const yamlFile = write("kc.yaml", cfg("y", "https://y", "y"));
    assert.throws(
      () => loadKubeconfig({ kubeconfig: yamlFile, clock, env: {}, parse: parseJsonKubeconfig }),
      /reads JSON kubeconfigs only/,
    );
  });
});

describe("in-cluster connection", () => {
  it("uses the service environment, CA and namespace files, and re-reads the token file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-sa-"));
    try {
      for (const f of ["ca.crt", "namespace", "token"])
        copyFileSync(join(FIXTURES, "serviceaccount", f), join(dir, f));
      const c = inClusterConnection({
        env: { KUBERNETES_SERVICE_HOST: "10.96.0.1", KUBERNETES_SERVICE_PORT: "443" },
        dir,
      });
      assert.equal(c.server, "https://10.96.0.1:443");
      assert.equal(c.namespace, "shop");
      assert.equal(c.ca, pem("ca.pem"));
      assert.deepEqual(await c.credentials(), { token: "sa-token-1" });
      writeFileSync(join(dir, "token"), "sa-token-2\n");
      assert.deepEqual(
        await c.credentials(),
        { token: "sa-token-2" },
        "a rotated projected token is picked up",
      );
      const v6 = inClusterConnection({
        env: { KUBERNETES_SERVICE_HOST: "fd00::1", KUBERNETES_SERVICE_PORT: "443" },
        dir,
      });
      assert.equal(v6.server, "https://[fd00::1]:443");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("explains when not in a pod", () => {
    assert.throws(() => inClusterConnection({ env: {}, dir: "/nonexistent" }), /not running in a pod/);
  });
});
