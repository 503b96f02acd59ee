/**
 * Kubeconfig files pointing at the simulator: one cluster (with `certificate-authority-data` when it serves
 * TLS), one user with a bearer token, one context with a namespace, as `kubectl config view --raw` shows them.
 */
import { stringify } from "yaml";

/** What to put in a kubeconfig. */
export interface KubeconfigOptions {
  /** The context's namespace. */
  readonly namespace?: string;
  /** The bearer token of the user; defaults to the simulator's unrestricted token. */
  readonly token?: string;
  /**
   * Name of the cluster, user and context.
   * @default "rotor-simulator"
   */
  readonly name?: string;
  /**
   * Text format: YAML as kubectl writes it, or JSON (the in-cluster recycler bundle reads only JSON).
   * @default "yaml"
   */
  readonly format?: "yaml" | "json";
}

/** Builds the kubeconfig text (YAML unless `options.format` is json). */
export function kubeconfigYaml(
  server: string,
  caPem: string | undefined,
  token: string | undefined,
  options: KubeconfigOptions = {},
): string {
  const name = options.name ?? "rotor-simulator";
  const cluster: Record<string, unknown> = { server };
  if (caPem) cluster["certificate-authority-data"] = Buffer.from(caPem).toString("base64");
  const user: Record<string, unknown> = {};
  if (token !== undefined) user.token = token;
  const context: Record<string, unknown> = { cluster: name, user: name };
  if (options.namespace) context.namespace = options.namespace;
  const config = {
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name, cluster }],
    users: [{ name, user }],
    contexts: [{ name, context }],
    "current-context": name,
    preferences: {},
  };
  return options.format === "json" ? JSON.stringify(config) : stringify(config);
}
