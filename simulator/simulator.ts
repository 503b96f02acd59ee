/**
 * `KubeSimulator`: a Kubernetes API subset on 127.0.0.1 with controllers, fault injection, an availability
 * monitor and a clock of your choice. Start it, seed objects, point a client at `url` (or at the kubeconfig
 * it writes), run actors on the clock, then read back state, logs and the monitor. See simulator/README.md.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { admit } from "./admission";
import { VirtualClock, type SimClock } from "./clock";
import { Cluster } from "./cluster";
import {
  POD_TEMPLATE_HASH,
  REVISION,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  maxSurge,
  podTemplateHash,
} from "./deployment-controller";
import type { FaultPlan, FaultRecord } from "./faults";
import { containerStatuses, podConditions, setReady, type PodLifecycle } from "./kubelet";
import { DEPLOYMENTS, EVENTS, LEASES, PDBS, PODS, REPLICASETS } from "./keys";
import { kubeconfigYaml, type KubeconfigOptions } from "./kubeconfig";
import type { AvailabilityMonitor } from "./monitor";
import { controllerRef } from "./objects";
import type { Principal } from "./rbac";
import { findResourceType } from "./resources";
import { labelSelectorRequirements, matchesLabels, parseLabelSelector } from "./selectors";
import { ApiServer, type DenialRecord, type EvictionRecord, type RequestRecord } from "./server";
import type { WatchHistoryOptions } from "./store";
import type {
  CoreEvent,
  Deployment,
  KubeObject,
  DeploymentStrategy,
  IntOrString,
  LabelSelector,
  Lease,
  Pod,
  PodDisruptionBudget,
  ReplicaSet,
} from "./types";
import { clone, formatMicroTime, formatTime } from "./types";

/** Where the committed test certificate lives (see test/fixtures/tls/README.md). */
export const TLS_FIXTURE_DIR = join(__dirname, "..", "test", "fixtures", "tls");

/** Options of {@link KubeSimulator.start}. */
export interface KubeSimulatorOptions {
  /**
   * The clock everything runs on.
   * @default new VirtualClock(Date.parse("2026-01-05T10:00:00Z"))
   */
  readonly clock?: SimClock;
  /** The unrestricted bearer token; unset (and no `authorize`) means no authentication. */
  readonly token?: string;
  /**
   * Serve HTTPS with the committed test certificate (or the given PEM strings).
   * @default false
   */
  readonly tls?: boolean | { readonly cert: string; readonly key: string; readonly ca: string };
  /**
   * Seed of every random decision (faults, names, UIDs).
   * @default 1
   */
  readonly seed?: number;
  /** Faults to inject. */
  readonly faults?: FaultPlan;
  /** Restricted principals checked by RBAC rules. */
  readonly authorize?: Principal | readonly Principal[];
  /**
   * Delay of the disruption controller after a change, in virtual ms.
   * @default 100
   */
  readonly pdbSyncDelayMs?: number;
  /**
   * Delay of the deployment and replicaset controllers after a change.
   * @default 0
   */
  readonly controllerDelayMs?: number;
  /** Pod lifecycle for pods of Deployments seeded without one. */
  readonly defaultLifecycle?: PodLifecycle;
  /** Watch history window; older resourceVersions get 410 Expired. */
  readonly watchHistory?: WatchHistoryOptions;
  /**
   * Interval of BOOKMARK events on watches that allow them.
   * @default 60000
   */
  readonly bookmarkIntervalMs?: number;
  /**
   * A watch without timeoutSeconds lasts between this and twice this (seeded), as kube-apiserver's
   * --min-request-timeout.
   * @default 1800
   */
  readonly minRequestTimeoutSeconds?: number;
  /**
   * Controllers record Events (ScalingReplicaSet, SuccessfulCreate, SuccessfulDelete).
   * @default true
   */
  readonly controllerEvents?: boolean;
  /**
   * Node names pods are spread over.
   * @default ["sim-node-a", "sim-node-b", "sim-node-c"]
   */
  readonly nodes?: readonly string[];
}

/** A Deployment to seed, as if it had been running for a while. */
export interface SeedDeployment {
  /** @default "default" */
  readonly namespace?: string;
  readonly name: string;
  readonly replicas: number;
  /**
   * Selector and pod template labels.
   * @default { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name }
   */
  readonly labels?: Readonly<Record<string, string>>;
  /** Extra labels on the Deployment object only. */
  readonly deploymentLabels?: Readonly<Record<string, string>>;
  /** Annotations on the Deployment. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Annotations on the pod template. */
  readonly templateAnnotations?: Readonly<Record<string, string>>;
  /** @default "registry.example/app:1.0.0" */
  readonly image?: string;
  readonly strategy?: {
    readonly type?: DeploymentStrategy["type"];
    readonly maxSurge?: IntOrString;
    readonly maxUnavailable?: IntOrString;
  };
  readonly minReadySeconds?: number;
  readonly progressDeadlineSeconds?: number;
  readonly revisionHistoryLimit?: number;
  readonly paused?: boolean;
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /** Age of each existing pod in ms (its length is the number of pods); default: `replicas` pods one day old. */
  readonly podAgesMs?: readonly number[];
  /** Indexes (into `podAgesMs`) of pods that are Running but not Ready. */
  readonly notReady?: readonly number[];
  /** Age of the Deployment and its ReplicaSet; default: the oldest pod's age plus a minute. */
  readonly createdAgoMs?: number;
  /** Lifecycle of the pods created from now on. */
  readonly startupMs?: number;
  readonly readyDelayMs?: number;
  readonly terminationMs?: number;
}

/** A PodDisruptionBudget to seed (its status is computed at once). */
export interface SeedPodDisruptionBudget {
  /** @default "default" */
  readonly namespace?: string;
  readonly name: string;
  /** matchLabels, or a full LabelSelector; default: rotor's selector labels for `name`. */
  readonly selector?: Readonly<Record<string, string>> | LabelSelector;
  readonly minAvailable?: IntOrString;
  readonly maxUnavailable?: IntOrString;
  readonly unhealthyPodEvictionPolicy?: "IfHealthyBudget" | "AlwaysAllow";
}

/** A Lease to seed. */
export interface SeedLease {
  /** @default "default" */
  readonly namespace?: string;
  readonly name: string;
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  /** Virtual ms since the epoch. */
  readonly acquireTimeMs?: number;
  /** Virtual ms since the epoch. */
  readonly renewTimeMs?: number;
  readonly leaseTransitions?: number;
}

/** A Job of a seeded CronJob, and how it went. */
export interface SeedJob {
  /** @default "default" */
  readonly namespace?: string;
  readonly name: string;
  /** The CronJob that owns it (seeded before). */
  readonly cronJob: string;
  readonly outcome: "succeeded" | "failed" | "running";
  /** How long ago it was created and started. */
  readonly startedAgoMs: number;
  /** How long ago it ended. @default 0 */
  readonly endedAgoMs?: number;
  /** The Failed condition's reason. @default "BackoffLimitExceeded" */
  readonly reason?: string;
  /** The Failed condition's message. @default "Job has reached the specified backoff limit" */
  readonly message?: string;
}

const DAY_MS = 24 * 3_600_000;

function selectorLabels(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": name };
}

/** The simulator. */
export class KubeSimulator {
  /** `http(s)://127.0.0.1:<port>`. */
  readonly url: string;
  /** Request, eviction and RBAC denial logs, plus the faults that fired. */
  readonly log: {
    readonly requests: RequestRecord[];
    readonly evictions: EvictionRecord[];
    readonly denials: DenialRecord[];
    readonly faults: FaultRecord[];
  };
  /** The availability monitor. */
  readonly monitor: AvailabilityMonitor;
  private closed = false;

  private constructor(
    readonly clock: SimClock,
    readonly cluster: Cluster,
    private readonly server: ApiServer,
    port: number,
    /** The CA certificate (PEM) clients must trust, when serving TLS. */
    readonly caCertificate: string | undefined,
    private readonly token: string | undefined,
  ) {
    this.url = `${caCertificate ? "https" : "http"}://127.0.0.1:${port}`;
    this.log = { ...server.log, faults: cluster.faults.fired };
    this.monitor = cluster.monitor;
  }

  /** Starts a simulator on 127.0.0.1 and a random port. */
  static async start(options: KubeSimulatorOptions = {}): Promise<KubeSimulator> {
    const clock = options.clock ?? new VirtualClock(Date.parse("2026-01-05T10:00:00Z"));
    const cluster = new Cluster(clock, {
      seed: options.seed ?? 1,
      faults: options.faults ?? {},
      defaultLifecycle: {
        startupMs: 2000,
        readyDelayMs: 3000,
        terminationMs: 1000,
        ...options.defaultLifecycle,
      },
      controllerDelayMs: options.controllerDelayMs ?? 0,
      pdbSyncDelayMs: options.pdbSyncDelayMs ?? 100,
      watchHistory: options.watchHistory ?? {},
      controllerEvents: options.controllerEvents ?? true,
      nodes: options.nodes ?? ["sim-node-a", "sim-node-b", "sim-node-c"],
    });
    let tls: { cert: string; key: string; ca: string } | undefined;
    if (options.tls === true) {
      tls = {
        cert: readFileSync(join(TLS_FIXTURE_DIR, "server.crt"), "utf8"),
        key: readFileSync(join(TLS_FIXTURE_DIR, "server.key"), "utf8"),
        ca: readFileSync(join(TLS_FIXTURE_DIR, "ca.crt"), "utf8"),
      };
    } else if (options.tls) {
      tls = { ...options.tls };
    }
    const principals =
      options.authorize === undefined
        ? []
        : Array.isArray(options.authorize)
          ? options.authorize
          : [options.authorize as Principal];
    const server = new ApiServer(cluster, {
      token: options.token,
      principals,
      tls,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800,
    });
    const port = await server.listen();
    return new KubeSimulator(clock, cluster, server, port, tls?.ca, options.token);
  }

  /** Stops the server, every watch and every controller timer. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cluster.close();
    await this.server.close();
  }

  /** The kubeconfig YAML for this simulator. */
  kubeconfig(options: KubeconfigOptions = {}): string {
    return kubeconfigYaml(this.url, this.caCertificate, options.token ?? this.token, options);
  }

  /** Writes the kubeconfig to `path` and returns `path`. */
  writeKubeconfig(path: string, options: KubeconfigOptions = {}): string {
    writeFileSync(path, this.kubeconfig(options), { mode: 0o600 });
    return path;
  }

  /** Lets in-flight I/O settle and fires timers due now (virtual clock only). */
  async settle(): Promise<void> {
    if (this.clock instanceof VirtualClock) await this.clock.advance(0);
  }

  // ---- Seeding -------------------------------------------------------------------------------------------

  /**
   * Creates a Deployment with its ReplicaSet (revision 1) and pods already Running and Ready, created
   * `podAgesMs` ago, with statuses as the controllers would have left them. Returns the Deployment.
   */
  seedDeployment(seed: SeedDeployment): Deployment {
    const cluster = this.cluster;
    const namespace = seed.namespace ?? "default";
    const now = cluster.now();
    const labels = { ...(seed.labels ?? selectorLabels(seed.name)) };
    const ages = seed.podAgesMs ?? Array.from({ length: seed.replicas }, () => DAY_MS);
    const createdAgo = seed.createdAgoMs ?? Math.max(0, ...ages) + 60_000;
    const d: Deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: {
        name: seed.name,
        namespace,
        labels: { ...labels, ...(seed.deploymentLabels ?? {}) },
        annotations: seed.annotations ? { ...seed.annotations } : undefined,
      },
      spec: {
        replicas: seed.replicas,
        selector: { matchLabels: { ...labels } },
        template: {
          metadata: {
            labels: { ...labels },
            annotations: seed.templateAnnotations ? { ...seed.templateAnnotations } : undefined,
          },
          spec: {
            containers: [{ name: "app", image: seed.image ?? "registry.example/app:1.0.0" }],
            terminationGracePeriodSeconds: seed.terminationGracePeriodSeconds ?? 30,
          },
        },
        strategy:
          seed.strategy?.type === "Recreate"
            ? { type: "Recreate" }
            : {
                type: "RollingUpdate",
                rollingUpdate: {
                  maxUnavailable: seed.strategy?.maxUnavailable ?? "25%",
                  maxSurge: seed.strategy?.maxSurge ?? "25%",
                },
              },
        minReadySeconds: seed.minReadySeconds,
        revisionHistoryLimit: seed.revisionHistoryLimit,
        paused: seed.paused,
        progressDeadlineSeconds: seed.progressDeadlineSeconds,
      },
      status: {},
    };
    dropUndefined(d.metadata);
    dropUndefined(d.spec);
    dropUndefined(d.spec.template.metadata!);
    const type = findResourceType("apps", "v1", "deployments")!;
    admit(type, d, undefined, namespace);
    cluster.lifecycles.set(`${namespace}/${seed.name}`, {
      ...(seed.startupMs !== undefined ? { startupMs: seed.startupMs } : {}),
      ...(seed.readyDelayMs !== undefined ? { readyDelayMs: seed.readyDelayMs } : {}),
      ...(seed.terminationMs !== undefined ? { terminationMs: seed.terminationMs } : {}),
    });
    const deployment = cluster.createObject(type, d, now - createdAgo);

    const hash = podTemplateHash(deployment.spec.template);
    const template = clone(deployment.spec.template);
    template.metadata = { ...template.metadata, labels: { ...labels, [POD_TEMPLATE_HASH]: hash } };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${seed.name}-${hash}`,
        namespace,
        labels: { ...labels, [POD_TEMPLATE_HASH]: hash },
        annotations: {
          ...(seed.annotations ?? {}),
          [DESIRED_REPLICAS]: String(seed.replicas),
          [MAX_REPLICAS]: String(seed.replicas + maxSurge(deployment)),
          [REVISION]: "1",
        },
        ownerReferences: [controllerRef(deployment)],
      },
      spec: {
        replicas: seed.replicas,
        minReadySeconds: seed.minReadySeconds ?? 0,
        selector: { matchLabels: { ...labels, [POD_TEMPLATE_HASH]: hash } },
        template,
      },
      status: { replicas: 0 },
    };
    const storedRs = cluster.createObject(
      findResourceType("apps", "v1", "replicasets")!,
      rs,
      now - createdAgo,
    );
    const podType = findResourceType("", "v1", "pods")!;
    const notReady = new Set(seed.notReady ?? []);
    const nodes = cluster.options.nodes;
    ages.forEach((age, i) => {
      const created = now - age;
      const pod: Pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          generateName: `${storedRs.metadata.name}-`,
          namespace,
          labels: { ...template.metadata!.labels },
          annotations: template.metadata!.annotations ? { ...template.metadata!.annotations } : undefined,
          ownerReferences: [controllerRef(storedRs)],
        },
        spec: { ...clone(template.spec!), nodeName: nodes[i % nodes.length] },
        status: {},
      };
      dropUndefined(pod.metadata);
      const ready = !notReady.has(i);
      const startedMs = created + 2000;
      const containers = (pod.spec.containers ?? []).map((c) => c.name);
      pod.status = {
        phase: "Running",
        conditions: podConditions(ready ? created + 5000 : undefined, startedMs, created, containers),
        hostIP: `192.168.0.${(i % nodes.length) + 10}`,
        podIP: `10.244.0.${i + 100}`,
        startTime: formatTime(created),
        containerStatuses: [],
        qosClass: "BestEffort",
      };
      pod.metadata.name = cluster.generateName(pod.metadata.generateName!);
      pod.status.containerStatuses = containerStatuses(pod, ready, startedMs);
      cluster.createObject(podType, pod, created);
    });
    this.syncNow(namespace);
    return this.deployment(namespace, seed.name)!;
  }

  /** Creates a PodDisruptionBudget and computes its status at once (observedGeneration current). */
  seedPodDisruptionBudget(seed: SeedPodDisruptionBudget): PodDisruptionBudget {
    const namespace = seed.namespace ?? "default";
    const selector: LabelSelector =
      seed.selector === undefined
        ? { matchLabels: selectorLabels(seed.name) }
        : "matchLabels" in seed.selector || "matchExpressions" in seed.selector
          ? clone(seed.selector as LabelSelector)
          : { matchLabels: { ...(seed.selector as Record<string, string>) } };
    const pdb: PodDisruptionBudget = {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: seed.name, namespace },
      spec: { selector },
    };
    if (seed.minAvailable !== undefined) pdb.spec.minAvailable = seed.minAvailable;
    if (seed.maxUnavailable !== undefined) pdb.spec.maxUnavailable = seed.maxUnavailable;
    if (seed.unhealthyPodEvictionPolicy !== undefined)
      pdb.spec.unhealthyPodEvictionPolicy = seed.unhealthyPodEvictionPolicy;
    const type = findResourceType("policy", "v1", "poddisruptionbudgets")!;
    admit(type, pdb, undefined, namespace);
    this.cluster.createObject(type, pdb);
    this.syncNow(namespace);
    return this.podDisruptionBudget(namespace, seed.name)!;
  }

  /** Creates a Lease. */
  seedLease(seed: SeedLease): Lease {
    const namespace = seed.namespace ?? "default";
    const spec: Lease["spec"] = {};
    if (seed.holderIdentity !== undefined) spec.holderIdentity = seed.holderIdentity;
    if (seed.leaseDurationSeconds !== undefined) spec.leaseDurationSeconds = seed.leaseDurationSeconds;
    if (seed.acquireTimeMs !== undefined) spec.acquireTime = formatMicroTime(seed.acquireTimeMs);
    if (seed.renewTimeMs !== undefined) spec.renewTime = formatMicroTime(seed.renewTimeMs);
    if (seed.leaseTransitions !== undefined) spec.leaseTransitions = seed.leaseTransitions;
    const lease: Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: seed.name, namespace },
      spec,
    };
    return clone(this.cluster.createObject(findResourceType("coordination.k8s.io", "v1", "leases")!, lease));
  }

  /**
   * Creates a CronJob (a rendered one, say) as the API would store it, created `createdAgoMs` ago. Nothing runs
   * it: the simulator has no CronJob controller, so its Jobs are seeded with {@link seedJob}.
   */
  seedCronJob(cronJob: KubeObject, options: { createdAgoMs?: number } = {}): KubeObject {
    const type = findResourceType("batch", "v1", "cronjobs")!;
    const object = clone(cronJob);
    const namespace = object.metadata.namespace ?? "default";
    object.metadata.namespace = namespace;
    admit(type, object, undefined, namespace);
    return clone(this.cluster.createObject(type, object, this.cluster.now() - (options.createdAgoMs ?? 0)));
  }

  /**
   * Creates a Job of a seeded CronJob with the status the CronJob and Job controllers leave when it ended (or is
   * still running): owner reference, the job template's labels and spec, `startTime`, and for an ended Job the
   * conditions of Kubernetes 1.31+ (`SuccessCriteriaMet` + `Complete`, or `FailureTarget` + `Failed` with the
   * reason, e.g. `BackoffLimitExceeded` or `DeadlineExceeded`) and the succeeded/failed counts.
   */
  seedJob(seed: SeedJob): KubeObject {
    const namespace = seed.namespace ?? "default";
    const cronJob = this.cluster.store.get("batch/cronjobs", namespace, seed.cronJob);
    if (!cronJob) throw new Error(`no CronJob ${namespace}/${seed.cronJob} to own Job ${seed.name}`);
    const template = clone(
      ((cronJob.spec as Record<string, unknown>).jobTemplate ?? {}) as {
        metadata?: { labels?: Record<string, string> };
        spec?: Record<string, unknown>;
      },
    );
    const now = this.cluster.now();
    const created = now - seed.startedAgoMs;
    const job: KubeObject = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: {
        name: seed.name,
        namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        annotations: { "batch.kubernetes.io/cronjob-scheduled-timestamp": formatTime(created) },
        ownerReferences: [controllerRef(cronJob)],
      },
      spec: template.spec ?? {},
    };
    const type = findResourceType("batch", "v1", "jobs")!;
    admit(type, job, undefined, namespace);
    const status: Record<string, unknown> = { startTime: formatTime(created) };
    if (seed.outcome === "running") status.active = 1;
    else {
      const ended = formatTime(now - (seed.endedAgoMs ?? 0));
      const failed = seed.outcome === "failed";
      const condition = (type: string) => ({
        type,
        status: "True",
        lastProbeTime: ended,
        lastTransitionTime: ended,
        ...(failed ? { reason: seed.reason ?? "BackoffLimitExceeded" } : {}),
        ...(failed ? { message: seed.message ?? "Job has reached the specified backoff limit" } : {}),
      });
      status.conditions = failed
        ? [condition("FailureTarget"), condition("Failed")]
        : [condition("SuccessCriteriaMet"), condition("Complete")];
      if (failed) status.failed = 1;
      else {
        status.succeeded = 1;
        status.completionTime = ended;
      }
    }
    job.status = status;
    return clone(this.cluster.createObject(type, job, created));
  }

  /** Runs the replicaset, deployment and disruption controllers of a namespace now, synchronously. */
  syncNow(namespace: string): void {
    this.cluster.syncNow(namespace);
  }

  // ---- Scripted changes ------------------------------------------------------------------------------------

  /** Sets `spec.replicas` as an HPA would. */
  setReplicas(namespace: string, name: string, replicas: number): Deployment {
    return clone(
      this.cluster.withCause({ text: `replicas of ${name} set to ${replicas}`, voluntary: false }, () =>
        this.cluster.setReplicas(namespace, name, replicas),
      ),
    );
  }

  /** Makes a pod Ready or unready (as a failing or recovering readiness probe). */
  setPodReady(namespace: string, name: string, ready: boolean): Pod {
    const pod = this.cluster.store.get(PODS, namespace, name) as Pod | undefined;
    if (!pod) throw new Error(`no pod ${namespace}/${name}`);
    const next = clone(pod);
    setReady(next, ready, this.cluster.now());
    return clone(
      this.cluster.withCause(
        { text: `pod ${name} readiness set to ${ready}`, voluntary: false },
        () => this.cluster.store.update(PODS, next) as Pod,
      ),
    );
  }

  /** Drops the watch history, as a compaction: watches from older resourceVersions get 410 Expired. */
  compactWatchHistory(): void {
    this.cluster.store.compact();
  }

  // ---- Reading state back -------------------------------------------------------------------------------------

  /** Pods of a namespace (optionally selected), sorted by name. */
  pods(namespace: string, labelSelector?: string | Readonly<Record<string, string>>): Pod[] {
    const requirements =
      labelSelector === undefined
        ? []
        : typeof labelSelector === "string"
          ? parseLabelSelector(labelSelector)
          : labelSelectorRequirements({ matchLabels: { ...labelSelector } });
    return (this.cluster.store.list(PODS, namespace) as Pod[])
      .filter((p) => matchesLabels(requirements, p.metadata.labels))
      .map(clone);
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.read<Pod>(PODS, namespace, name);
  }

  deployment(namespace: string, name: string): Deployment | undefined {
    return this.read<Deployment>(DEPLOYMENTS, namespace, name);
  }

  /** ReplicaSets of a namespace, sorted by name. */
  replicaSets(namespace: string): ReplicaSet[] {
    return (this.cluster.store.list(REPLICASETS, namespace) as ReplicaSet[]).map(clone);
  }

  podDisruptionBudget(namespace: string, name: string): PodDisruptionBudget | undefined {
    return this.read<PodDisruptionBudget>(PDBS, namespace, name);
  }

  /** core/v1 Events of a namespace, oldest first. */
  events(namespace: string): CoreEvent[] {
    return (this.cluster.store.list(EVENTS, namespace) as CoreEvent[])
      .map(clone)
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion));
  }

  lease(namespace: string, name: string): Lease | undefined {
    return this.read<Lease>(LEASES, namespace, name);
  }

  /** The current resourceVersion of the store. */
  get resourceVersion(): number {
    return this.cluster.store.resourceVersion;
  }

  /** How many watch streams are open. */
  get openWatches(): number {
    return this.server.hub.size;
  }

  private read<T>(key: string, namespace: string, name: string): T | undefined {
    const object = this.cluster.store.get(key, namespace, name);
    return object ? (clone(object) as T) : undefined;
  }
}

function dropUndefined(o: Record<string, unknown>): void {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
}
