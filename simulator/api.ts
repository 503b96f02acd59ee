/**
 * The REST semantics of the served resources, independent of HTTP: get, list (label and field selectors,
 * limit/continue), create, update (optimistic concurrency on metadata.resourceVersion), patch (merge,
 * strategic merge, JSON patch, and a simplified server-side apply), delete (graceful for pods), dry-run,
 * the pods/eviction and deployments/scale subresources, and the events.k8s.io view of Events.
 */
import { parse as parseYaml } from "yaml";
import { admit, validateEventsV1 } from "./admission";
import type { Cluster } from "./cluster";
import { evictPod, type EvictionResult } from "./eviction";
import { PODS } from "./keys";
import { jsonEqual } from "./objects";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch";
import { apiVersionOf, groupResource, type RequestInfo, type ResourceType } from "./resources";
import {
  formatSelector,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
  type FieldRequirement,
  type LabelRequirement,
} from "./selectors";
import * as status from "./status";
import type { CoreEvent, Deployment, Json, JsonObject, KubeObject, Pod } from "./types";
import { clone } from "./types";

/** One API call, already authenticated and authorized. */
export interface ApiCall {
  readonly method: string;
  readonly info: RequestInfo;
  readonly query: URLSearchParams;
  /** The raw request body. */
  readonly body: string;
  readonly contentType: string;
  /** The user making the call, for the monitor's causes. */
  readonly user: string;
}

/** An answer: HTTP status code and JSON body. */
export interface ApiAnswer {
  readonly code: number;
  readonly body: unknown;
  /** Set for pods/eviction calls. */
  readonly eviction?: EvictionResult;
}

/** Parsed selectors of a list or watch. */
export interface ListSelectors {
  readonly labels: LabelRequirement[];
  readonly fields: FieldRequirement[];
}

/** Parses `labelSelector` and `fieldSelector` of a list or watch (400 when malformed or unsupported). */
export function parseSelectors(type: ResourceType, query: URLSearchParams): ListSelectors {
  return {
    labels: parseLabelSelector(query.get("labelSelector") ?? ""),
    fields: parseFieldSelector(query.get("fieldSelector") ?? "", type.fieldSelectors),
  };
}

/** Whether an object passes list/watch selectors. */
export function selected(selectors: ListSelectors, object: KubeObject): boolean {
  return matchesLabels(selectors.labels, object.metadata.labels) && matchesFields(selectors.fields, object);
}

/** Converts a stored core/v1 Event to its events.k8s.io/v1 form. */
export function toEventsV1(e: CoreEvent): KubeObject {
  const out: KubeObject = { kind: "Event", apiVersion: "events.k8s.io/v1", metadata: clone(e.metadata) };
  const set = (k: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== "") out[k] = clone(v);
  };
  set("eventTime", e.eventTime ?? null);
  out.eventTime ??= null;
  set("series", e.series);
  set("reportingController", e.reportingComponent);
  set("reportingInstance", e.reportingInstance);
  set("action", e.action);
  set("reason", e.reason);
  set("regarding", e.involvedObject);
  set("related", e.related);
  set("note", e.message);
  set("type", e.type);
  set("deprecatedSource", e.source);
  set("deprecatedFirstTimestamp", e.firstTimestamp);
  set("deprecatedLastTimestamp", e.lastTimestamp);
  set("deprecatedCount", e.count);
  return out;
}

/** Converts an events.k8s.io/v1 Event to the stored core/v1 form. */
export function fromEventsV1(e: Record<string, unknown>): CoreEvent {
  const out: CoreEvent = {
    kind: "Event",
    apiVersion: "v1",
    metadata: (e.metadata ?? {}) as CoreEvent["metadata"],
    involvedObject: e.regarding ?? {},
    reason: e.reason as string | undefined,
    message: e.note as string | undefined,
    source: (e.deprecatedSource as CoreEvent["source"]) ?? { component: e.reportingController as string },
    firstTimestamp: (e.deprecatedFirstTimestamp as string | undefined) ?? null,
    lastTimestamp: (e.deprecatedLastTimestamp as string | undefined) ?? null,
    type: e.type as string | undefined,
    eventTime: (e.eventTime as string | undefined) ?? null,
    reportingComponent: e.reportingController as string | undefined,
    reportingInstance: e.reportingInstance as string | undefined,
  };
  if (e.deprecatedCount !== undefined) out.count = e.deprecatedCount as number;
  if (e.series !== undefined) out.series = e.series as CoreEvent["series"];
  if (e.action !== undefined) out.action = e.action as string;
  if (e.related !== undefined) out.related = e.related as Record<string, unknown>;
  return out;
}

/** How a stored object looks through `type`'s API (events.k8s.io converts, others as stored). */
export function present(type: ResourceType, object: KubeObject): KubeObject {
  return type.group === "events.k8s.io" ? toEventsV1(object as CoreEvent) : object;
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw status.badRequest(`the body of the request could not be decoded: ${(error as Error).message}`);
  }
}

function show(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function dryRunOf(query: URLSearchParams): string[] {
  const values = query.getAll("dryRun");
  for (const v of values) if (v !== "All") throw status.badRequest(`Invalid dry run value: ${v}`);
  return values;
}

const SERVER_OWNED = [
  "name",
  "generateName",
  "namespace",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
] as const;

/**
 * The metadata of an updated object: what the client may change (labels, annotations, owner references,
 * finalizers) from `next`, what the server owns from `old`, in the API's field order.
 */
function serverOwnedMetadata(
  next: KubeObject["metadata"],
  old: KubeObject["metadata"],
): KubeObject["metadata"] {
  const meta: KubeObject["metadata"] = {};
  for (const k of SERVER_OWNED) if (old[k] !== undefined) (meta as Record<string, unknown>)[k] = old[k];
  for (const [k, v] of Object.entries(next)) {
    if (
      (SERVER_OWNED as readonly string[]).includes(k) ||
      k === "managedFields" ||
      v === undefined ||
      v === null
    )
      continue;
    meta[k] = v;
  }
  return meta;
}

/** Continue tokens, as the API server encodes them (base64url of a small JSON document). */
function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", rv, start })).toString("base64url");
}

function decodeContinue(token: string): { rv: number; start: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString()) as {
      v?: string;
      rv?: number;
      start?: string;
    };
    if (parsed.v !== "meta.k8s.io/v1" || typeof parsed.start !== "string") throw new Error("bad");
    return { rv: parsed.rv ?? 0, start: parsed.start };
  } catch {
    throw status.badRequest(
      "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
    );
  }
}

/** The REST layer. */
export class Api {
  constructor(private readonly cluster: Cluster) {}

  /** Serves one call; throws {@link status.ApiError} for error answers. */
  handle(call: ApiCall): ApiAnswer {
    const { info } = call;
    const type = info.type;
    if (!type || (info.namespace === undefined && info.verb !== "list" && info.verb !== "watch")) {
      throw status.pathNotFound();
    }
    if (info.subresource !== "") return this.subresource(call, type);
    const cause = {
      text: `api: ${info.verb} ${info.resource} ${info.name} by ${call.user}`,
      voluntary: true,
    };
    switch (info.verb) {
      case "get":
        return { code: 200, body: present(type, this.mustGet(type, info.namespace, info.name)) };
      case "list":
        return { code: 200, body: this.list(type, info.namespace, call.query) };
      case "create":
        return this.cluster.withCause(cause, () => this.create(type, call));
      case "update":
        return this.cluster.withCause(cause, () => this.update(type, call));
      case "patch":
        return this.cluster.withCause(cause, () => this.patch(type, call));
      case "delete":
        return this.cluster.withCause(cause, () => this.delete(type, call));
      case "deletecollection":
        throw status.methodNotSupported(groupResource(type), "deletecollection");
      default:
        throw status.methodNotAllowed();
    }
  }

  private mustGet(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.cluster.store.get(type.storeKey, namespace, name);
    if (!object) throw status.notFound(groupResource(type), name);
    return object;
  }

  /** A list response: selectors, etcd key order, limit and continue. */
  list(type: ResourceType, namespace: string | undefined, query: URLSearchParams): KubeObject {
    const selectors = parseSelectors(type, query);
    const store = this.cluster.store;
    const rvParam = query.get("resourceVersion");
    if (rvParam && rvParam !== "0") {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv)) throw status.badRequest(`invalid resource version: ${rvParam}`);
      if (rv > store.resourceVersion) throw status.tooLargeResourceVersion(rv, store.resourceVersion);
    }
    let items = store.list(type.storeKey, namespace).filter((o) => selected(selectors, present(type, o)));
    const token = query.get("continue");
    if (token) {
      const { start } = decodeContinue(token);
      items = items.filter((o) => `${o.metadata.namespace}/${o.metadata.name}\u0000` >= start);
    }
    const limit = Number(query.get("limit") ?? 0);
    const metadata: Record<string, unknown> = { resourceVersion: String(store.resourceVersion) };
    if (limit > 0 && items.length > limit) {
      const last = items[limit - 1];
      metadata.continue = encodeContinue(
        store.resourceVersion,
        `${last.metadata.namespace}/${last.metadata.name}\u0001`,
      );
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
    }
    return {
      kind: type.listKind,
      apiVersion: apiVersionOf(type),
      metadata,
      items: items.map((o) => {
        const item: Record<string, unknown> = { ...present(type, o) };
        delete item.kind;
        delete item.apiVersion;
        return item;
      }),
    };
  }

  /** Decodes a body into an object of `type` (events.k8s.io converted to the stored form). */
  private decode(type: ResourceType, text: string, namespace: string | undefined): KubeObject {
    const body = parseJson(text);
    if (!isObject(body)) throw status.badRequest("the body of the request was not a JSON object");
    const want = apiVersionOf(type);
    if (body.apiVersion !== undefined && body.apiVersion !== want) {
      throw status.badRequest(
        `the API version in the data (${show(body.apiVersion)}) does not match the expected API version (${want})`,
      );
    }
    if (body.kind !== undefined && body.kind !== type.kind) {
      throw status.badRequest(
        `the kind in the data (${show(body.kind)}) does not match the expected kind (${type.kind})`,
      );
    }
    const meta = isObject(body.metadata) ? body.metadata : {};
    if (meta.namespace !== undefined && meta.namespace !== "" && meta.namespace !== namespace) {
      throw status.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    if (type.group === "events.k8s.io") {
      const errors = validateEventsV1(body);
      if (errors.length > 0) throw status.invalid(type.group, type.kind, show(meta.name ?? ""), errors);
    }
    const object = (type.group === "events.k8s.io" ? fromEventsV1(body) : body) as unknown as KubeObject;
    object.apiVersion = type.group === "events.k8s.io" ? "v1" : want;
    object.kind = type.kind;
    object.metadata = { ...(object.metadata ?? {}), namespace };
    return object;
  }

  private create(type: ResourceType, call: ApiCall): ApiAnswer {
    const dryRun = dryRunOf(call.query).includes("All");
    const namespace = call.info.namespace;
    const object = this.decode(type, call.body, namespace);
    for (const k of [
      "uid",
      "resourceVersion",
      "creationTimestamp",
      "deletionTimestamp",
      "deletionGracePeriodSeconds",
      "generation",
    ]) {
      delete object.metadata[k];
    }
    admit(type, object, undefined, namespace);
    const name = object.metadata.name;
    if (name && this.cluster.store.get(type.storeKey, namespace, name))
      throw status.alreadyExists(groupResource(type), name);
    if (dryRun) {
      if (!name) object.metadata.name = `${object.metadata.generateName}dryrun`;
      return { code: 201, body: present(type, object) };
    }
    const created = this.cluster.createObject(type, object);
    return { code: 201, body: present(type, created) };
  }

  /** The shared end of update and patch: preconditions, admission, generation, write. */
  private write(type: ResourceType, old: KubeObject, next: KubeObject, dryRun: boolean): ApiAnswer {
    const gr = groupResource(type);
    const name = old.metadata.name!;
    if (next.metadata.name !== undefined && next.metadata.name !== name) {
      throw status.badRequest(
        `the name of the object (${String(next.metadata.name)}) does not match the name on the URL (${name})`,
      );
    }
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== "" && rv !== old.metadata.resourceVersion) {
      throw status.conflict(gr, name, status.OPTIMISTIC_LOCK_MESSAGE);
    }
    if (
      next.metadata.uid !== undefined &&
      next.metadata.uid !== "" &&
      next.metadata.uid !== old.metadata.uid
    ) {
      throw status.conflict(
        gr,
        name,
        `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    next.apiVersion = old.apiVersion;
    next.kind = old.kind;
    next.metadata = serverOwnedMetadata(next.metadata ?? {}, old.metadata);
    admit(type, next, old, old.metadata.namespace);
    // Upstream's Deployment strategy also counts annotation changes as a new generation (and the controller
    // then copies the annotations onto the ReplicaSet); other kinds bump on spec changes only.
    const annotationsChanged =
      type.resource === "deployments" &&
      !jsonEqual(old.metadata.annotations ?? {}, next.metadata.annotations ?? {});
    if (type.hasGeneration && (!jsonEqual(old.spec, next.spec) || annotationsChanged))
      next.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (
      jsonEqual(old, {
        ...next,
        metadata: { ...next.metadata, resourceVersion: old.metadata.resourceVersion },
      })
    ) {
      return { code: 200, body: present(type, old) };
    }
    if (dryRun) return { code: 200, body: present(type, next) };
    return { code: 200, body: present(type, this.cluster.store.update(type.storeKey, next)) };
  }

  private update(type: ResourceType, call: ApiCall): ApiAnswer {
    const dryRun = dryRunOf(call.query).includes("All");
    const old = this.mustGet(type, call.info.namespace, call.info.name);
    const next = this.decode(type, call.body, call.info.namespace);
    if (next.metadata.name !== call.info.name) {
      throw status.badRequest(
        `the name of the object (${String(next.metadata.name ?? "")}) does not match the name on the URL (${call.info.name})`,
      );
    }
    return this.write(type, old, next, dryRun);
  }

  /** Applies a PATCH body of `contentType` to `current` (the object as the API shows it). */
  private applyPatch(current: JsonObject, call: ApiCall): JsonObject {
    const contentType = call.contentType.split(";")[0].trim();
    let result: Json;
    switch (contentType) {
      case "application/merge-patch+json":
        result = mergePatch(current, parseJson(call.body));
        break;
      case "application/strategic-merge-patch+json":
        result = strategicMergePatch(current, parseJson(call.body));
        break;
      case "application/json-patch+json":
        result = jsonPatch(current, parseJson(call.body));
        break;
      case "application/apply-patch+yaml": {
        let applied: unknown;
        try {
          applied = parseYaml(call.body);
        } catch (error) {
          throw status.badRequest(`error decoding YAML: ${(error as Error).message}`);
        }
        result = strategicMergePatch(current, applied as Json);
        break;
      }
      default:
        throw status.unsupportedMediaType();
    }
    if (!isObject(result)) throw status.unprocessable();
    return result;
  }

  private patch(type: ResourceType, call: ApiCall): ApiAnswer {
    const dryRun = dryRunOf(call.query).includes("All");
    const { namespace, name } = call.info;
    const isApply = call.contentType.startsWith("application/apply-patch+yaml");
    if (isApply && !call.query.get("fieldManager")) {
      throw status.invalid("meta.k8s.io", "PatchOptions", "", [
        { type: "FieldValueRequired", field: "fieldManager", detail: "is required for apply patch" },
      ]);
    }
    const old = this.cluster.store.get(type.storeKey, namespace, name);
    if (!old) {
      if (!isApply) throw status.notFound(groupResource(type), name);
      const applied = this.applyPatch({}, call);
      const object = this.decode(type, JSON.stringify(applied), namespace);
      object.metadata.name ??= name;
      admit(type, object, undefined, namespace);
      if (dryRun) return { code: 201, body: present(type, object) };
      return { code: 201, body: present(type, this.cluster.createObject(type, object)) };
    }
    const shown = clone(present(type, old)) as unknown as JsonObject;
    const patched = this.applyPatch(shown, call);
    const next = this.decode(type, JSON.stringify(patched), namespace);
    if (
      isApply &&
      patched.metadata &&
      isObject(patched.metadata) &&
      patched.metadata.resourceVersion === old.metadata.resourceVersion
    ) {
      delete next.metadata.resourceVersion;
    }
    return this.write(type, old, next, dryRun);
  }

  private delete(type: ResourceType, call: ApiCall): ApiAnswer {
    const { namespace, name } = call.info;
    const old = this.mustGet(type, namespace, name);
    let options: JsonObject = {};
    if (call.body.trim() !== "") {
      const parsed = parseJson(call.body);
      if (isObject(parsed)) options = parsed;
    }
    const queryDryRun = dryRunOf(call.query);
    const dryRun = [...queryDryRun, ...((options.dryRun as string[] | undefined) ?? [])].includes("All");
    const graceParam = call.query.get("gracePeriodSeconds");
    const grace =
      graceParam !== null ? Number(graceParam) : (options.gracePeriodSeconds as number | undefined);
    const pre = (options.preconditions ?? {}) as { uid?: string; resourceVersion?: string };
    const gr = groupResource(type);
    if (pre.uid && pre.uid !== old.metadata.uid) {
      throw status.conflict(
        gr,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
      );
    }
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
      throw status.conflict(
        gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
      );
    }
    if (type.storeKey === PODS) {
      return { code: 200, body: this.cluster.deletePod(old as Pod, { gracePeriodSeconds: grace, dryRun }) };
    }
    if (!dryRun) this.cluster.store.remove(type.storeKey, namespace, name);
    if (type.returnDeletedObject) return { code: 200, body: present(type, old) };
    return {
      code: 200,
      body: status.success(undefined, {
        name,
        group: type.group,
        kind: type.resource,
        uid: old.metadata.uid,
      }),
    };
  }

  private subresource(call: ApiCall, type: ResourceType): ApiAnswer {
    const { info } = call;
    if (!type.subresources.includes(info.subresource)) throw status.pathNotFound();
    const cause = {
      text: `api: ${info.verb} ${info.resource}/${info.subresource} ${info.name} by ${call.user}`,
      voluntary: true,
    };
    if (info.subresource === "eviction") {
      if (info.verb !== "create") throw status.methodNotAllowed();
      const dryRun = dryRunOf(call.query);
      const body = call.body.trim() === "" ? undefined : parseJson(call.body);
      const result = this.cluster.withCause(cause, () =>
        evictPod(this.cluster, info.namespace!, info.name, body, dryRun),
      );
      return { code: result.code, body: result.body, eviction: result };
    }
    // deployments/scale
    const d = this.mustGet(type, info.namespace, info.name) as Deployment;
    if (info.verb === "get") return { code: 200, body: this.scaleOf(d) };
    if (info.verb !== "update" && info.verb !== "patch") throw status.methodNotAllowed();
    const dryRun = dryRunOf(call.query).includes("All");
    const scale =
      info.verb === "update"
        ? parseJson(call.body)
        : this.applyPatch(this.scaleOf(d) as unknown as JsonObject, call);
    const replicas = isObject(scale) && isObject(scale.spec) ? scale.spec.replicas : undefined;
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw status.invalid("autoscaling", "Scale", info.name, [
        {
          type: "FieldValueInvalid",
          field: "spec.replicas",
          value: replicas,
          detail: "must be greater than or equal to 0",
        },
      ]);
    }
    const rv = isObject(scale) && isObject(scale.metadata) ? scale.metadata.resourceVersion : undefined;
    if (typeof rv === "string" && rv !== "" && rv !== d.metadata.resourceVersion) {
      throw status.conflict(
        { group: "apps", resource: "deployments" },
        info.name,
        status.OPTIMISTIC_LOCK_MESSAGE,
      );
    }
    if (dryRun) return { code: 200, body: { ...this.scaleOf(d), spec: { replicas } } };
    const updated = this.cluster.withCause(cause, () =>
      this.cluster.setReplicas(info.namespace!, info.name, replicas),
    );
    return { code: 200, body: this.scaleOf(updated) };
  }

  private scaleOf(d: Deployment): Record<string, unknown> {
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: {
        name: d.metadata.name,
        namespace: d.metadata.namespace,
        uid: d.metadata.uid,
        resourceVersion: d.metadata.resourceVersion,
        creationTimestamp: d.metadata.creationTimestamp,
      },
      spec: { replicas: d.spec.replicas ?? 1 },
      status: { replicas: d.status.replicas ?? 0, selector: formatSelector(d.spec.selector) },
    };
  }
}
