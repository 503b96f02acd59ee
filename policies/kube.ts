import {
  selectorMatches as labelSelectorMatches,
  type LabelSelectorRequirement,
} from "../contract/label-selector";
import type { FieldPath, KubeObject } from "./kube-object";

/**
 * Typed, defensive reads of Kubernetes objects and the bits of Kubernetes semantics rules need: label selectors,
 * pod templates and how objects are named in messages (int-or-percent values are resolved by `contract/`).
 */

export type Dict = Readonly<Record<string, unknown>>;

/** The object's field as a plain object, or undefined when it is missing or not an object. */
export function dict(value: unknown): Dict | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Dict) : undefined;
}

/** The value as an array, or an empty array when it is missing or not an array. */
export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The value when it is a string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Reads a nested field; undefined as soon as a step is missing. */
export function field(value: unknown, path: FieldPath): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === "number") current = Array.isArray(current) ? current[key] : undefined;
    else current = dict(current)?.[key];
    if (current === undefined) return undefined;
  }
  return current;
}

/** A string-to-string map (labels, annotations, a Service selector); non-string values are dropped. */
export function stringMap(value: unknown): Readonly<Record<string, string>> {
  const source = dict(value);
  if (!source) return EMPTY;
  // The usual case, every value a string, needs no copy (objects are never modified once loaded).
  let clean = true;
  for (const key in source) {
    if (typeof source[key] !== "string") {
      clean = false;
      break;
    }
  }
  if (clean) return source as Readonly<Record<string, string>>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(source)) if (typeof v === "string") out[k] = v;
  return out;
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** The API group of an object: `apps` for `apps/v1`, `core` for `v1`. */
export function groupOf(object: KubeObject): string {
  const slash = object.apiVersion.indexOf("/");
  return slash < 0 ? "core" : object.apiVersion.slice(0, slash);
}

/** `group/Kind`, the key rules use to recognise objects: `apps/Deployment`, `core/Service`. */
export function typeKey(object: KubeObject): string {
  return `${groupOf(object)}/${object.kind}`;
}

export const DEPLOYMENT = "apps/Deployment";
export const STATEFUL_SET = "apps/StatefulSet";
export const DAEMON_SET = "apps/DaemonSet";
export const REPLICA_SET = "apps/ReplicaSet";
export const JOB = "batch/Job";
export const CRON_JOB = "batch/CronJob";
export const POD = "core/Pod";
export const REPLICATION_CONTROLLER = "core/ReplicationController";
export const SERVICE = "core/Service";
export const SERVICE_ACCOUNT = "core/ServiceAccount";
export const PDB = "policy/PodDisruptionBudget";
export const HPA = "autoscaling/HorizontalPodAutoscaler";
export const ROLE = "rbac.authorization.k8s.io/Role";
export const CLUSTER_ROLE = "rbac.authorization.k8s.io/ClusterRole";
export const ROLE_BINDING = "rbac.authorization.k8s.io/RoleBinding";
export const CLUSTER_ROLE_BINDING = "rbac.authorization.k8s.io/ClusterRoleBinding";

/** Where each kind with pods keeps its pod template; a Pod is its own template. */
const POD_TEMPLATE_PATHS: Readonly<Record<string, FieldPath>> = {
  [DEPLOYMENT]: ["spec", "template"],
  [STATEFUL_SET]: ["spec", "template"],
  [DAEMON_SET]: ["spec", "template"],
  [REPLICA_SET]: ["spec", "template"],
  [REPLICATION_CONTROLLER]: ["spec", "template"],
  [JOB]: ["spec", "template"],
  [CRON_JOB]: ["spec", "jobTemplate", "spec", "template"],
  [POD]: [],
};

/**
 * Built-in kinds `rotor check` recognises. Anything else (custom resources, typos) is skipped and counted, so a
 * checked directory full of CRDs does not drown the report.
 */
export const KNOWN_TYPES: ReadonlySet<string> = new Set([
  ...Object.keys(POD_TEMPLATE_PATHS),
  SERVICE,
  SERVICE_ACCOUNT,
  PDB,
  ROLE,
  CLUSTER_ROLE,
  ROLE_BINDING,
  CLUSTER_ROLE_BINDING,
  "core/ConfigMap",
  "core/Secret",
  "core/Namespace",
  "core/Endpoints",
  "core/LimitRange",
  "core/ResourceQuota",
  "core/PersistentVolumeClaim",
  "core/PersistentVolume",
  "coordination.k8s.io/Lease",
  "networking.k8s.io/Ingress",
  "networking.k8s.io/IngressClass",
  "networking.k8s.io/NetworkPolicy",
  "discovery.k8s.io/EndpointSlice",
  HPA,
  "scheduling.k8s.io/PriorityClass",
  "storage.k8s.io/StorageClass",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
]);

/**
 * The apiVersions that serve each known kind in Kubernetes 1.31 and later (rotor's minimum). An object of a
 * known kind at another version of a Kubernetes API group (`apps/v2`, `extensions/v1beta1`, a `v1`
 * PodDisruptionBudget) is refused by the API server, so it is an input problem, not an unknown kind.
 */
const SERVED_VERSIONS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ["apps/v1"],
  StatefulSet: ["apps/v1"],
  DaemonSet: ["apps/v1"],
  ReplicaSet: ["apps/v1"],
  Job: ["batch/v1"],
  CronJob: ["batch/v1"],
  PodDisruptionBudget: ["policy/v1"],
  Role: ["rbac.authorization.k8s.io/v1"],
  ClusterRole: ["rbac.authorization.k8s.io/v1"],
  RoleBinding: ["rbac.authorization.k8s.io/v1"],
  ClusterRoleBinding: ["rbac.authorization.k8s.io/v1"],
  Lease: ["coordination.k8s.io/v1"],
  Ingress: ["networking.k8s.io/v1"],
  IngressClass: ["networking.k8s.io/v1"],
  NetworkPolicy: ["networking.k8s.io/v1"],
  EndpointSlice: ["discovery.k8s.io/v1"],
  HorizontalPodAutoscaler: ["autoscaling/v2", "autoscaling/v1"],
  PriorityClass: ["scheduling.k8s.io/v1"],
  StorageClass: ["storage.k8s.io/v1"],
  CustomResourceDefinition: ["apiextensions.k8s.io/v1"],
  ValidatingWebhookConfiguration: ["admissionregistration.k8s.io/v1"],
  MutatingWebhookConfiguration: ["admissionregistration.k8s.io/v1"],
  ValidatingAdmissionPolicy: ["admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"],
  ValidatingAdmissionPolicyBinding: [
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1beta1",
  ],
  ...Object.fromEntries(
    [
      "Pod",
      "ReplicationController",
      "Service",
      "ServiceAccount",
      "ConfigMap",
      "Secret",
      "Namespace",
      "Endpoints",
      "LimitRange",
      "ResourceQuota",
      "PersistentVolumeClaim",
      "PersistentVolume",
    ].map((kind) => [kind, ["v1"]]),
  ),
};

/**
 * When `object` is a kind rotor knows written at an apiVersion of a Kubernetes API group that does not serve
 * it, the apiVersions that do; undefined otherwise. Other groups are left alone: `serving.knative.dev/v1`
 * Service is a custom resource of its own, not a misspelt core Service.
 */
export function servedVersionsIfWrong(object: KubeObject): readonly string[] | undefined {
  const served = SERVED_VERSIONS[object.kind];
  if (!served || served.includes(object.apiVersion)) return undefined;
  const group = groupOf(object);
  const kubernetesGroup = group === "core" || !group.includes(".") || group.endsWith(".k8s.io");
  return kubernetesGroup ? served : undefined;
}

const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  "core/Namespace",
  "core/PersistentVolume",
  "core/Node",
  "networking.k8s.io/IngressClass",
  "scheduling.k8s.io/PriorityClass",
  "storage.k8s.io/StorageClass",
  "apiextensions.k8s.io/CustomResourceDefinition",
  "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
  "admissionregistration.k8s.io/MutatingWebhookConfiguration",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
  "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
]);

/** Whether `value` looks like a Kubernetes object: a mapping with non-empty string `apiVersion` and `kind`. */
export function isKubeObject(value: unknown): value is KubeObject {
  const d = dict(value);
  return (
    d !== undefined &&
    typeof d.apiVersion === "string" &&
    d.apiVersion !== "" &&
    typeof d.kind === "string" &&
    d.kind !== ""
  );
}

export function nameOf(object: KubeObject): string {
  return text(dict(object.metadata)?.name) ?? "";
}

/**
 * The namespace an object lives in; a namespaced object without one goes to the namespace of the kubectl context
 * or Pulumi provider, which is `default` unless configured, so all of them compare equal. Cluster-scoped: "".
 */
export function namespaceOf(object: KubeObject): string {
  if (CLUSTER_SCOPED.has(typeKey(object))) return "";
  return text(dict(object.metadata)?.namespace) || "default";
}

export function labelsOf(object: KubeObject): Readonly<Record<string, string>> {
  return stringMap(dict(object.metadata)?.labels);
}

export function annotationsOf(object: KubeObject): Readonly<Record<string, string>> {
  return stringMap(dict(object.metadata)?.annotations);
}

/** Names an object in messages: `Deployment shop/web`, or `ClusterRole view` for cluster-scoped kinds. */
export function describe(object: KubeObject): string {
  const name = nameOf(object) || "(unnamed)";
  const ns = namespaceOf(object);
  return ns ? `${object.kind} ${ns}/${name}` : `${object.kind} ${name}`;
}

/** `group/Kind/namespace/name`: one object, however often the input repeats it (and at whichever version). */
export function identityOf(object: KubeObject): string {
  let identity = identities.get(object);
  if (identity === undefined) {
    identity = `${typeKey(object)}/${namespaceOf(object)}/${nameOf(object)}`;
    identities.set(object, identity);
  }
  return identity;
}

// Objects are never modified once loaded, and cross-object rules ask for the same identities many times.
const identities = new WeakMap<KubeObject, string>();

/** The object that manages this one (a ReplicaSet's Deployment, a Job's CronJob, a Pod's ReplicaSet or Job). */
export interface ControllerRef {
  /** `group/Kind` of the controller, as {@link typeKey} writes it. */
  readonly type: string;
  readonly kind: string;
  readonly name: string;
}

/** The controller `ownerReference` of an object (always in its own namespace), if it has one. */
export function controllerOf(object: KubeObject): ControllerRef | undefined {
  for (const raw of list(dict(object.metadata)?.ownerReferences)) {
    const ref = dict(raw);
    if (ref?.controller !== true || typeof ref.kind !== "string" || typeof ref.name !== "string") continue;
    const apiVersion = typeof ref.apiVersion === "string" ? ref.apiVersion : "";
    const slash = apiVersion.indexOf("/");
    return {
      type: `${slash < 0 ? "core" : apiVersion.slice(0, slash)}/${ref.kind}`,
      kind: ref.kind,
      name: ref.name,
    };
  }
  return undefined;
}

/** The pod template of a workload, with its path in the object; undefined for kinds without pods. */
export interface PodTemplate {
  readonly path: FieldPath;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: Dict;
}

const templates = new WeakMap<KubeObject, PodTemplate | null>();

export function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  const cached = templates.get(object);
  if (cached !== undefined) return cached ?? undefined;
  const path = POD_TEMPLATE_PATHS[typeKey(object)];
  let result: PodTemplate | undefined;
  if (path) {
    const template = dict(field(object, path));
    result = { path, labels: stringMap(dict(template?.metadata)?.labels), spec: dict(template?.spec) ?? {} };
  }
  templates.set(object, result ?? null);
  return result;
}

/** Whether objects of this `group/Kind` have pods. */
export function hasPodTemplate(type: string): boolean {
  return type in POD_TEMPLATE_PATHS;
}

/** A container of a pod spec with its path in the object and which list it is in. */
export interface ContainerRef {
  readonly container: Dict;
  readonly name: string;
  readonly path: FieldPath;
  readonly list: "containers" | "initContainers" | "ephemeralContainers";
}

/** Every container of a pod template: init containers, containers and ephemeral containers, in that order. */
export function containersOf(
  template: PodTemplate,
  lists: readonly ContainerRef["list"][] = ALL_LISTS,
): ContainerRef[] {
  const out: ContainerRef[] = [];
  for (const name of lists) {
    list(template.spec[name]).forEach((value, i) => {
      const container = dict(value);
      if (container) {
        out.push({
          container,
          name: text(container.name) ?? `#${i}`,
          path: [...template.path, "spec", name, i],
          list: name,
        });
      }
    });
  }
  return out;
}

const ALL_LISTS = ["initContainers", "containers", "ephemeralContainers"] as const;

/** How messages name a container: `container "web"`, `init container "migrate"`. */
export function describeContainer(ref: ContainerRef): string {
  const what = {
    containers: "container",
    initContainers: "init container",
    ephemeralContainers: "ephemeral container",
  };
  return `${what[ref.list]} "${ref.name}"`;
}

/**
 * Whether a `metav1.LabelSelector` (matchLabels and matchExpressions) selects `labels`. A missing selector
 * selects nothing; an empty one selects everything, as for PodDisruptionBudgets in policy/v1.
 */
export function selectorMatches(selector: unknown, labels: Readonly<Record<string, string>>): boolean {
  const s = dict(selector);
  if (!s) return false;
  // Manifests are untrusted input: read them into the recycler's typed selector and match the way it does.
  return labelSelectorMatches(
    {
      matchLabels: stringMap(s.matchLabels),
      matchExpressions: list(s.matchExpressions).map((raw) => {
        const expression = dict(raw);
        return {
          key: text(expression?.key) ?? "",
          operator: text(expression?.operator) as LabelSelectorRequirement["operator"],
          values: list(expression?.values).filter((v): v is string => typeof v === "string"),
        };
      }),
    },
    labels,
  );
}

/** Whether a Service-style selector (a plain map, all pairs must match) selects `labels`. */
export function mapSelectorMatches(
  selector: Readonly<Record<string, string>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  for (const key in selector) if (labels[key] !== selector[key]) return false;
  return true;
}

/** Shows a value in a message the way it appears in YAML: strings quoted, the rest as JSON. */
export function show(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

/** Formats a field path for messages: `spec.template.spec.containers[0].ports`. */
export function showPath(path: FieldPath): string {
  let out = "";
  for (const key of path) out += typeof key === "number" ? `[${key}]` : out === "" ? key : `.${key}`;
  return out;
}
