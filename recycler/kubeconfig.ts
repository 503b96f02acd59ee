/**
 * Connections from a kubeconfig, for runs from a laptop (`rotor recycle`) and against the simulator.
 *
 * The file parser is passed in: `rotor recycle` parses YAML with the `yaml` package, while the in-cluster bundle
 * (which must stay dependency-free) only accepts JSON kubeconfigs, which are valid YAML too. Supported: `--kubeconfig`,
 * `KUBECONFIG` (a path list, merged first-wins like kubectl), `~/.kube/config`, `--context`; for clusters
 * `server`, `certificate-authority(-data)`, `insecure-skip-tls-verify`, `tls-server-name`; for users `token`,
 * `tokenFile` (re-read before every request), `client-certificate(-data)`, `client-key(-data)`,
 * `username`/`password` and exec credential plugins (`client.authentication.k8s.io/v1` and `v1beta1`), whose
 * credentials are cached until their `expirationTimestamp`.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import type { Clock } from "./clock";
import { readToken, type Connection, type Credentials } from "./connection";

export type Doc = Record<string, unknown>;

export interface KubeconfigOptions {
  /** `--kubeconfig`; wins over `KUBECONFIG`. */
  readonly kubeconfig?: string;
  /** `--context`; defaults to the file's current-context. */
  readonly context?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Parses one file's text into a plain object; throw to reject it. */
  readonly parse: (text: string, file: string) => unknown;
  /** Bounds and waits for exec plugins. */
  readonly clock: Clock;
  /** How long an exec plugin may run. @default 60s */
  readonly execTimeoutMs?: number;
  /**
   * Runs exec credential plugins (`./exec-plugin.ts`). Left out of the in-cluster bundle, where a pod has its
   * service account and no plugin binaries; without it a user with `exec` is an error that says so.
   */
  readonly exec?: ExecPluginFactory;
}

/** The cluster as an exec plugin may be told about it (`provideClusterInfo`). */
export interface ExecClusterInfo {
  readonly server: string;
  readonly ca: string | undefined;
  readonly insecure: boolean;
  readonly tlsServerName: string | undefined;
}

/** A running exec credential plugin, as the connection uses it. */
export interface CredentialSource {
  credentials(): Promise<Credentials>;
  invalidate(): void;
}

export type ExecPluginFactory = (
  exec: Readonly<Record<string, unknown>>,
  file: string,
  cluster: ExecClusterInfo,
  options: KubeconfigOptions,
) => CredentialSource;

/** A kubeconfig problem, naming the file and the entry. */
export class KubeconfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KubeconfigError";
  }
}

interface Loaded {
  readonly file: string;
  readonly doc: Doc;
}

export function asDoc(value: unknown): Doc {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Doc) : {};
}

export function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function named(doc: Doc, list: string, name: string): { entry: Doc } | undefined {
  const items = Array.isArray(doc[list]) ? (doc[list] as unknown[]) : [];
  for (const item of items) {
    const d = asDoc(item);
    if (d.name === name) return { entry: d };
  }
  return undefined;
}

/** The kubeconfig files to read, in precedence order. */
export function kubeconfigFiles(options: Pick<KubeconfigOptions, "kubeconfig" | "env">): string[] {
  if (options.kubeconfig) return [resolve(options.kubeconfig)];
  const env = options.env ?? process.env;
  const list = (env.KUBECONFIG ?? "").split(delimiter).filter((p) => p !== "");
  if (list.length > 0) return list.map((p) => resolve(p));
  const home = env.HOME ?? homedir();
  return [join(home, ".kube", "config")];
}

function load(files: readonly string[], options: KubeconfigOptions): Loaded[] {
  const loaded: Loaded[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      // kubectl skips missing files in KUBECONFIG but not an explicit --kubeconfig.
      if (options.kubeconfig || files.length === 1) {
        throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      continue;
    }
    let doc: unknown;
    try {
      doc = options.parse(text, file);
    } catch (error) {
      throw new KubeconfigError(`cannot parse kubeconfig ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    loaded.push({ file, doc: asDoc(doc) });
  }
  if (loaded.length === 0) throw new KubeconfigError(`no kubeconfig found (looked at ${files.join(", ")})`);
  return loaded;
}

/** Finds a named entry across files, first file wins (kubectl's merge rule); remembers which file it came from. */
function find(
  loaded: readonly Loaded[],
  list: string,
  name: string,
): { entry: Doc; file: string } | undefined {
  for (const { file, doc } of loaded) {
    const hit = named(doc, list, name);
    if (hit) return { entry: hit.entry, file };
  }
  return undefined;
}

function pathIn(file: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(file), path);
}

function readPem(file: string, path: string, what: string): string {
  const full = pathIn(file, path);
  try {
    return readFileSync(full, "utf8");
  } catch (error) {
    throw new KubeconfigError(`cannot read ${what} ${full} (from ${file})`, { cause: error });
  }
}

function fromBase64(data: string): string {
  return Buffer.from(data, "base64").toString("utf8");
}

/** Loads the kubeconfig and builds the connection for the chosen context. */
export function loadKubeconfig(options: KubeconfigOptions): Connection {
  const files = kubeconfigFiles(options);
  const loaded = load(files, options);
  const contextName =
    options.context ?? loaded.map((l) => str(l.doc["current-context"])).find((c) => c !== undefined);
  if (!contextName) {
    throw new KubeconfigError(`kubeconfig ${files.join(", ")} has no current-context; pass --context`);
  }
  const ctx = find(loaded, "contexts", contextName);
  if (!ctx) {
    throw new KubeconfigError(`context "${contextName}" is not in kubeconfig ${files.join(", ")}`);
  }
  const context = asDoc(ctx.entry.context);
  const clusterName = str(context.cluster);
  const userName = str(context.user);
  const cl = clusterName ? find(loaded, "clusters", clusterName) : undefined;
  if (!cl) {
    throw new KubeconfigError(
      `context "${contextName}" names cluster "${clusterName ?? ""}", which is not in the kubeconfig`,
    );
  }
  const cluster = asDoc(cl.entry.cluster);
  const server = str(cluster.server);
  if (!server) throw new KubeconfigError(`cluster "${clusterName}" in ${cl.file} has no server`);
  let ca: string | undefined;
  if (str(cluster["certificate-authority-data"]))
    ca = fromBase64(cluster["certificate-authority-data"] as string);
  else if (str(cluster["certificate-authority"])) {
    ca = readPem(cl.file, cluster["certificate-authority"] as string, "certificate authority");
  }
  const insecure = cluster["insecure-skip-tls-verify"] === true;
  const tlsServerName = str(cluster["tls-server-name"]);
  if (str(cluster["proxy-url"])) {
    throw new KubeconfigError(
      `cluster "${clusterName}" in ${cl.file} uses proxy-url, which the recycler does not support`,
    );
  }

  const us = userName ? find(loaded, "users", userName) : undefined;
  if (userName && !us) {
    throw new KubeconfigError(
      `context "${contextName}" names user "${userName}", which is not in the kubeconfig`,
    );
  }
  const user = asDoc(us?.entry.user);
  const userFile = us?.file ?? cl.file;
  let cert: string | undefined;
  let key: string | undefined;
  if (str(user["client-certificate-data"])) cert = fromBase64(user["client-certificate-data"] as string);
  else if (str(user["client-certificate"]))
    cert = readPem(userFile, user["client-certificate"] as string, "client certificate");
  if (str(user["client-key-data"])) key = fromBase64(user["client-key-data"] as string);
  else if (str(user["client-key"])) key = readPem(userFile, user["client-key"] as string, "client key");
  if ((cert === undefined) !== (key === undefined)) {
    throw new KubeconfigError(
      `user "${userName}" in ${userFile} has a client certificate without a key, or a key without a certificate`,
    );
  }
  if (user["auth-provider"]) {
    throw new KubeconfigError(
      `user "${userName}" in ${userFile} uses an auth-provider, which was removed from Kubernetes clients; use an exec credential plugin`,
    );
  }
  const staticCreds: Credentials = {
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
  };
  const namespace = str(context.namespace);
  const source = `kubeconfig ${ctx.file} (context ${contextName})`;
  const base = {
    server: server.replace(/\/+$/, ""),
    ...(ca !== undefined ? { ca } : {}),
    ...(insecure ? { insecureSkipTlsVerify: true } : {}),
    ...(tlsServerName ? { tlsServerName } : {}),
    ...(namespace ? { namespace } : {}),
    source,
  };

  const token = str(user.token);
  const tokenFile = str(user.tokenFile);
  const username = str(user.username);
  const password = typeof user.password === "string" ? user.password : undefined;
  const exec = user.exec ? asDoc(user.exec) : undefined;
  if (exec) {
    if (!options.exec) {
      throw new KubeconfigError(
        `user "${userName}" in ${userFile} uses an exec credential plugin, which the in-cluster recycler does not run; use \`rotor recycle\` or a token`,
      );
    }
    const plugin = options.exec(
      exec,
      userFile,
      { server: base.server, ca, insecure, tlsServerName },
      options,
    );
    return {
      ...base,
      credentials: async () => ({ ...staticCreds, ...(await plugin.credentials()) }),
      invalidate: () => plugin.invalidate(),
    };
  }
  if (token) return { ...base, credentials: () => Promise.resolve({ ...staticCreds, token }) };
  if (tokenFile) {
    const full = pathIn(userFile, tokenFile);
    return { ...base, credentials: async () => Promise.resolve({ ...staticCreds, token: readToken(full) }) };
  }
  if (username !== undefined && password !== undefined) {
    return { ...base, credentials: () => Promise.resolve({ ...staticCreds, basic: { username, password } }) };
  }
  return { ...base, credentials: () => Promise.resolve(staticCreds) };
}

/** Parses a JSON kubeconfig (what the dependency-free bundle accepts). */
export function parseJsonKubeconfig(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new KubeconfigError(
      `${file} is not JSON: the in-cluster recycler reads JSON kubeconfigs only (convert it, or use \`rotor recycle\`, which reads YAML)`,
      { cause: error },
    );
  }
}
