/**
 * What an e2e test file uses: the running control plane (from the state file `npm run test:e2e` passes in),
 * an admin client, kubectl bound to the admin kubeconfig, and helpers to make namespaces and wait on objects.
 * Without a control plane a test file fails at once saying how to run it: it never skips silently.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import type { ControlPlaneState } from "./control-plane";
import { eventually, Kube } from "./kube";

export const STATE_ENV = "ROTOR_E2E_STATE";
/** The directory e2e/build-pulumi.sh printed: the Pulumi engine the Pulumi tests drive (harness/pulumi.ts). */
export const ENGINE_ENV = "ROTOR_E2E_PULUMI";
/** The directory e2e/build-python.sh printed: the venv the Python program runs in (e2e/tests/pulumi-python*). */
export const PYTHON_ENV = "ROTOR_E2E_PYTHON";
/** Where `npm run test:e2e` takes control actions on the control plane it owns (e2e/run.ts). */
export const CONTROL_ENV = "ROTOR_E2E_CONTROL";

export interface E2e {
  readonly state: ControlPlaneState;
  readonly admin: Kube;
}

let cached: E2e | undefined;

export function e2e(): E2e {
  if (cached) return cached;
  const file = process.env[STATE_ENV];
  if (!file) {
    throw new Error(
      `${STATE_ENV} is not set: e2e tests need the real control plane. Run them with \`npm run test:e2e\`, which builds and starts it.`,
    );
  }
  const state = JSON.parse(readFileSync(file, "utf8")) as ControlPlaneState;
  cached = { state, admin: Kube.fromFiles(state.server, state.caFile, state.adminCert, state.adminKey) };
  return cached;
}

/**
 * Kills the control plane's kube-apiserver, or starts it again as it was (same port, etcd and certificates;
 * resolves once it and the nodes are ready), or freezes and thaws it (pause, resume). Its processes belong to
 * `npm run test:e2e`, which does it on request.
 */
export async function kubeApiserver(action: "stop" | "start" | "pause" | "resume"): Promise<void> {
  const url = process.env[CONTROL_ENV];
  if (!url) {
    throw new Error(
      `${CONTROL_ENV} is not set: only \`npm run test:e2e\`, which owns the control plane's processes, can stop and start its kube-apiserver.`,
    );
  }
  const res = await fetch(`${url}/kube-apiserver/${action}`, { method: "POST" });
  if (!res.ok) throw new Error(`kube-apiserver ${action} failed (${res.status}): ${await res.text()}`);
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; never rejects for a non-zero exit (the caller asserts the code). */
export function run(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      {
        env: options.env ?? process.env,
        cwd: options.cwd,
        maxBuffer: 64 * 1024 * 1024,
        timeout: options.timeoutMs ?? 600_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        if (error && typeof error.code === "string") {
          reject(new Error(`${command} could not run: ${error.message}`));
          return;
        }
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** kubectl with the admin kubeconfig. */
export function kubectl(args: readonly string[], input?: string): Promise<CommandResult> {
  return run(
    "kubectl",
    ["--kubeconfig", e2e().state.kubeconfig, ...args],
    input === undefined ? {} : { input },
  );
}

/**
 * `kubectl apply` as GitOps tools apply rotor's render: server-side, strict field validation, one field manager;
 * `how` is `-k` (the kustomization) or `-f` (the directory's files in name order).
 */
export function applyRendered(how: "-k" | "-f", dir: string): Promise<CommandResult> {
  return kubectl(["apply", "--server-side", "--field-manager=rotor-e2e", "--validate=strict", how, dir]);
}

/** Creates a namespace labelled to enforce Pod Security "restricted" (as rotor renders them) and waits for its default ServiceAccount. */
export async function namespace(name: string, labels: Record<string, string> = {}): Promise<string> {
  const { admin } = e2e();
  await admin.must("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
        ...labels,
      },
    },
  });
  await eventually(`ServiceAccount default in ${name}`, async () => {
    const res = await admin.send("GET", `/api/v1/namespaces/${name}/serviceaccounts/default`);
    return res.status === 200 ? true : undefined;
  });
  return name;
}

export interface DeploymentStatus {
  metadata: { name: string; generation?: number; annotations?: Record<string, string> };
  spec: { replicas?: number; minReadySeconds?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    terminatingReplicas?: number;
    conditions?: { type: string; status: string; reason?: string }[];
  };
}

/** Waits until the Deployment is rolled out and Available: every desired replica updated and available. */
export async function deploymentAvailable(
  ns: string,
  name: string,
  timeoutMs = 180_000,
): Promise<DeploymentStatus> {
  const { admin } = e2e();
  return eventually(
    `Deployment ${ns}/${name} Available`,
    async () => {
      const d = await admin.get<DeploymentStatus>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
      const s = d.status ?? {};
      const want = d.spec.replicas ?? 1;
      const ok =
        (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
        s.updatedReplicas === want &&
        s.availableReplicas === want &&
        (s.replicas ?? 0) === want &&
        (s.conditions ?? []).some((c) => c.type === "Available" && c.status === "True");
      return ok ? d : undefined;
    },
    timeoutMs,
  );
}

export interface PodLite {
  metadata: {
    name: string;
    uid: string;
    creationTimestamp: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    finalizers?: string[];
    ownerReferences?: { kind: string; name: string }[];
  };
  spec: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string; reason?: string }[];
  };
}

export async function listPods(ns: string, selector: string): Promise<PodLite[]> {
  const list = await e2e().admin.get<{ items: PodLite[] }>(
    `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`,
  );
  return list.items;
}
