import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import type { IService } from "kubernetes-models/v1/Service";
import type { IIoK8sApiCoreV1Probe as IProbe } from "kubernetes-models/v1/Probe";
import type { ProbeInput } from "./app-schema";
import type { AppSpec } from "./app-spec";
import { WAIVER_PREFIX } from "../contract/annotations";
import { APP_COMPONENT, objectLabels, selectorLabels } from "../contract/labels";

/**
 * Pure builders for an app's Kubernetes objects. `RotatingApp`, `rotor render` and the tests all call these, so
 * what Pulumi deploys and what the GitOps render writes are the same objects by construction.
 */

/** The Deployment, Service and PodDisruptionBudget of one app, and its HorizontalPodAutoscaler when it scales. */
export interface AppManifests {
  readonly deployment: IDeployment;
  readonly horizontalPodAutoscaler?: IHorizontalPodAutoscaler;
  readonly service: IService;
  readonly podDisruptionBudget: IPodDisruptionBudget;
}

/**
 * The waivers rotor writes on an app's Deployment for the options it supports that a rule would otherwise
 * refuse, each with its reason, so that `rotor check` and the policy pack pass what rotor renders and a reviewer
 * reads why in the manifest. Keyed by the annotation (`rotor.dev/waive.<rule-id>`).
 */
export function appWaivers(spec: AppSpec): Record<string, string> {
  const waivers: Record<string, string> = {};
  if (spec.replicas < 2) {
    waivers[`${WAIVER_PREFIX}deployment-min-replicas`] =
      "The catalog sets replicas: 1 with rotation.strategy: restart: rotation starts the new pod before the old one stops, but a node drain still takes the only pod down.";
  }
  if (!spec.rotation.enabled) {
    waivers[`${WAIVER_PREFIX}deployment-has-recycler`] =
      "The catalog sets rotation.enabled: false, so rotor creates no recycler for this app.";
  }
  return waivers;
}

/** Builds the app's objects from a resolved spec. */
export function buildAppManifests(spec: AppSpec): AppManifests {
  const selector = selectorLabels(spec.name);
  const labels = objectLabels(selector, APP_COMPONENT, {
    partOf: spec.partOf,
    version: spec.version,
    extra: spec.labels,
  });
  // A fresh metadata object per manifest: shared objects would alias in YAML and couple later edits.
  const metadata = () => ({ name: spec.name, namespace: spec.namespace, labels: { ...labels } });
  const scaling = spec.autoscaling;
  return {
    deployment: buildDeployment(spec, selector, labels),
    ...(scaling
      ? {
          horizontalPodAutoscaler: {
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: metadata(),
            spec: {
              scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: spec.name },
              minReplicas: scaling.minReplicas,
              maxReplicas: scaling.maxReplicas,
              metrics: [
                {
                  type: "Resource",
                  resource: {
                    name: "cpu",
                    target: {
                      type: "Utilization",
                      averageUtilization: scaling.targetCPUUtilizationPercentage,
                    },
                  },
                },
              ],
            },
          },
        }
      : {}),
    service: {
      apiVersion: "v1",
      kind: "Service",
      metadata: metadata(),
      spec: {
        type: spec.serviceType,
        selector,
        ports: spec.ports.map((p) => ({
          name: p.name,
          port: p.servicePort,
          targetPort: p.name,
          protocol: p.protocol,
        })),
      },
    },
    podDisruptionBudget: {
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: metadata(),
      spec: {
        ...spec.disruptionBudget,
        selector: { matchLabels: selector },
        unhealthyPodEvictionPolicy: spec.unhealthyPodEvictionPolicy,
      },
    },
  };
}

function buildDeployment(
  spec: AppSpec,
  selector: Record<string, string>,
  labels: Record<string, string>,
): IDeployment {
  const spread = (
    [
      ["kubernetes.io/hostname", spec.topologySpread.nodes],
      ["topology.kubernetes.io/zone", spec.topologySpread.zones],
    ] as const
  )
    .filter(([, mode]) => mode !== "Off")
    .map(([topologyKey, mode]) => ({
      maxSkew: 1,
      topologyKey,
      whenUnsatisfiable: mode as "ScheduleAnyway" | "DoNotSchedule",
      labelSelector: { matchLabels: selector },
      // Count only the current revision's pods, so a rollout's surge pods do not skew the spread.
      matchLabelKeys: ["pod-template-hash"],
    }));
  const sc = spec.securityContext;
  const waivers = appWaivers(spec);
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: spec.name,
      namespace: spec.namespace,
      labels,
      ...(Object.keys(waivers).length > 0 ? { annotations: waivers } : {}),
    },
    spec: {
      // With an autoscaler, leaving replicas out lets it own the field: applying this never resets the count.
      ...(spec.autoscaling ? {} : { replicas: spec.replicas }),
      revisionHistoryLimit: 5,
      minReadySeconds: spec.minReadySeconds,
      progressDeadlineSeconds: 600,
      selector: { matchLabels: selector },
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: spec.maxSurge, maxUnavailable: spec.maxUnavailable },
      },
      template: {
        metadata: {
          labels,
          ...(Object.keys(spec.podAnnotations).length > 0 ? { annotations: { ...spec.podAnnotations } } : {}),
        },
        spec: {
          automountServiceAccountToken: spec.automountServiceAccountToken,
          ...(spec.serviceAccountName ? { serviceAccountName: spec.serviceAccountName } : {}),
          enableServiceLinks: false,
          terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
          securityContext: {
            runAsNonRoot: true,
            ...(sc.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
            ...(sc.runAsGroup !== undefined ? { runAsGroup: sc.runAsGroup } : {}),
            ...(sc.fsGroup !== undefined ? { fsGroup: sc.fsGroup } : {}),
            seccompProfile: { type: "RuntimeDefault" },
          },
          ...(spread.length > 0 ? { topologySpreadConstraints: spread } : {}),
          containers: [
            {
              name: spec.name,
              image: spec.image,
              ...(spec.command ? { command: [...spec.command] } : {}),
              ...(spec.args ? { args: [...spec.args] } : {}),
              ports: spec.ports.map((p) => ({
                name: p.name,
                containerPort: p.containerPort,
                protocol: p.protocol,
              })),
              ...(spec.env.length > 0 ? { env: spec.env.map(([name, value]) => ({ name, value })) } : {}),
              resources: { requests: { ...spec.resources.requests }, limits: { ...spec.resources.limits } },
              readinessProbe: probe(spec.readinessProbe),
              ...(spec.livenessProbe ? { livenessProbe: probe(spec.livenessProbe) } : {}),
              ...(spec.startupProbe ? { startupProbe: probe(spec.startupProbe) } : {}),
              // The pause lets endpoint controllers and load balancers stop sending traffic before SIGTERM.
              lifecycle: { preStop: { sleep: { seconds: spec.preStopSleepSeconds } } },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
                runAsNonRoot: true,
                capabilities: { drop: ["ALL"] },
              },
              ...(sc.readOnlyRootFilesystem ? { volumeMounts: [{ name: "tmp", mountPath: "/tmp" }] } : {}),
            },
          ],
          ...(sc.readOnlyRootFilesystem
            ? { volumes: [{ name: "tmp", emptyDir: { sizeLimit: "64Mi" } }] }
            : {}),
        },
      },
    },
  };
}

/** Copies a probe so builders never share objects with their input. */
function probe(input: ProbeInput): IProbe {
  return JSON.parse(JSON.stringify(input)) as IProbe;
}
