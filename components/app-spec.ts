import { APP_NAME_MAX, CRONJOB_NAME_MAX, DNS_LABEL } from "../contract/names";
import { appSchema, type AppInput, type ProbeInput } from "./app-schema";
import { show, type Problem } from "./problems";
import { parseQuantity, QUANTITY_RULE } from "./quantity";
import { resolveRotation, type RotationSpec } from "./rotation";
import { withoutRejected, zodProblems } from "./zod-problems";

/** A port with its defaults applied. */
export interface PortSpec {
  readonly name: string;
  readonly containerPort: number;
  readonly servicePort: number;
  readonly protocol: "TCP" | "UDP" | "SCTP";
}

/** A HorizontalPodAutoscaler's settings, with defaults applied. */
export interface AutoscalingSpec {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly targetCPUUtilizationPercentage: number;
}

/** One app with every default applied and every rule checked: what the manifest builders consume. */
export interface AppSpec {
  readonly name: string;
  readonly namespace: string;
  readonly image: string;
  readonly version: string;
  readonly partOf: string;
  /** The replicas rotor plans budgets for: `replicas`, or with autoscaling its minReplicas. */
  readonly replicas: number;
  /** Set when a HorizontalPodAutoscaler owns the replica count (the Deployment then has no spec.replicas). */
  readonly autoscaling?: AutoscalingSpec;
  readonly ports: readonly PortSpec[];
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: readonly (readonly [string, string])[];
  readonly resources: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly memory: string; readonly cpu?: string };
  };
  readonly readinessProbe: ProbeInput;
  readonly livenessProbe?: ProbeInput;
  readonly startupProbe?: ProbeInput;
  readonly minReadySeconds: number;
  readonly maxSurge: number;
  readonly maxUnavailable: number;
  readonly preStopSleepSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  readonly disruptionBudget: { readonly maxUnavailable: number } | { readonly minAvailable: number };
  readonly unhealthyPodEvictionPolicy: "AlwaysAllow" | "IfHealthyBudget";
  readonly topologySpread: {
    readonly nodes: "ScheduleAnyway" | "DoNotSchedule" | "Off";
    readonly zones: "ScheduleAnyway" | "DoNotSchedule" | "Off";
  };
  readonly securityContext: {
    readonly runAsUser?: number;
    readonly runAsGroup?: number;
    readonly fsGroup?: number;
    readonly readOnlyRootFilesystem: boolean;
  };
  readonly serviceAccountName?: string;
  readonly automountServiceAccountToken: boolean;
  readonly serviceType: "ClusterIP" | "NodePort" | "LoadBalancer";
  readonly labels: Readonly<Record<string, string>>;
  readonly podAnnotations: Readonly<Record<string, string>>;
  readonly rotation: RotationSpec;
}

/** The result of resolving an app: a spec when there are no problems, every problem otherwise. */
export interface Resolved<T> {
  readonly spec?: T;
  readonly problems: readonly Problem[];
}

/**
 * Validates one app and applies its defaults: the one place rotor's zero-downtime defaults live. Reports every
 * problem at once; `spec` is set only when there are none.
 *
 * @param name the app name; it names every object and must be a DNS-1123 label of at most 43 characters.
 * @param input the app as written (catalog entry after merging, or resolved component args).
 * @param defaultNamespace namespace used when the app does not set one.
 */
export function resolveApp(name: string, input: unknown, defaultNamespace = "default"): Resolved<AppSpec> {
  const problems: Problem[] = [];
  if (!DNS_LABEL.test(name) || name.length > APP_NAME_MAX) {
    problems.push({
      path: [],
      message: `app name ${show(name)} is not valid: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most ${APP_NAME_MAX} characters (the name becomes object names, and "<name>-recycler" names a CronJob, limited to ${CRONJOB_NAME_MAX}). Rename the app.`,
    });
  }
  let parsed = appSchema.safeParse(input);
  if (!parsed.success) {
    problems.push(...zodProblems(appSchema, input, parsed.error.issues));
    parsed = appSchema.safeParse(withoutRejected(input, parsed.error.issues));
    if (!parsed.success) return { problems };
  }
  const app: AppInput = parsed.data;

  const autoscaling: AutoscalingSpec | undefined = app.autoscaling && {
    minReplicas: app.autoscaling.minReplicas,
    maxReplicas: app.autoscaling.maxReplicas,
    targetCPUUtilizationPercentage: app.autoscaling.targetCPUUtilizationPercentage ?? 80,
  };
  // Budgets must hold at the fewest pods the app runs; rotation must keep up with the most.
  const replicas = autoscaling?.minReplicas ?? app.replicas ?? 2;
  const mostReplicas = autoscaling?.maxReplicas ?? replicas;
  const ports: PortSpec[] = app.ports.map((p) => ({
    name: p.name,
    containerPort: p.containerPort,
    servicePort: p.servicePort ?? p.containerPort,
    protocol: p.protocol ?? "TCP",
  }));
  const maxSurge = app.maxSurge ?? 1;
  const maxUnavailable = app.maxUnavailable ?? 0;
  const preStopSleepSeconds = app.preStopSleepSeconds ?? 5;
  const terminationGracePeriodSeconds = app.terminationGracePeriodSeconds ?? 30;
  const budget = app.disruptionBudget ?? {};
  const rotation = resolveRotation(app.rotation, { replicas: mostReplicas });
  problems.push(...rotation.problems.map((p) => ({ ...p, path: ["rotation", ...p.path] })));

  checkImage(app.image, problems);
  checkPorts(ports, problems);
  const readinessProbe = app.readinessProbe ?? deriveReadinessProbe(ports, problems);
  for (const key of ["readinessProbe", "livenessProbe", "startupProbe"] as const) {
    const probe = key === "readinessProbe" ? readinessProbe : app[key];
    if (probe) checkProbe(key, probe, ports, problems);
  }

  const strategy = rotation.spec?.strategy ?? app.rotation?.strategy ?? "evict";
  if (autoscaling) checkAutoscaling(autoscaling, app.replicas, strategy, problems);
  else if (replicas < 2 && strategy !== "restart") {
    problems.push({
      combination: true,
      path: ["replicas"],
      message: `(${replicas}) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.`,
    });
  }
  if (maxSurge === 0 && maxUnavailable === 0) {
    problems.push({
      combination: true,
      path: ["maxSurge"],
      message:
        "(0) together with maxUnavailable 0 leaves a rolling update no way to progress. Use maxSurge: 1.",
    });
  }
  if (replicas < 2 && maxSurge < 1) {
    problems.push({
      combination: true,
      path: ["maxSurge"],
      message: `(${maxSurge}) must be at least 1 for a single replica: the restart strategy needs a surge pod to stay up. Use maxSurge: 1.`,
    });
  }

  let disruptionBudget: AppSpec["disruptionBudget"] = { maxUnavailable: 1 };
  if (budget.maxUnavailable !== undefined && budget.minAvailable !== undefined) {
    problems.push({
      path: ["disruptionBudget"],
      message: `sets both maxUnavailable (${budget.maxUnavailable}) and minAvailable (${budget.minAvailable}); Kubernetes allows only one. Keep maxUnavailable.`,
    });
  } else if (budget.minAvailable !== undefined) {
    disruptionBudget = { minAvailable: budget.minAvailable };
    if (budget.minAvailable >= replicas) {
      problems.push({
        combination: true,
        path: ["disruptionBudget", "minAvailable"],
        message: `(${budget.minAvailable}) allows no voluntary disruption with ${replicas} replicas: every eviction is refused, so rotation and node drains block forever. Use at most ${replicas - 1}, or maxUnavailable: 1.`,
      });
    }
  } else if (budget.maxUnavailable !== undefined) {
    disruptionBudget = { maxUnavailable: budget.maxUnavailable };
    if (budget.maxUnavailable === 0) {
      problems.push({
        path: ["disruptionBudget", "maxUnavailable"],
        message:
          "(0) allows no voluntary disruption: every eviction is refused, so rotation and node drains block forever. Use maxUnavailable: 1.",
      });
    } else if (budget.maxUnavailable >= replicas && replicas >= 2) {
      problems.push({
        combination: true,
        path: ["disruptionBudget", "maxUnavailable"],
        message: `(${budget.maxUnavailable}) lets all ${replicas} replicas be evicted at once, which is downtime. Use at most ${replicas - 1}.`,
      });
    }
  }
  const budgetAllows =
    "maxUnavailable" in disruptionBudget
      ? disruptionBudget.maxUnavailable
      : replicas - disruptionBudget.minAvailable;
  if (maxUnavailable > 0 && maxUnavailable > budgetAllows) {
    problems.push({
      combination: true,
      path: ["maxUnavailable"],
      message: `(${maxUnavailable}) takes more pods down during a rolling update than the disruption budget allows (${budgetAllows}). Use maxUnavailable: 0 with maxSurge: 1, or at most ${budgetAllows}.`,
    });
  }
  if (maxUnavailable >= replicas && replicas >= 2) {
    problems.push({
      combination: true,
      path: ["maxUnavailable"],
      message: `(${maxUnavailable}) lets a rolling update stop all ${replicas} replicas at once. Use maxUnavailable: 0 with maxSurge: 1.`,
    });
  }
  if (terminationGracePeriodSeconds <= preStopSleepSeconds) {
    problems.push({
      combination: true,
      path: ["terminationGracePeriodSeconds"],
      message: `(${terminationGracePeriodSeconds}) must be greater than preStopSleepSeconds (${preStopSleepSeconds}): the grace period includes the pre-stop pause, so the process would be killed before it can shut down. Use at least ${preStopSleepSeconds + 10}.`,
    });
  }

  const requests = {
    cpu: String(app.resources?.requests?.cpu ?? "100m"),
    memory: String(app.resources?.requests?.memory ?? "128Mi"),
  };
  const limitCpu = app.resources?.limits?.cpu;
  const limits = {
    memory: String(app.resources?.limits?.memory ?? "256Mi"),
    ...(limitCpu === undefined ? {} : { cpu: String(limitCpu) }),
  };
  checkResources(requests, limits, problems);

  const readOnlyRootFilesystem = app.securityContext?.readOnlyRootFilesystem ?? true;
  if (problems.length > 0 || !rotation.spec || !readinessProbe) return { problems };

  return {
    problems,
    spec: {
      name,
      namespace: app.namespace ?? defaultNamespace,
      image: app.image,
      version: imageVersion(app.image),
      partOf: app.partOf ?? name,
      replicas,
      ...(autoscaling ? { autoscaling } : {}),
      ports,
      ...(app.command ? { command: app.command } : {}),
      ...(app.args ? { args: app.args } : {}),
      env: Object.entries(app.env ?? {}),
      resources: { requests, limits },
      readinessProbe,
      ...(app.livenessProbe ? { livenessProbe: app.livenessProbe } : {}),
      ...(app.startupProbe ? { startupProbe: app.startupProbe } : {}),
      minReadySeconds: app.minReadySeconds ?? 10,
      maxSurge,
      maxUnavailable,
      preStopSleepSeconds,
      terminationGracePeriodSeconds,
      disruptionBudget,
      unhealthyPodEvictionPolicy: app.unhealthyPodEvictionPolicy ?? "AlwaysAllow",
      topologySpread: {
        nodes: app.topologySpread?.nodes ?? "ScheduleAnyway",
        zones: app.topologySpread?.zones ?? "ScheduleAnyway",
      },
      securityContext: { ...app.securityContext, readOnlyRootFilesystem },
      ...(app.serviceAccountName ? { serviceAccountName: app.serviceAccountName } : {}),
      automountServiceAccountToken: app.automountServiceAccountToken ?? false,
      serviceType: app.serviceType ?? "ClusterIP",
      labels: app.labels ?? {},
      podAnnotations: app.podAnnotations ?? {},
      rotation: rotation.spec,
    },
  };
}

function checkAutoscaling(
  autoscaling: AutoscalingSpec,
  replicas: number | undefined,
  strategy: string,
  problems: Problem[],
): void {
  const { minReplicas, maxReplicas } = autoscaling;
  if (replicas !== undefined) {
    problems.push({
      path: ["replicas"],
      message: `(${replicas}) is set together with autoscaling: the HorizontalPodAutoscaler owns the replica count, and a Deployment that sets spec.replicas fights it on every apply (server-side apply conflicts on .spec.replicas). Remove replicas, or remove autoscaling.`,
    });
  }
  if (minReplicas < 2 && strategy !== "restart") {
    problems.push({
      path: ["autoscaling", "minReplicas"],
      message: `(${minReplicas}) must be at least 2 for zero-downtime rotation: at one replica, evicting the only pod leaves nothing to serve. Use minReplicas: 2 or more, or set rotation.strategy: restart.`,
    });
  }
  if (maxReplicas < minReplicas) {
    problems.push({
      path: ["autoscaling", "maxReplicas"],
      message: `(${maxReplicas}) is below autoscaling.minReplicas (${minReplicas}): the autoscaler could never run the minimum. Use maxReplicas: ${minReplicas} or more.`,
    });
  }
}

/** The version label value: the tag of the image, or the first 12 hex digits of its digest. */
export function imageVersion(image: string): string {
  const at = image.indexOf("@");
  if (at >= 0)
    return image
      .slice(at + 1)
      .replace(/^sha256:/, "")
      .slice(0, 12);
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? image.slice(colon + 1).slice(0, 63) : "";
}

function checkImage(image: string, problems: Problem[]): void {
  const version = imageVersion(image);
  if (version === "" || version === "latest") {
    problems.push({
      path: ["image"],
      message: `(${show(image)}) must be pinned to a version tag or digest: every rotated pod pulls the image again, so a moving tag like latest would silently upgrade the app. Use e.g. ${show(`${image.replace(/:latest$/, "")}:1.2.3`)}.`,
    });
  }
}

function checkPorts(ports: readonly PortSpec[], problems: Problem[]): void {
  const seen = new Map<string, number>();
  ports.forEach((port, i) => {
    const first = seen.get(port.name);
    if (first !== undefined) {
      problems.push({
        path: ["ports", i, "name"],
        message: `(${show(port.name)}) is already used by ports[${first}]; port names must be unique. Rename one of them.`,
      });
    } else seen.set(port.name, i);
  });
  const servicePorts = new Map<string, number>();
  ports.forEach((port, i) => {
    const key = `${port.protocol}/${port.servicePort}`;
    const first = servicePorts.get(key);
    if (first !== undefined) {
      problems.push({
        path: ["ports", i, "servicePort"],
        message: `(${port.servicePort}) is already exposed by ports[${first}] over ${port.protocol}. Give each port its own servicePort.`,
      });
    } else servicePorts.set(key, i);
  });
}

function deriveReadinessProbe(ports: readonly PortSpec[], problems: Problem[]): ProbeInput | undefined {
  const tcp = ports.find((p) => p.protocol === "TCP");
  if (!tcp) {
    problems.push({
      combination: true,
      path: ["readinessProbe"],
      message:
        "is required: none was given and none can be derived, because no port speaks TCP. Add a readinessProbe (exec or grpc) so traffic only reaches pods that are ready.",
    });
    return undefined;
  }
  return { tcpSocket: { port: tcp.name }, periodSeconds: 5, failureThreshold: 3 };
}

function checkProbe(key: string, probe: ProbeInput, ports: readonly PortSpec[], problems: Problem[]): void {
  const handlers = (["httpGet", "tcpSocket", "grpc", "exec"] as const).filter((h) => probe[h] !== undefined);
  if (handlers.length !== 1) {
    problems.push({
      path: [key],
      message:
        handlers.length === 0
          ? "has no handler. Set exactly one of httpGet, tcpSocket, grpc or exec."
          : `has ${handlers.length} handlers (${handlers.join(", ")}); Kubernetes allows exactly one. Keep one of them.`,
    });
  }
  for (const handler of ["httpGet", "tcpSocket"] as const) {
    const port = probe[handler]?.port;
    if (typeof port === "string" && !ports.some((p) => p.name === port)) {
      problems.push({
        combination: true,
        path: [key, handler, "port"],
        message: `(${show(port)}) names no port of this app. Use one of ${[...new Set(ports.map((p) => JSON.stringify(p.name)))].join(", ")} or a port number.`,
      });
    }
  }
}

function checkResources(
  requests: { cpu: string; memory: string },
  limits: { memory: string; cpu?: string },
  problems: Problem[],
): void {
  const parsed: Record<string, number | undefined> = {};
  for (const [kind, list] of [
    ["requests", requests],
    ["limits", limits],
  ] as const) {
    for (const [resource, value] of Object.entries(list)) {
      if (value === undefined) continue;
      const amount = parseQuantity(value);
      parsed[`${kind}.${resource}`] = amount;
      if (amount === undefined || amount <= 0) {
        problems.push({
          path: ["resources", kind, resource],
          message: `(${show(value)}) must be ${QUANTITY_RULE}, above zero.`,
        });
      }
    }
  }
  for (const resource of ["cpu", "memory"]) {
    const request = parsed[`requests.${resource}`];
    const limit = parsed[`limits.${resource}`];
    if (request !== undefined && limit !== undefined && request > 0 && limit > 0 && limit < request) {
      problems.push({
        combination: true,
        path: ["resources", "limits", resource],
        message: `(${show((limits as Record<string, string>)[resource])}) is below the request (${show((requests as Record<string, string>)[resource])}); Kubernetes rejects such pods. Raise the limit or lower the request.`,
      });
    }
  }
}
