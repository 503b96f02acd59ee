/**
 * KWOK's configuration: which nodes it manages and the Stages that fake the node and pod lifecycle.
 *
 * The pod Stages model what rotor cares about, with the delays as settings:
 * - pod-ready: a scheduled pod becomes Running and Ready `readyDelayMs` after it was created (a pod annotation
 *   `e2e.rotor.dev/ready-delay: "3s"` overrides it per pod); a pod annotated `e2e.rotor.dev/never-ready` never
 *   becomes Ready (a replacement that never starts);
 * - pod-delete: a pod being deleted is removed `deleteDelayMs` after its deletion started (a pod annotation
 *   `e2e.rotor.dev/delete-delay` overrides it); a finalizer keeps it terminating, as in a real cluster;
 * - pod-complete: a Job's pod succeeds once it is Running (the recycler Job's script does not run under KWOK).
 */
import { stringify } from "yaml";

export const NODE_ANNOTATION = "kwok.x-k8s.io/node";
export const READY_DELAY_ANNOTATION = "e2e.rotor.dev/ready-delay";
export const NEVER_READY_ANNOTATION = "e2e.rotor.dev/never-ready";
export const DELETE_DELAY_ANNOTATION = "e2e.rotor.dev/delete-delay";

export interface KwokSettings {
  readonly serverAddress: string;
  /** Pod created → Ready. */
  readonly readyDelayMs: number;
  /** Deletion requested → pod gone. */
  readonly deleteDelayMs: number;
}

const POD = { apiGroup: "v1", kind: "Pod" };
const NODE = { apiGroup: "v1", kind: "Node" };

const readyStatus = `{{ $now := Now }}
conditions:
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Initialized
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: PodReadyToStartContainers
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: ContainersReady
- lastTransitionTime: {{ $now | Quote }}
  status: "True"
  type: Ready
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: true
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{ $now | Quote }}
{{ end }}
{{ with NodeIPsWith .spec.nodeName }}
hostIP: {{ index . 0 | Quote }}
hostIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
{{ with PodIPsWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) }}
podIP: {{ index . 0 | Quote }}
podIPs:
{{ range . }}
- ip: {{ . | Quote }}
{{ end }}
{{ end }}
phase: Running
startTime: {{ $now | Quote }}
`;

const completeStatus = `{{ $now := Now }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: Succeeded
`;

const nodeStatus = `{{ $now := Now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $now | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
addresses:
{{ with NodeIP }}
- address: {{ . | Quote }}
  type: InternalIP
{{ end }}
{{ with NodeName }}
- address: {{ . | Quote }}
  type: Hostname
{{ end }}
allocatable:
  cpu: "32"
  memory: 128Gi
  pods: "110"
capacity:
  cpu: "32"
  memory: 128Gi
  pods: "110"
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: fake
  kubeProxyVersion: fake
phase: Running
`;

function annotation(name: string): string {
  return `.metadata.annotations["${name}"]`;
}

/** The `--config` file KWOK reads: its options (parallelism must be set explicitly) and every Stage. */
export function kwokConfig(settings: KwokSettings): string {
  const docs: unknown[] = [
    {
      apiVersion: "config.kwok.x-k8s.io/v1alpha1",
      kind: "KwokConfiguration",
      options: {
        manageAllNodes: false,
        manageNodesWithAnnotationSelector: `${NODE_ANNOTATION}=fake`,
        cidr: "10.244.0.0/16",
        nodeIP: "10.250.0.1",
        serverAddress: settings.serverAddress,
        nodeLeaseDurationSeconds: 40,
        nodeLeaseParallelism: 4,
        nodePlayStageParallelism: 4,
        podPlayStageParallelism: 8,
        podsOnNodeSyncParallelism: 4,
      },
    },
    {
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "Stage",
      metadata: { name: "node-initialize" },
      spec: {
        resourceRef: NODE,
        selector: {
          matchExpressions: [
            {
              key: '.status.conditions.[] | select( .type == "Ready" ) | .status',
              operator: "NotIn",
              values: ["True"],
            },
          ],
        },
        next: { statusTemplate: nodeStatus },
      },
    },
    {
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "Stage",
      metadata: { name: "pod-ready" },
      spec: {
        resourceRef: POD,
        selector: {
          matchExpressions: [
            { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
            { key: ".status.phase", operator: "In", values: ["Pending"] },
            { key: annotation(NEVER_READY_ANNOTATION), operator: "DoesNotExist" },
          ],
        },
        delay: {
          durationMilliseconds: settings.readyDelayMs,
          durationFrom: { expressionFrom: annotation(READY_DELAY_ANNOTATION) },
        },
        next: { statusTemplate: readyStatus },
      },
    },
    {
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "Stage",
      metadata: { name: "pod-complete" },
      spec: {
        resourceRef: POD,
        selector: {
          matchExpressions: [
            { key: ".metadata.deletionTimestamp", operator: "DoesNotExist" },
            { key: ".status.phase", operator: "In", values: ["Running"] },
            { key: ".metadata.ownerReferences.[].kind", operator: "In", values: ["Job"] },
          ],
        },
        next: { statusTemplate: completeStatus },
      },
    },
    {
      apiVersion: "kwok.x-k8s.io/v1alpha1",
      kind: "Stage",
      metadata: { name: "pod-delete" },
      spec: {
        resourceRef: POD,
        selector: { matchExpressions: [{ key: ".metadata.deletionTimestamp", operator: "Exists" }] },
        delay: {
          durationMilliseconds: settings.deleteDelayMs,
          durationFrom: { expressionFrom: annotation(DELETE_DELAY_ANNOTATION) },
        },
        next: { delete: true },
      },
    },
  ];
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}
