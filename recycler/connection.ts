/**
 * Where the API server is and how to authenticate to it. Two sources: the pod's service account (in-cluster)
 * and a kubeconfig (`./kubeconfig.ts`). Credentials are fetched per request so a projected service-account token
 * that the kubelet rotates, or an exec plugin's token that expires, is always current.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** What one request authenticates with. */
export interface Credentials {
  readonly token?: string;
  readonly basic?: { readonly username: string; readonly password: string };
  /** PEM client certificate and key (from a kubeconfig or an exec plugin). */
  readonly cert?: string;
  readonly key?: string;
}

export interface Connection {
  /** `https://host:port` (or `http://` for a test server), without a trailing slash. */
  readonly server: string;
  /** PEM CA bundle to trust instead of the system roots. */
  readonly ca?: string;
  readonly insecureSkipTlsVerify?: boolean;
  readonly tlsServerName?: string;
  /** The namespace of the kubeconfig context or of the service account, if known. */
  readonly namespace?: string;
  /** Where the settings came from, for logs: "in-cluster" or "kubeconfig /path (context x)". */
  readonly source: string;
  /** The credentials for the next request; cheap to call before every request. */
  credentials(): Promise<Credentials>;
  /** Forget cached credentials after a 401, so the next call fetches fresh ones. */
  invalidate?(): void;
}

export const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export interface InClusterOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The service-account directory; tests point it at a fixture. */
  readonly dir?: string;
}

/** Whether this process runs in a pod (the API server's service environment variables are set). */
export function isInCluster(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT);
}

/**
 * The in-cluster connection: `KUBERNETES_SERVICE_HOST`/`_PORT`, the service account's CA and namespace files, and
 * its token file, re-read before every request because the kubelet rotates projected tokens (about hourly).
 */
export function inClusterConnection(options: InClusterOptions = {}): Connection {
  const env = options.env ?? process.env;
  const dir = options.dir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new Error(
      "not running in a pod: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set; pass --kubeconfig to run from elsewhere",
    );
  }
  const hostPart = host.includes(":") ? `[${host}]` : host;
  let ca: string | undefined;
  try {
    ca = readFileSync(join(dir, "ca.crt"), "utf8");
  } catch (error) {
    throw new Error(`cannot read the service account's CA ${join(dir, "ca.crt")}`, { cause: error });
  }
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(dir, "namespace"), "utf8").trim();
  } catch {
    namespace = undefined;
  }
  const tokenFile = join(dir, "token");
  return {
    server: `https://${hostPart}:${port}`,
    ca,
    ...(namespace ? { namespace } : {}),
    source: "in-cluster service account",
    credentials() {
      try {
        return Promise.resolve({ token: readToken(tokenFile) });
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}

/**
 * Reads a bearer token file, trimmed; a wrapped error names the file. Synchronous on purpose: the file is tiny,
 * and a virtual clock cannot see a pending asynchronous read (it could move time while one is in flight).
 */
export function readToken(file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new Error(`cannot read the token file ${file}`, { cause: error });
  }
}
