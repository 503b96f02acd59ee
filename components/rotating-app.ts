import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { RESTARTED_AT_ANNOTATION } from "../contract/annotations";
import { selectorLabels } from "../contract/labels";
import { recyclerName } from "../contract/names";
import type { AppInput } from "./app-schema";
import { resolveApp, type AppSpec } from "./app-spec";
import { buildAppManifests } from "./app-manifests";
import { lift, problemsMessage, resolveSpec } from "./inputs";
import { PodRecycler, type RecyclerRotationArgs } from "./pod-recycler";

/** A container port. @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports */
export interface ContainerPortArgs {
  /** IANA service name (lowercase, at most 15 characters); probes and the Service refer to it. */
  readonly name: pulumi.Input<string>;
  /** Port the container listens on. */
  readonly containerPort: pulumi.Input<number>;
  /** Port the Service exposes. @default containerPort */
  readonly servicePort?: pulumi.Input<number>;
  /** @default "TCP" */
  readonly protocol?: pulumi.Input<"TCP" | "UDP" | "SCTP">;
}

/** CPU and memory for the app container. @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ */
export interface ResourcesArgs {
  /** @default { cpu: "100m", memory: "128Mi" } */
  readonly requests?: pulumi.Input<{
    /** @default "100m" */
    readonly cpu?: pulumi.Input<string>;
    /** @default "128Mi" */
    readonly memory?: pulumi.Input<string>;
  }>;
  /** A memory limit contains leaks; a CPU limit is opt-in because it throttles. @default { memory: "256Mi" } */
  readonly limits?: pulumi.Input<{
    /** @default unset: no CPU limit, so the container is never throttled */
    readonly cpu?: pulumi.Input<string>;
    /** @default "256Mi" */
    readonly memory?: pulumi.Input<string>;
  }>;
}

/** A Kubernetes probe with exactly one handler. @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#Probe */
export interface ProbeArgs {
  /** An HTTP GET; 200-399 is a success. @default unset: set exactly one of httpGet, tcpSocket, grpc or exec */
  readonly httpGet?: pulumi.Input<{
    /** @default unset: the kubelet requests "/" */
    readonly path?: pulumi.Input<string>;
    /** A port number, or the name of one of the app's ports. */
    readonly port: pulumi.Input<number | string>;
    /** @default unset: Kubernetes uses "HTTP" */
    readonly scheme?: pulumi.Input<"HTTP" | "HTTPS">;
  }>;
  /** Succeeds when a TCP connection opens. @default unset: set exactly one of httpGet, tcpSocket, grpc or exec */
  readonly tcpSocket?: pulumi.Input<{
    /** A port number, or the name of one of the app's ports. */
    readonly port: pulumi.Input<number | string>;
  }>;
  /** A gRPC health check. @default unset: set exactly one of httpGet, tcpSocket, grpc or exec */
  readonly grpc?: pulumi.Input<{
    /** Port number of the gRPC server. */
    readonly port: pulumi.Input<number>;
    /** Service name sent in the HealthCheckRequest. @default unset: the server's overall health */
    readonly service?: pulumi.Input<string>;
  }>;
  /** A command run in the container; exit 0 is a success. @default unset: set exactly one of httpGet, tcpSocket, grpc or exec */
  readonly exec?: pulumi.Input<{
    /** The command and its arguments, run without a shell. */
    readonly command: pulumi.Input<pulumi.Input<string>[]>;
  }>;
  /** Seconds after the container starts before the first probe. @default unset: Kubernetes uses 0 */
  readonly initialDelaySeconds?: pulumi.Input<number>;
  /** Seconds between probes. @default unset: Kubernetes uses 10 */
  readonly periodSeconds?: pulumi.Input<number>;
  /** Seconds after which one probe counts as failed. @default unset: Kubernetes uses 1 */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** Consecutive successes after a failure to count as passing; must be 1 for liveness and startup probes. @default unset: Kubernetes uses 1 */
  readonly successThreshold?: pulumi.Input<number>;
  /** Consecutive failures to count as failing. @default unset: Kubernetes uses 3 */
  readonly failureThreshold?: pulumi.Input<number>;
}

/** The PodDisruptionBudget; set one field. @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/ */
export interface DisruptionBudgetArgs {
  /** @default 1 */
  readonly maxUnavailable?: pulumi.Input<number>;
  /** Instead of maxUnavailable: the pods that must stay available. @default unset (maxUnavailable applies) */
  readonly minAvailable?: pulumi.Input<number>;
}

/** How pods spread over nodes and zones. @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/ */
export interface TopologySpreadArgs {
  /** @default "ScheduleAnyway" */
  readonly nodes?: pulumi.Input<"ScheduleAnyway" | "DoNotSchedule" | "Off">;
  /** @default "ScheduleAnyway" */
  readonly zones?: pulumi.Input<"ScheduleAnyway" | "DoNotSchedule" | "Off">;
}

/** Pod Security "restricted" is always applied; these choose identities and the root filesystem. */
export interface SecurityContextArgs {
  /** UID the containers run as. @default unset: the image's user, which must not be root (runAsNonRoot is always set) */
  readonly runAsUser?: pulumi.Input<number>;
  /** GID the containers run as. @default unset: the container runtime's default, usually the group of the image's user */
  readonly runAsGroup?: pulumi.Input<number>;
  /** Group that owns mounted volumes. @default unset: volumes keep their own group */
  readonly fsGroup?: pulumi.Input<number>;
  /** A writable /tmp is mounted when true. @default true */
  readonly readOnlyRootFilesystem?: pulumi.Input<boolean>;
}

/** A HorizontalPodAutoscaler on CPU. @see https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/ */
export interface AutoscalingArgs {
  /** At least 2, unless rotation.strategy is restart. */
  readonly minReplicas: pulumi.Input<number>;
  /** At least minReplicas. */
  readonly maxReplicas: pulumi.Input<number>;
  /** Average CPU use, in percent of the CPU request, to aim for. @default 80 */
  readonly targetCPUUtilizationPercentage?: pulumi.Input<number>;
}

/** What the app's PodRecycler enforces. */
export interface RotationArgs extends RecyclerRotationArgs {
  /** Create the PodRecycler; plain because it decides which resources exist. @default true */
  readonly enabled?: boolean;
}

/** Arguments of {@link RotatingApp}. Every default keeps the app up while its pods rotate. */
export interface RotatingAppArgs {
  /** Container image, pinned by tag or digest; latest is refused because every rotation pulls again. */
  readonly image: pulumi.Input<string>;
  /** @default "default" */
  readonly namespace?: pulumi.Input<string>;
  /** Value of app.kubernetes.io/part-of. @default the component name */
  readonly partOf?: pulumi.Input<string>;
  /** At least 2, unless rotation.strategy is restart; not with autoscaling. @default 2 */
  readonly replicas?: pulumi.Input<number>;
  /**
   * Scale with a HorizontalPodAutoscaler, which then owns the replica count: the Deployment is declared without
   * spec.replicas. Plain (its fields may be Outputs) because it decides whether the autoscaler exists.
   * @default none: a fixed replica count
   */
  readonly autoscaling?: AutoscalingArgs;
  /** Container ports; the Service exposes each one. */
  readonly ports: pulumi.Input<pulumi.Input<ContainerPortArgs>[]>;
  /** The container's entrypoint. @default unset: the image's ENTRYPOINT */
  readonly command?: pulumi.Input<pulumi.Input<string>[]>;
  /** Arguments to the entrypoint. @default unset: the image's CMD */
  readonly args?: pulumi.Input<pulumi.Input<string>[]>;
  /** Environment variables by name. @default {} */
  readonly env?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Each field left out keeps its own default. @default { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } } */
  readonly resources?: pulumi.Input<ResourcesArgs>;
  /** @default a TCP check on the first TCP port, by name: { tcpSocket: { port: "<name>" }, periodSeconds: 5, failureThreshold: 3 } */
  readonly readinessProbe?: pulumi.Input<ProbeArgs>;
  /** @default none: a wrong liveness probe restarts healthy pods */
  readonly livenessProbe?: pulumi.Input<ProbeArgs>;
  /** Holds off the other probes until the app has started. @default none */
  readonly startupProbe?: pulumi.Input<ProbeArgs>;
  /** Seconds a new pod must stay Ready before it counts as available. @default 10 */
  readonly minReadySeconds?: pulumi.Input<number>;
  /** @default 1 */
  readonly maxSurge?: pulumi.Input<number>;
  /** @default 0 */
  readonly maxUnavailable?: pulumi.Input<number>;
  /** Pause before SIGTERM so endpoints drain. @default 5 */
  readonly preStopSleepSeconds?: pulumi.Input<number>;
  /** Must exceed preStopSleepSeconds. @default 30 */
  readonly terminationGracePeriodSeconds?: pulumi.Input<number>;
  /** @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: pulumi.Input<DisruptionBudgetArgs>;
  /** AlwaysAllow lets a stuck, unready pod be replaced. @default "AlwaysAllow" */
  readonly unhealthyPodEvictionPolicy?: pulumi.Input<"AlwaysAllow" | "IfHealthyBudget">;
  /** Spread of the pods over nodes and zones. @default { nodes: "ScheduleAnyway", zones: "ScheduleAnyway" } */
  readonly topologySpread?: pulumi.Input<TopologySpreadArgs>;
  /** Identities and the root filesystem; each field left out keeps its own default. @default { readOnlyRootFilesystem: true } */
  readonly securityContext?: pulumi.Input<SecurityContextArgs>;
  /** @default the namespace's default ServiceAccount, with no token mounted */
  readonly serviceAccountName?: pulumi.Input<string>;
  /** Mount the ServiceAccount token, for apps that call the Kubernetes API. @default false */
  readonly automountServiceAccountToken?: pulumi.Input<boolean>;
  /** @default "ClusterIP" */
  readonly serviceType?: pulumi.Input<"ClusterIP" | "NodePort" | "LoadBalancer">;
  /** Extra labels on every object (never in selectors). @default {} */
  readonly labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Extra annotations on the pod template. @default {} */
  readonly podAnnotations?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Rotation settings for the PodRecycler. @default unset: a PodRecycler with every default of {@link RotationArgs} */
  readonly rotation?: RotationArgs;
  /**
   * ConfigMap with the recycler script, shared by the namespace's recyclers: a RecyclerScript's `configMapName`.
   * @default the app's PodRecycler makes its own
   */
  readonly recyclerScriptConfigMap?: pulumi.Input<string>;
}

// The args and the catalog's zod schema must name the same fields; this fails to compile when they drift. The
// script ConfigMap is wiring between components, not a setting of the app, so the catalog does not have it.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : never;
const argsMatchSchema: SameKeys<Omit<RotatingAppArgs, "recyclerScriptConfigMap">, AppInput> = true;
void argsMatchSchema;

/**
 * Fields of the Deployment that `pulumi up` must leave to the recycler: only the restart strategy's annotation
 * (the run report lives on the recycler's Lease, never on the Deployment).
 */
export const RECYCLER_OWNED_FIELDS = [`spec.template.metadata.annotations["${RESTARTED_AT_ANNOTATION}"]`];

/**
 * An app whose pods can be rotated at any time without downtime: a Deployment with a surge-only rolling update,
 * readiness gating, graceful shutdown and Pod Security "restricted"; a Service; and a PodDisruptionBudget that
 * allows exactly one voluntary disruption at a time.
 */
export class RotatingApp extends pulumi.ComponentResource {
  private readonly resolved: AppSpec | pulumi.Output<AppSpec>;
  private specOutput?: pulumi.Output<AppSpec>;
  public readonly deployment: k8s.apps.v1.Deployment;
  /** The app's HorizontalPodAutoscaler, when autoscaling is set. */
  public readonly horizontalPodAutoscaler?: k8s.autoscaling.v2.HorizontalPodAutoscaler;
  public readonly service: k8s.core.v1.Service;
  public readonly podDisruptionBudget: k8s.policy.v1.PodDisruptionBudget;
  /** The app's PodRecycler, unless rotation.enabled is false. */
  public readonly recycler?: PodRecycler;
  /** Namespace of every object. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster DNS name of the Service. */
  public readonly serviceHost: pulumi.Output<string>;
  /** Labels that select the app's pods. */
  public readonly podSelector: pulumi.Output<Record<string, string>>;

  /** The app's settings with every default applied (built on first use: most programs never read it). */
  public get spec(): pulumi.Output<AppSpec> {
    this.specOutput ??= pulumi.output(this.resolved) as pulumi.Output<AppSpec>;
    return this.specOutput;
  }

  constructor(name: string, args: RotatingAppArgs, opts?: pulumi.ComponentResourceOptions) {
    // Args stay out of super(): registering Output-valued component inputs leaks promises (pulumi/pulumi#23953).
    super("rotor:index:RotatingApp", name, {}, opts);
    const { recyclerScriptConfigMap, ...appArgs } = args;
    const spec = resolveSpec(
      appArgs,
      (plain) => resolveApp(name, plain),
      (problems) => new pulumi.ResourceError(problemsMessage("RotatingApp", name, problems), this, true),
    );
    const manifests = lift(spec, buildAppManifests);
    const pick = <U>(f: (m: ReturnType<typeof buildAppManifests>) => U) =>
      lift(manifests, f) as pulumi.Input<U>;
    // dependsOn given to the component holds for each child (Pulumi does not pass it down by itself).
    const parent: pulumi.CustomResourceOptions = {
      parent: this,
      ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    };

    this.deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: pick((m) => m.deployment.metadata as k8s.types.input.meta.v1.ObjectMeta),
        spec: pick((m) => m.deployment.spec as k8s.types.input.apps.v1.DeploymentSpec),
      },
      { ...parent, ignoreChanges: RECYCLER_OWNED_FIELDS },
    );
    if (args.autoscaling !== undefined) {
      this.horizontalPodAutoscaler = new k8s.autoscaling.v2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
          metadata: pick((m) => m.horizontalPodAutoscaler?.metadata as k8s.types.input.meta.v1.ObjectMeta),
          spec: pick(
            (m) =>
              m.horizontalPodAutoscaler?.spec as k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec,
          ),
        },
        { ...parent, dependsOn: [this.deployment] },
      );
    }
    this.service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: pick((m) => m.service.metadata as k8s.types.input.meta.v1.ObjectMeta),
        spec: pick((m) => m.service.spec as k8s.types.input.core.v1.ServiceSpec),
      },
      parent,
    );
    this.podDisruptionBudget = new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: pick((m) => m.podDisruptionBudget.metadata as k8s.types.input.meta.v1.ObjectMeta),
        spec: pick((m) => m.podDisruptionBudget.spec as k8s.types.input.policy.v1.PodDisruptionBudgetSpec),
      },
      parent,
    );

    if (args.rotation?.enabled !== false) {
      const rotation = <U>(f: (r: AppSpec["rotation"]) => U) =>
        lift(spec, (s) => f(s.rotation)) as pulumi.Input<U>;
      this.recycler = new PodRecycler(
        recyclerName(name),
        {
          namespace: lift(spec, (s) => s.namespace),
          deployment: lift(spec, (s) => s.name),
          // Rotation must keep up with the most pods the app can run.
          replicas: lift(spec, (s) => s.autoscaling?.maxReplicas ?? s.replicas),
          partOf: lift(spec, (s) => s.partOf),
          maxAge: rotation((r) => r.maxAge),
          jitter: rotation((r) => r.jitter),
          schedule: rotation((r) => r.schedule),
          timeZone: rotation((r) => r.timeZone),
          windows: rotation((r) => [...r.windows]),
          maxRotationsPerRun: rotation((r) => r.maxRotationsPerRun),
          strategy: rotation((r) => r.strategy),
          readyTimeout: rotation((r) => r.readyTimeout),
          dryRun: rotation((r) => r.dryRun),
          suspend: rotation((r) => r.suspend),
          image: rotation((r) => r.image),
          ...(recyclerScriptConfigMap === undefined ? {} : { scriptConfigMap: recyclerScriptConfigMap }),
        },
        { parent: this, dependsOn: [this.deployment, this.podDisruptionBudget] },
      );
    }

    this.resolved = spec;
    this.namespace = pulumi.output(lift(spec, (s) => s.namespace));
    this.serviceHost = pulumi.output(lift(spec, (s) => `${s.name}.${s.namespace}.svc.cluster.local`));
    this.podSelector = pulumi.output(lift(spec, (s) => selectorLabels(s.name)));
    // The spec stays a property, not a registered output: serialising it into the state of every component
    // costs more than everything else the component registers.
    this.registerOutputs({
      namespace: this.namespace,
      serviceHost: this.serviceHost,
      podSelector: this.podSelector,
    });
  }
}
