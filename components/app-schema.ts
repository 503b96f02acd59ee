import { z } from "zod";
import { DNS_LABEL, DNS_LABEL_MAX } from "../contract/names";

/**
 * The shape of one app, as catalog files write it and as `RotatingApp` receives it once its inputs resolve.
 * This zod schema is the single source of truth for field names, types and structural limits; the published
 * JSON Schema (schema/catalog.schema.json) is generated from it. Defaults and the rules that relate fields to
 * each other (zero-downtime combinations) live in `app-spec.ts`, because they need the whole app at once.
 */

// Port names (IANA_SVC_NAME) use the DNS-label alphabet, at most 15 characters.
const PORT_NAME = DNS_LABEL;
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/** A text field that must be a non-empty string. */
const text = (description: string) => z.string().min(1).meta({ description });
const seconds = (description: string) => z.number().int().min(0).meta({ description });

const intOrString = z.union([z.number().int().min(1).max(65535), z.string().regex(PORT_NAME).max(15)]);

const httpGet = z.strictObject({
  path: z.string().startsWith("/").optional().meta({ description: "HTTP path to request. Default: /" }),
  port: intOrString.meta({ description: "Container port number or name." }),
  scheme: z.enum(["HTTP", "HTTPS"]).optional(),
  httpHeaders: z.array(z.strictObject({ name: z.string().min(1), value: z.string() })).optional(),
});

/** A Kubernetes probe, with exactly one handler. */
export const probeSchema = z
  .strictObject({
    httpGet: httpGet.optional(),
    tcpSocket: z.strictObject({ port: intOrString }).optional(),
    grpc: z
      .strictObject({ port: z.number().int().min(1).max(65535), service: z.string().optional() })
      .optional(),
    exec: z.strictObject({ command: z.array(z.string()).min(1) }).optional(),
    initialDelaySeconds: seconds("Seconds after the container starts before the first probe.").optional(),
    periodSeconds: z.number().int().min(1).optional(),
    timeoutSeconds: z.number().int().min(1).optional(),
    successThreshold: z.number().int().min(1).optional(),
    failureThreshold: z.number().int().min(1).optional(),
  })
  .meta({
    id: "Probe",
    description:
      "A Kubernetes probe with exactly one handler (https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/).",
  });

export const portSchema = z.strictObject({
  name: z
    .string()
    .regex(PORT_NAME)
    .max(15)
    .meta({ description: "IANA service name of the port (lowercase, at most 15 characters), e.g. http." }),
  containerPort: z.number().int().min(1).max(65535).meta({ description: "Port the container listens on." }),
  servicePort: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .meta({ description: "Port the Service exposes. Default: containerPort." }),
  protocol: z.enum(["TCP", "UDP", "SCTP"]).optional().meta({ description: "Default: TCP." }),
});

const resourceList = (description: string) =>
  z
    .strictObject({
      // YAML users write `cpu: 1`; Kubernetes quantities are strings, so numbers are read as their text.
      cpu: z.union([z.string(), z.number()]).transform(String).optional(),
      memory: z.union([z.string(), z.number()]).transform(String).optional(),
    })
    .meta({ description });

export const resourcesSchema = z.strictObject({
  requests: resourceList("Default: cpu 100m, memory 128Mi.").optional(),
  limits: resourceList(
    "Default: memory 256Mi and no CPU limit (CPU limits throttle; memory limits contain leaks).",
  ).optional(),
});

/** Rotation settings: what the app's PodRecycler enforces. */
export const rotationSchema = z.strictObject({
  enabled: z.boolean().optional().meta({ description: "Create the PodRecycler. Default: true." }),
  maxAge: text("Maximum pod age before rotation, like 24h or 7d. Default: 24h.").optional(),
  jitter: text(
    "Largest per-pod delay added to maxAge, derived from the pod UID. Default: a tenth of maxAge.",
  ).optional(),
  schedule: text('Cron schedule of recycler runs. Default: "*/15 * * * *".').optional(),
  timeZone: text("IANA time zone of the schedule and windows. Default: Etc/UTC.").optional(),
  windows: z.array(z.string()).optional().meta({
    description: 'Allowed rotation windows like "Mon-Fri 09:00-17:00". Default: none, meaning always.',
  }),
  maxRotationsPerRun: z.number().int().min(1).max(100).optional().meta({ description: "Default: 1." }),
  strategy: z.enum(["evict", "restart"]).optional().meta({
    description: "evict one pod at a time (default) or roll the Deployment (kubectl rollout restart).",
  }),
  readyTimeout: text("How long to wait for a replacement to become Ready. Default: 10m.").optional(),
  dryRun: z.boolean().optional().meta({ description: "Plan and report, never evict. Default: false." }),
  suspend: z.boolean().optional().meta({ description: "Suspend the CronJob. Default: false." }),
  image: text(
    "Node.js image the recycler runs in. Default: a pinned non-root-capable node:alpine image.",
  ).optional(),
});

export const securityContextSchema = z.strictObject({
  runAsUser: z.number().int().min(1).optional().meta({ description: "UID to run as (must not be 0)." }),
  runAsGroup: z.number().int().min(1).optional(),
  fsGroup: z.number().int().min(1).optional(),
  readOnlyRootFilesystem: z
    .boolean()
    .optional()
    .meta({ description: "Default: true (a writable /tmp is mounted)." }),
});

const spreadMode = z.enum(["ScheduleAnyway", "DoNotSchedule", "Off"]);

/** A HorizontalPodAutoscaler on CPU: it owns the replica count, so the Deployment is rendered without one. */
export const autoscalingSchema = z
  .strictObject({
    minReplicas: z.number().int().min(1).max(1000).meta({
      description: "Fewest replicas; at least 2 unless rotation.strategy is restart.",
    }),
    maxReplicas: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .meta({ description: "Most replicas; at least minReplicas." }),
    targetCPUUtilizationPercentage: z.number().int().min(1).max(1000).optional().meta({
      description: "Average CPU use, in percent of the CPU request, the autoscaler aims for. Default: 80.",
    }),
  })
  .meta({
    description:
      "Scale with a HorizontalPodAutoscaler (autoscaling/v2) instead of a fixed replicas; the Deployment then has no spec.replicas, so applying it never fights the autoscaler.",
  });

/** Every field of an app. `image` and `ports` are required once base and overlays are merged. */
export const appSchema = z.strictObject({
  image: text("Container image, pinned by tag or digest (never latest).").regex(/^\S+$/),
  namespace: z
    .string()
    .regex(DNS_LABEL)
    .max(DNS_LABEL_MAX)
    .optional()
    .meta({ description: "Default: the catalog's namespace." }),
  partOf: z
    .string()
    .min(1)
    .max(DNS_LABEL_MAX)
    .optional()
    .meta({ description: "app.kubernetes.io/part-of. Default: the app name." }),
  replicas: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: "Default: 2. Not with autoscaling, which owns the count." }),
  autoscaling: autoscalingSchema.optional(),
  ports: z.array(portSchema).min(1).meta({ description: "Container ports; the Service exposes each one." }),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z
    .record(z.string().regex(ENV_NAME), z.string())
    .optional()
    .meta({ description: "Environment variables as NAME: value." }),
  resources: resourcesSchema.optional(),
  readinessProbe: probeSchema.optional().meta({ description: "Default: a TCP check on the first port." }),
  livenessProbe: probeSchema
    .optional()
    .meta({ description: "Default: none (a wrong liveness probe restarts healthy pods)." }),
  startupProbe: probeSchema.optional(),
  minReadySeconds: seconds(
    "Seconds a new pod must stay Ready before it counts as available. Default: 10.",
  ).optional(),
  maxSurge: z
    .number()
    .int()
    .min(0)
    .optional()
    .meta({ description: "Extra pods during a rolling update. Default: 1." }),
  maxUnavailable: z.number().int().min(0).optional().meta({ description: "Default: 0." }),
  preStopSleepSeconds: seconds("Pause before SIGTERM so endpoints drain. Default: 5.").optional(),
  terminationGracePeriodSeconds: seconds("Default: 30.").optional(),
  disruptionBudget: z
    .strictObject({
      maxUnavailable: z.number().int().min(0).optional(),
      minAvailable: z.number().int().min(0).optional(),
    })
    .optional()
    .meta({ description: "Set one of maxUnavailable or minAvailable. Default: maxUnavailable 1." }),
  unhealthyPodEvictionPolicy: z
    .enum(["AlwaysAllow", "IfHealthyBudget"])
    .optional()
    .meta({ description: "Default: AlwaysAllow, so a stuck pod can be replaced." }),
  topologySpread: z
    .strictObject({ nodes: spreadMode.optional(), zones: spreadMode.optional() })
    .optional()
    .meta({ description: "Spread across nodes and zones. Default: ScheduleAnyway for both." }),
  securityContext: securityContextSchema.optional(),
  serviceAccountName: z.string().regex(DNS_LABEL).optional(),
  automountServiceAccountToken: z.boolean().optional().meta({
    description: "Mount the ServiceAccount token, for apps that call the Kubernetes API. Default: false.",
  }),
  serviceType: z
    .enum(["ClusterIP", "NodePort", "LoadBalancer"])
    .optional()
    .meta({ description: "Default: ClusterIP." }),
  labels: z
    .record(z.string(), z.string())
    .optional()
    .meta({ description: "Extra labels on every object (never in selectors)." }),
  podAnnotations: z.record(z.string(), z.string()).optional(),
  rotation: rotationSchema.optional(),
});

/** An app as one catalog layer writes it: any field may come from another layer, so none is required yet. */
export const appOverlaySchema = appSchema
  .partial()
  .extend({
    enabled: z
      .boolean()
      .optional()
      .meta({ description: "Set false to remove an app this environment inherits." }),
  })
  .meta({
    id: "App",
    description: "One app: a Deployment, a Service, a PodDisruptionBudget and a PodRecycler.",
  });

export type AppInput = z.infer<typeof appSchema>;
export type AppOverlay = z.infer<typeof appOverlaySchema>;
export type ProbeInput = z.infer<typeof probeSchema>;
export type RotationInput = z.infer<typeof rotationSchema>;
