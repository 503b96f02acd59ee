/**
 * The resource types the simulator serves and how a request path maps onto them, following
 * kube-apiserver's RequestInfo: `/api/v1/...` for the core group, `/apis/<group>/<version>/...` otherwise,
 * `namespaces/<ns>/<resource>/<name>/<subresource>`, and the verb derived from the method (`list`/`watch` for
 * a collection GET, `watch` for `?watch=1` or the legacy `/watch/` prefix).
 */
import type { GroupResource } from "./status";

/** A served resource type. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Plural, lower case, as in URLs and RBAC rules. */
  readonly resource: string;
  readonly kind: string;
  readonly listKind: string;
  /** The store key; events.k8s.io Events share core Events' storage. */
  readonly storeKey: string;
  /** Whether spec changes bump metadata.generation (and status is kept on writes to the main resource). */
  readonly hasGeneration: boolean;
  /** Whether writes to the main resource ignore `status`. */
  readonly hasStatus: boolean;
  /** Fields a field selector may use. */
  readonly fieldSelectors: readonly string[];
  /** Subresources served. */
  readonly subresources: readonly string[];
  /** Whether DELETE answers with the deleted object (true) or with a Success Status (false). */
  readonly returnDeletedObject: boolean;
}

const META_FIELDS = ["metadata.name", "metadata.namespace"] as const;

/** Every resource type the simulator serves. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  {
    group: "",
    version: "v1",
    resource: "pods",
    kind: "Pod",
    listKind: "PodList",
    storeKey: "pods",
    hasGeneration: false,
    hasStatus: true,
    fieldSelectors: [
      ...META_FIELDS,
      "status.phase",
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.podIP",
      "status.nominatedNodeName",
    ],
    subresources: ["eviction"],
    returnDeletedObject: true,
  },
  {
    group: "",
    version: "v1",
    resource: "events",
    kind: "Event",
    listKind: "EventList",
    storeKey: "events",
    hasGeneration: false,
    hasStatus: false,
    fieldSelectors: [
      ...META_FIELDS,
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
    subresources: [],
    returnDeletedObject: false,
  },
  {
    group: "apps",
    version: "v1",
    resource: "deployments",
    kind: "Deployment",
    listKind: "DeploymentList",
    storeKey: "apps/deployments",
    hasGeneration: true,
    hasStatus: true,
    fieldSelectors: META_FIELDS,
    subresources: ["scale"],
    returnDeletedObject: false,
  },
  {
    group: "apps",
    version: "v1",
    resource: "replicasets",
    kind: "ReplicaSet",
    listKind: "ReplicaSetList",
    storeKey: "apps/replicasets",
    hasGeneration: true,
    hasStatus: true,
    fieldSelectors: [...META_FIELDS, "status.replicas"],
    subresources: [],
    returnDeletedObject: false,
  },
  {
    group: "policy",
    version: "v1",
    resource: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    listKind: "PodDisruptionBudgetList",
    storeKey: "policy/poddisruptionbudgets",
    hasGeneration: true,
    hasStatus: true,
    fieldSelectors: META_FIELDS,
    subresources: [],
    returnDeletedObject: false,
  },
  {
    group: "coordination.k8s.io",
    version: "v1",
    resource: "leases",
    kind: "Lease",
    listKind: "LeaseList",
    storeKey: "coordination.k8s.io/leases",
    hasGeneration: false,
    hasStatus: false,
    fieldSelectors: META_FIELDS,
    subresources: [],
    returnDeletedObject: false,
  },
  {
    group: "batch",
    version: "v1",
    resource: "cronjobs",
    kind: "CronJob",
    listKind: "CronJobList",
    storeKey: "batch/cronjobs",
    hasGeneration: true,
    hasStatus: true,
    fieldSelectors: META_FIELDS,
    subresources: [],
    returnDeletedObject: false,
  },
  {
    group: "batch",
    version: "v1",
    resource: "jobs",
    kind: "Job",
    listKind: "JobList",
    storeKey: "batch/jobs",
    hasGeneration: true,
    hasStatus: true,
    fieldSelectors: [...META_FIELDS, "status.successful"],
    subresources: [],
    returnDeletedObject: false,
  },
  {
    group: "events.k8s.io",
    version: "v1",
    resource: "events",
    kind: "Event",
    listKind: "EventList",
    storeKey: "events",
    hasGeneration: false,
    hasStatus: false,
    fieldSelectors: META_FIELDS,
    subresources: [],
    returnDeletedObject: false,
  },
];

/** Looks a resource type up by group and plural name. */
export function findResourceType(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
}

/** The type stored under a store key through its primary API (core Events for `events`). */
export function typeForStoreKey(storeKey: string): ResourceType {
  return RESOURCE_TYPES.find((t) => t.storeKey === storeKey)!;
}

/** The `group/version` string of a type (`v1` for the core group). */
export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** The GroupResource of a type, for error messages. */
export function groupResource(type: ResourceType): GroupResource {
  return { group: type.group, resource: type.resource };
}

/** What a request asks for, as kube-apiserver's RequestInfo (plus the parsed type when it is served). */
export interface RequestInfo {
  readonly isResourceRequest: boolean;
  readonly path: string;
  /** get, list, watch, create, update, patch, delete, deletecollection; or the lower-case method for non-resource paths. */
  readonly verb: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly namespace?: string;
  readonly resource: string;
  readonly subresource: string;
  /** The object name: from the path, or for list/watch from a `metadata.name=` field selector. */
  readonly name: string;
  /** The served type, when the group/version/resource is one. */
  readonly type?: ResourceType;
  /** True when the path used the legacy `/watch/` prefix. */
  readonly legacyWatch: boolean;
}

const VERBS: Record<string, string> = {
  POST: "create",
  PUT: "update",
  PATCH: "patch",
  DELETE: "delete",
  GET: "get",
  HEAD: "get",
};

/**
 * Parses a request the way RequestInfoFactory does. `fieldSelectorName` is the name a `metadata.name=`
 * field selector requires, if any (it becomes the name of a list or watch, which RBAC resourceNames see).
 */
export function parseRequestInfo(
  method: string,
  path: string,
  query: URLSearchParams,
  fieldSelectorName: string | undefined,
): RequestInfo {
  const parts = path.split("/").filter((p) => p !== "");
  const nonResource: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiGroup: "",
    apiVersion: "",
    resource: "",
    subresource: "",
    name: "",
    legacyWatch: false,
  };
  let rest: string[];
  let apiGroup: string;
  let apiVersion: string;
  if (parts[0] === "api" && parts.length >= 3) {
    apiGroup = "";
    apiVersion = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    apiGroup = parts[1];
    apiVersion = parts[2];
    rest = parts.slice(3);
  } else {
    return nonResource;
  }
  let verb = VERBS[method] ?? method.toLowerCase();
  let legacyWatch = false;
  if (rest[0] === "watch") {
    legacyWatch = true;
    verb = "watch";
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  } else if (rest[0] === "namespaces" && rest.length === 2) {
    // A Namespace object itself: not served, but still a resource request.
    return {
      ...nonResource,
      isResourceRequest: true,
      verb,
      apiGroup,
      apiVersion,
      resource: "namespaces",
      name: rest[1],
    };
  }
  const resource = rest[0] ?? "";
  let name = rest[1] ?? "";
  const subresource = rest.slice(2).join("/");
  if (name === "" && (verb === "get" || verb === "watch")) {
    const watchParam = query.get("watch");
    if (verb === "watch" || (watchParam !== null && watchParam !== "false" && watchParam !== "0"))
      verb = "watch";
    else verb = "list";
    if (fieldSelectorName) name = fieldSelectorName;
  } else if (name === "" && verb === "delete") {
    verb = "deletecollection";
  }
  const type = findResourceType(apiGroup, apiVersion, resource);
  return {
    isResourceRequest: true,
    path,
    verb,
    apiGroup,
    apiVersion,
    namespace,
    resource,
    subresource,
    name,
    type,
    legacyWatch,
  };
}
