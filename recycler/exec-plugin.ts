/**
 * Exec credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`) for kubeconfig users, as kubectl
 * runs them: the command (relative to the kubeconfig's directory when it contains a slash, else from PATH) with
 * its args and env plus `KUBERNETES_EXEC_INFO`, no terminal; the ExecCredential it prints is cached until its
 * `expirationTimestamp` and dropped after a 401. Used by `rotor recycle`; not part of the in-cluster bundle.
 */
import { spawn } from "node:child_process";
import { dirname, isAbsolute, resolve } from "node:path";
import type { Credentials } from "./connection";
import {
  asDoc,
  KubeconfigError,
  str,
  type CredentialSource,
  type Doc,
  type ExecClusterInfo,
  type KubeconfigOptions,
} from "./kubeconfig";

const EXEC_VERSIONS = ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"];

/** Runs an exec credential plugin and caches what it returns until its expirationTimestamp. */
export class ExecPlugin implements CredentialSource {
  private cached: { creds: Credentials; expires: number } | undefined;
  private pending: Promise<Credentials> | undefined;
  /** How many times the plugin ran (tests assert caching). */
  runs = 0;
  private readonly command: string;
  private readonly args: string[];
  private readonly env: Record<string, string>;
  private readonly apiVersion: string;
  private readonly provideClusterInfo: boolean;

  constructor(
    exec: Readonly<Doc>,
    private readonly file: string,
    private readonly cluster: {
      server: string;
      ca: string | undefined;
      insecure: boolean;
      tlsServerName: string | undefined;
    },
    private readonly options: KubeconfigOptions,
  ) {
    const command = str(exec.command);
    if (!command) throw new KubeconfigError(`exec plugin in ${file} has no command`);
    const apiVersion = str(exec.apiVersion) ?? "";
    if (!EXEC_VERSIONS.includes(apiVersion)) {
      throw new KubeconfigError(
        `exec plugin "${command}" in ${file} has apiVersion "${apiVersion}"; supported: ${EXEC_VERSIONS.join(", ")}`,
      );
    }
    if (exec.interactiveMode === "Always") {
      throw new KubeconfigError(
        `exec plugin "${command}" in ${file} needs a terminal (interactiveMode: Always); the recycler runs without one`,
      );
    }
    // A command with a path separator is relative to the kubeconfig's directory; a bare name is looked up in PATH.
    this.command = command.includes("/") && !isAbsolute(command) ? resolve(dirname(file), command) : command;
    this.args = Array.isArray(exec.args) ? exec.args.map(String) : [];
    this.env = {};
    for (const item of Array.isArray(exec.env) ? exec.env : []) {
      const e = asDoc(item);
      if (typeof e.name === "string") this.env[e.name] = typeof e.value === "string" ? e.value : "";
    }
    this.apiVersion = apiVersion;
    this.provideClusterInfo = exec.provideClusterInfo === true;
  }

  invalidate(): void {
    this.cached = undefined;
  }

  async credentials(): Promise<Credentials> {
    const now = this.options.clock.now();
    if (this.cached && now < this.cached.expires) return this.cached.creds;
    this.pending ??= this.run().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async run(): Promise<Credentials> {
    const spec: Doc = { interactive: false };
    if (this.provideClusterInfo) {
      spec.cluster = {
        server: this.cluster.server,
        ...(this.cluster.ca
          ? { "certificate-authority-data": Buffer.from(this.cluster.ca).toString("base64") }
          : {}),
        ...(this.cluster.insecure ? { "insecure-skip-tls-verify": true } : {}),
        ...(this.cluster.tlsServerName ? { "tls-server-name": this.cluster.tlsServerName } : {}),
      };
    }
    const info = JSON.stringify({ apiVersion: this.apiVersion, kind: "ExecCredential", spec });
    const env = { ...(this.options.env ?? process.env), ...this.env, KUBERNETES_EXEC_INFO: info };
    const controller = new AbortController();
    this.runs++;
    const output = this.options.clock.withTimeout(
      new Promise<string>((resolvePromise, reject) => {
        const child = spawn(this.command, this.args, {
          env,
          stdio: ["ignore", "pipe", "pipe"],
          signal: controller.signal,
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (c: Buffer) => out.push(c));
        child.stderr.on("data", (c: Buffer) => err.push(c));
        child.on("error", (error) =>
          reject(
            new KubeconfigError(
              `exec plugin "${this.command}" (from ${this.file}) could not run: ${error.message}`,
              { cause: error },
            ),
          ),
        );
        child.on("close", (code) => {
          if (code === 0) resolvePromise(Buffer.concat(out).toString("utf8"));
          else {
            const stderr = Buffer.concat(err).toString("utf8").trim().slice(0, 500);
            reject(
              new KubeconfigError(
                `exec plugin "${this.command}" (from ${this.file}) exited with ${code}${stderr ? `: ${stderr}` : ""}`,
              ),
            );
          }
        });
      }),
      this.options.execTimeoutMs ?? 60_000,
      `exec plugin ${this.command}`,
      controller,
    );
    const text = await output;
    let parsed: Doc;
    try {
      parsed = asDoc(JSON.parse(text));
    } catch (error) {
      throw new KubeconfigError(`exec plugin "${this.command}" printed no ExecCredential JSON`, {
        cause: error,
      });
    }
    if (parsed.kind !== "ExecCredential" || parsed.apiVersion !== this.apiVersion) {
      throw new KubeconfigError(
        `exec plugin "${this.command}" printed kind "${String(parsed.kind)}" apiVersion "${String(parsed.apiVersion)}"; expected ExecCredential ${this.apiVersion}`,
      );
    }
    const status = asDoc(parsed.status);
    const creds: Credentials = {
      ...(str(status.token) ? { token: status.token as string } : {}),
      ...(str(status.clientCertificateData) ? { cert: status.clientCertificateData as string } : {}),
      ...(str(status.clientKeyData) ? { key: status.clientKeyData as string } : {}),
    };
    if (!creds.token && !(creds.cert && creds.key)) {
      throw new KubeconfigError(
        `exec plugin "${this.command}" returned neither a token nor a client certificate and key`,
      );
    }
    const expiresText = str(status.expirationTimestamp);
    const expires = expiresText ? Date.parse(expiresText) : Number.POSITIVE_INFINITY;
    this.cached = { creds, expires: Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires };
    return creds;
  }
}

/** The factory `loadKubeconfig({ exec })` takes. */
export function execPlugin(
  exec: Readonly<Record<string, unknown>>,
  file: string,
  cluster: ExecClusterInfo,
  options: KubeconfigOptions,
): CredentialSource {
  return new ExecPlugin(exec, file, cluster, options);
}
