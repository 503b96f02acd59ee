/**
 * A real Kubernetes control plane on loopback for rotor's end-to-end tests: etcd, kube-apiserver (RBAC,
 * ServiceAccount tokens, the default admission plugins including Pod Security, an audit log),
 * kube-controller-manager (every default controller, one identity per controller), kube-scheduler and KWOK
 * with fake nodes in different zones. Every port is picked free at start; a port taken in the meantime makes
 * that component start again on another. Start-up fails with the component's last log lines, never hangs.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { Kube, eventually } from "./kube";
import { kwokConfig, NODE_ANNOTATION } from "./kwok-config";
import { makePki, type ClientName, type Pki } from "./pki";
import { freePort, ProcessGroup, tail, type Started } from "./processes";

export interface ControlPlaneOptions {
  /** Where the binaries are (see e2e/build.sh). */
  readonly binDir: string;
  /** Working directory (certificates, etcd data, logs, kubeconfigs). @default a new directory under the OS temp dir */
  readonly dir?: string;
  /** Fake nodes, in the zones of {@link ZONES} in turn (110 pods each). @default 3 */
  readonly nodes?: number;
  /** Pod created → Ready under KWOK. @default 1000 */
  readonly readyDelayMs?: number;
  /** Pod deletion → gone under KWOK. @default 1000 */
  readonly deleteDelayMs?: number;
  /** Bound of the whole start-up. @default 180000 */
  readonly startTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** What a test process needs to use a running control plane; written as JSON next to it. */
export interface ControlPlaneState {
  readonly dir: string;
  readonly server: string;
  readonly caFile: string;
  readonly adminCert: string;
  readonly adminKey: string;
  /** Admin kubeconfig (YAML) for kubectl and `rotor`. */
  readonly kubeconfig: string;
  readonly auditLog: string;
  readonly logDir: string;
  readonly startupMs: number;
  readonly readyDelayMs: number;
  readonly deleteDelayMs: number;
  readonly nodes: readonly { name: string; zone: string }[];
  readonly pids: readonly number[];
}

export const ZONES = ["zone-a", "zone-b", "zone-c", "zone-d", "zone-e"];

const AUDIT_POLICY = {
  apiVersion: "audit.k8s.io/v1",
  kind: "Policy",
  // One event per request, when the response is complete, with who, what and the status code.
  omitStages: ["RequestReceived", "ResponseStarted"],
  rules: [{ level: "Metadata" }],
};

/** How the kube-apiserver was started, to start it again exactly so (same port, etcd, certificates). */
interface ApiserverProcess {
  readonly launch: Launch;
  started: Started;
}

export class ControlPlane {
  private constructor(
    readonly state: ControlPlaneState,
    private readonly group: ProcessGroup,
    private readonly apiserver: ApiserverProcess,
  ) {}

  get admin(): Kube {
    return Kube.fromFiles(this.state.server, this.state.caFile, this.state.adminCert, this.state.adminKey);
  }

  static async start(options: ControlPlaneOptions): Promise<ControlPlane> {
    const begin = Date.now();
    const log = options.log ?? (() => undefined);
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "rotor-e2e-"));
    const logDir = join(dir, "logs");
    for (const d of [logDir, join(dir, "pki"), join(dir, "etcd"), join(dir, "certs")])
      mkdirSync(d, { recursive: true });
    const bin = (name: string) => join(options.binDir, name);
    const deadline = begin + (options.startTimeoutMs ?? 180_000);
    const group = new ProcessGroup(logDir);
    try {
      const pki = makePki(join(dir, "pki"));
      log(`pki ready after ${Date.now() - begin} ms`);

      // etcd
      const { port: etcd } = await startWithPortRetry(
        group,
        "etcd",
        async () => {
          const client = await freePort();
          const peer = await freePort();
          return {
            port: client,
            command: bin("etcd"),
            args: [
              "--name=rotor-e2e",
              `--data-dir=${join(dir, "etcd")}`,
              `--listen-client-urls=http://127.0.0.1:${client}`,
              `--advertise-client-urls=http://127.0.0.1:${client}`,
              `--listen-peer-urls=http://127.0.0.1:${peer}`,
              `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
              `--initial-cluster=rotor-e2e=http://127.0.0.1:${peer}`,
              "--listen-metrics-urls=",
              // Test data only: durability across a power cut is not needed, speed is.
              "--unsafe-no-fsync",
              "--log-level=warn",
            ],
            healthy: async (port) => {
              const res = await fetch(`http://127.0.0.1:${port}/health`);
              return res.ok && ((await res.json()) as { health?: string }).health === "true";
            },
          };
        },
        deadline,
      );
      log(`etcd healthy after ${Date.now() - begin} ms`);

      // kube-apiserver
      const auditLog = join(dir, "audit.log");
      const auditPolicy = join(dir, "audit-policy.yaml");
      writeFileSync(auditPolicy, stringify(AUDIT_POLICY));
      let server = "";
      const apiserver = await startWithPortRetry(
        group,
        "kube-apiserver",
        async () => {
          const port = await freePort();
          server = `https://127.0.0.1:${port}`;
          return {
            port,
            command: bin("kube-apiserver"),
            args: [
              `--etcd-servers=http://127.0.0.1:${etcd}`,
              "--bind-address=127.0.0.1",
              "--advertise-address=127.0.0.1",
              `--secure-port=${port}`,
              `--cert-dir=${join(dir, "certs", "apiserver")}`,
              `--tls-cert-file=${pki.serverCert}`,
              `--tls-private-key-file=${pki.serverKey}`,
              `--client-ca-file=${pki.caCert}`,
              "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
              `--service-account-key-file=${pki.serviceAccountPub}`,
              `--service-account-signing-key-file=${pki.serviceAccountKey}`,
              "--service-cluster-ip-range=10.96.0.0/16",
              "--authorization-mode=Node,RBAC",
              // As kubeadm and managed clusters run it: privileged pods are Pod Security admission's to refuse.
              "--allow-privileged=true",
              `--audit-log-path=${auditLog}`,
              `--audit-policy-file=${auditPolicy}`,
              "--audit-log-mode=blocking",
              // A loopback address cannot be the `kubernetes` Service's endpoint; nothing here needs that endpoint.
              "--endpoint-reconciler-type=none",
              "--profiling=false",
              "--v=1",
            ],
            healthy: async () => {
              const res = await adminOf(pki, server).send("GET", "/readyz");
              return res.status === 200;
            },
          };
        },
        deadline,
      );
      log(`kube-apiserver ready after ${Date.now() - begin} ms`);

      const kubeconfigs = Object.fromEntries(
        (["admin", "controller-manager", "scheduler", "kwok"] as ClientName[]).map((name) => {
          const file = join(dir, `${name}.kubeconfig`);
          writeFileSync(file, kubeconfigYaml(server, pki, name));
          return [name, file];
        }),
      ) as Record<ClientName, string>;
      const admin = adminOf(pki, server);

      // Controllers, scheduler and KWOK start together; each has a health endpoint on its own port.
      const readyDelayMs = options.readyDelayMs ?? 1000;
      const deleteDelayMs = options.deleteDelayMs ?? 1000;
      await Promise.all([
        startWithPortRetry(
          group,
          "kube-controller-manager",
          async () => {
            const port = await freePort();
            return {
              port,
              command: bin("kube-controller-manager"),
              args: [
                ...servingFlags(kubeconfigs["controller-manager"], port, join(dir, "certs", "kcm")),
                "--use-service-account-credentials=true",
                `--service-account-private-key-file=${pki.serviceAccountKey}`,
                `--root-ca-file=${pki.caCert}`,
                `--cluster-signing-cert-file=${pki.caCert}`,
                `--cluster-signing-key-file=${pki.caKey}`,
                "--controllers=*",
                "--leader-elect=false",
                "--v=1",
              ],
              healthy: tlsHealthz(port),
            };
          },
          deadline,
        ),
        startWithPortRetry(
          group,
          "kube-scheduler",
          async () => {
            const port = await freePort();
            return {
              port,
              command: bin("kube-scheduler"),
              args: [
                ...servingFlags(kubeconfigs.scheduler, port, join(dir, "certs", "scheduler")),
                "--leader-elect=false",
                "--v=1",
              ],
              healthy: tlsHealthz(port),
            };
          },
          deadline,
        ),
        startWithPortRetry(
          group,
          "kwok",
          async () => {
            const port = await freePort();
            const config = join(dir, "kwok.yaml");
            writeFileSync(
              config,
              kwokConfig({ serverAddress: `127.0.0.1:${port}`, readyDelayMs, deleteDelayMs }),
            );
            return {
              port,
              command: bin("kwok"),
              args: [`--kubeconfig=${kubeconfigs.kwok}`, `--config=${config}`],
              healthy: async () => {
                const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
                return res !== undefined && res.ok;
              },
            };
          },
          deadline,
        ),
      ]);
      log(`controllers, scheduler and kwok healthy after ${Date.now() - begin} ms`);

      // Fake nodes, one per zone up to five, and what the controllers must have done before a test can create pods.
      const nodes = Array.from({ length: options.nodes ?? 3 }, (_, i) => ({
        name: `kwok-node-${i}`,
        zone: ZONES[i % ZONES.length] ?? "",
      }));
      for (const node of nodes) {
        await admin.must("POST", "/api/v1/nodes", {
          apiVersion: "v1",
          kind: "Node",
          metadata: {
            name: node.name,
            annotations: { [NODE_ANNOTATION]: "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: {
              "kubernetes.io/hostname": node.name,
              "kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64",
              "topology.kubernetes.io/zone": node.zone,
              "topology.kubernetes.io/region": "e2e",
              type: "kwok",
            },
          },
        });
      }
      await waitFor(deadline, "the fake nodes to be Ready", () => nodesReady(admin, nodes.length));
      await waitFor(deadline, "the default ServiceAccount (controller manager)", async () => {
        const res = await admin.send("GET", "/api/v1/namespaces/default/serviceaccounts/default");
        return res.status === 200;
      });
      const startupMs = Date.now() - begin;
      log(`control plane healthy after ${startupMs} ms`);
      const state: ControlPlaneState = {
        dir,
        server,
        caFile: pki.caCert,
        adminCert: pki.clients.admin.cert,
        adminKey: pki.clients.admin.key,
        kubeconfig: kubeconfigs.admin,
        auditLog,
        logDir,
        startupMs,
        readyDelayMs,
        deleteDelayMs,
        nodes,
        pids: group.pids,
      };
      writeFileSync(join(dir, "state.json"), JSON.stringify(state, null, 2));
      return new ControlPlane(state, group, apiserver);
    } catch (error) {
      await group.stopAll();
      throw error;
    }
  }

  /**
   * Kills the kube-apiserver only (SIGKILL to the process this control plane started, by its PID: gone at once, as
   * in a crash), leaving etcd, the controllers, the scheduler and KWOK running. Resolves once it has exited.
   */
  async stopApiserver(): Promise<void> {
    await this.group.killOne(this.apiserver.started);
  }

  /**
   * Freezes the kube-apiserver (SIGSTOP): connections are still accepted by the kernel, but nothing is answered, as
   * with a server that hangs. {@link resumeApiserver} thaws it.
   */
  pauseApiserver(): void {
    this.group.signalOne(this.apiserver.started, "SIGSTOP");
  }

  resumeApiserver(): void {
    this.group.signalOne(this.apiserver.started, "SIGCONT");
  }

  /**
   * Starts the kube-apiserver again with the same command line (same port, etcd, certificates and audit log) and
   * waits, within `timeoutMs`, until it is ready and the fake nodes are Ready again: the state every test expects.
   */
  async startApiserver(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const { launch } = this.apiserver;
    const current = this.apiserver.started.child;
    if (current.exitCode === null && current.signalCode === null) {
      throw new Error(`kube-apiserver is running (PID ${this.apiserver.started.pid}): stop it first`);
    }
    const started = this.group.start("kube-apiserver", launch.command, launch.args);
    this.apiserver.started = started;
    let exit: string | undefined;
    void started.exited.then((why) => (exit = why));
    await waitFor(deadline, "the restarted kube-apiserver to be ready", async () => {
      if (exit !== undefined) {
        throw new Error(
          `kube-apiserver exited (${exit}) after a restart; its last log lines (${started.logFile}):\n${tail(started.logFile)}`,
        );
      }
      return launch.healthy(launch.port).catch(() => false);
    });
    await waitFor(deadline, "the fake nodes to be Ready after the kube-apiserver restart", () =>
      nodesReady(this.admin, this.state.nodes.length),
    );
  }

  /** Stops every process this control plane started; safe to call more than once. */
  stop(): Promise<void> {
    return this.group.stopAll();
  }
}

/** Whether there are `count` nodes, every one of them Ready. */
async function nodesReady(admin: Kube, count: number): Promise<boolean> {
  const list = await admin.get<{ items: { status?: { conditions?: { type: string; status: string }[] } }[] }>(
    "/api/v1/nodes",
  );
  return (
    list.items.length === count &&
    list.items.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"))
  );
}

function adminOf(pki: Pki, server: string): Kube {
  return Kube.fromFiles(server, pki.caCert, pki.clients.admin.cert, pki.clients.admin.key);
}

/** What kube-controller-manager and kube-scheduler share: their identity, and a health port on loopback. */
function servingFlags(kubeconfig: string, port: number, certDir: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    `--secure-port=${port}`,
    `--cert-dir=${certDir}`,
  ];
}

function tlsHealthz(port: number): () => Promise<boolean> {
  // The component's serving certificate is self-signed: health is all that is asked of it here.
  return async () => {
    const { request } = await import("node:https");
    return new Promise<boolean>((resolve) => {
      const req = request(
        { hostname: "127.0.0.1", port, path: "/healthz", rejectUnauthorized: false, timeout: 5000 },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on("error", () => resolve(false));
      req.on("timeout", () => req.destroy());
      req.end();
    });
  };
}

export function kubeconfigYaml(server: string, pki: Pki, user: ClientName): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "rotor-e2e", cluster: { server, "certificate-authority": pki.caCert } }],
    users: [
      {
        name: user,
        user: { "client-certificate": pki.clients[user].cert, "client-key": pki.clients[user].key },
      },
    ],
    contexts: [{ name: "rotor-e2e", context: { cluster: "rotor-e2e", user } }],
    "current-context": "rotor-e2e",
  });
}

interface Launch {
  readonly port: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly healthy: (port: number) => Promise<boolean>;
}

/**
 * Starts a component and waits until it is healthy. If it exits first because its port was taken (by anyone,
 * between picking it and binding it), it starts again on new ports, up to three times. Resolves with the port,
 * how the component was launched and its process.
 */
async function startWithPortRetry(
  group: ProcessGroup,
  name: string,
  launch: () => Promise<Launch>,
  deadline: number,
): Promise<{ port: number; launch: Launch; started: Started }> {
  for (let attempt = 1; ; attempt++) {
    const l = await launch();
    let started: Started;
    try {
      started = group.start(name, l.command, l.args);
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}. Build the control plane with e2e/build.sh.`, {
        cause: error,
      });
    }
    let exit: string | undefined;
    void started.exited.then((why) => (exit = why));
    for (;;) {
      if (exit !== undefined) break;
      if (await l.healthy(l.port).catch(() => false)) return { port: l.port, launch: l, started };
      if (Date.now() > deadline) {
        await group.stopOne(started);
        throw new Error(
          `${name} did not become healthy in time; its last log lines (${started.logFile}):\n${tail(started.logFile)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const log = tail(started.logFile, 30);
    if (attempt < 3 && /address already in use|bind: /i.test(log)) continue;
    throw new Error(
      `${name} exited (${exit}) before it was healthy; its last log lines (${started.logFile}):\n${log}`,
    );
  }
}

async function waitFor(deadline: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  await eventually(
    what,
    async () => ((await probe()) ? true : undefined),
    Math.max(1000, deadline - Date.now()),
  );
}
