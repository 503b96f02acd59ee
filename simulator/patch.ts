/**
 * The three PATCH formats of the Kubernetes API.
 *
 * - JSON merge patch (RFC 7386): objects merge, `null` deletes, everything else replaces.
 * - Strategic merge patch, the subset that matters for Deployments and pod templates: objects merge and
 *   `null` deletes as in a merge patch; lists with an upstream `patchMergeKey` (containers, env, volumes,
 *   ports, volumeMounts, conditions, ownerReferences, ...) merge item by item on that key; `$patch: replace`
 *   and `$patch: delete` work on objects and on list items; `finalizers` merges as a set; other lists are
 *   replaced. `$setElementOrder/...`, `$retainKeys` and `$deleteFromPrimitiveList/...` are accepted and ignored.
 * - JSON patch (RFC 6902): add, remove, replace, move, copy, test.
 */
import { jsonEqual } from "./objects";
import { badRequest, unprocessable } from "./status";
import type { Json, JsonObject } from "./types";

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Applies an RFC 7386 merge patch to `target` (not modified) and returns the result. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return structuredClone(patch);
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key] ?? null, value);
  }
  return out;
}

/** Upstream patchMergeKey of the lists a strategic merge patch merges item by item, by field name. */
const MERGE_KEYS: Record<string, string> = {
  containers: "name",
  initContainers: "name",
  ephemeralContainers: "name",
  volumes: "name",
  env: "name",
  volumeMounts: "mountPath",
  volumeDevices: "devicePath",
  ports: "containerPort",
  imagePullSecrets: "name",
  hostAliases: "ip",
  conditions: "type",
  ownerReferences: "uid",
  topologySpreadConstraints: "topologyKey",
  resourceClaims: "name",
};

/** Lists of scalars that merge as sets. */
const SET_LISTS = new Set(["finalizers"]);

function stripDirectives(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripDirectives);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (
      k === "$patch" ||
      k === "$retainKeys" ||
      k.startsWith("$setElementOrder/") ||
      k.startsWith("$deleteFromPrimitiveList/")
    ) {
      continue;
    }
    out[k] = stripDirectives(v);
  }
  return out;
}

function strategicObject(target: JsonObject | undefined, patch: JsonObject): JsonObject | undefined {
  const directive = patch.$patch;
  if (directive === "delete") return undefined;
  if (directive === "replace") return stripDirectives(patch) as JsonObject;
  const out: JsonObject = target ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    if (value === null) {
      delete out[key];
    } else if (isObject(value)) {
      const merged = strategicObject(isObject(out[key]) ? out[key] : undefined, value);
      if (merged === undefined) delete out[key];
      else out[key] = merged;
    } else if (Array.isArray(value)) {
      out[key] = strategicList(key, out[key], value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

function strategicList(field: string, target: Json | undefined, patch: Json[]): Json {
  const current = Array.isArray(target) ? target : [];
  if (SET_LISTS.has(field)) {
    const out = [...current];
    for (const item of patch)
      if (!out.some((x) => JSON.stringify(x) === JSON.stringify(item))) out.push(item);
    return out;
  }
  const key = MERGE_KEYS[field];
  if (
    !key ||
    patch.some((item) => isObject(item) && item.$patch === "replace" && Object.keys(item).length === 1)
  ) {
    return patch.filter((item) => !(isObject(item) && item.$patch)).map(stripDirectives);
  }
  const out: Json[] = current.map((x) => x);
  for (const item of patch) {
    if (!isObject(item)) {
      out.push(item);
      continue;
    }
    const index = out.findIndex((x) => isObject(x) && x[key] !== undefined && x[key] === item[key]);
    if (item.$patch === "delete") {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) {
      const merged = strategicObject(out[index] as JsonObject, item);
      if (merged === undefined) out.splice(index, 1);
      else out[index] = merged;
    } else {
      out.push(stripDirectives(item));
    }
  }
  return out;
}

/** Applies a strategic merge patch (the subset described above) to `target` (not modified). */
export function strategicMergePatch(target: JsonObject, patch: Json): JsonObject {
  if (!isObject(patch)) throw badRequest("strategic merge patch: the patch must be a JSON object");
  return strategicObject(target, patch) ?? {};
}

/** One RFC 6902 operation. */
interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw unprocessable();
  return pointer
    .slice(1)
    .split("/")
    .map((p) => p.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function getAt(doc: Json, path: string[]): Json | undefined {
  let node: Json | undefined = doc;
  for (const part of path) {
    if (Array.isArray(node)) node = /^\d+$/.test(part) ? node[Number(part)] : undefined;
    else if (isObject(node)) node = Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined;
    else return undefined;
  }
  return node;
}

function parentOf(doc: Json, path: string[]): { parent: Json[] | JsonObject; last: string } {
  if (path.length === 0) throw unprocessable();
  const parent = getAt(doc, path.slice(0, -1));
  if (!Array.isArray(parent) && !isObject(parent)) throw unprocessable();
  return { parent, last: path[path.length - 1] };
}

function addAt(doc: Json, path: string[], value: Json): Json {
  if (path.length === 0) return value;
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const index = last === "-" ? parent.length : /^\d+$/.test(last) ? Number(last) : -1;
    if (index < 0 || index > parent.length) throw unprocessable();
    parent.splice(index, 0, value);
  } else {
    parent[last] = value;
  }
  return doc;
}

function removeAt(doc: Json, path: string[]): Json {
  const { parent, last } = parentOf(doc, path);
  if (Array.isArray(parent)) {
    const index = /^\d+$/.test(last) ? Number(last) : -1;
    if (index < 0 || index >= parent.length) throw unprocessable();
    parent.splice(index, 1);
  } else {
    if (!Object.prototype.hasOwnProperty.call(parent, last)) throw unprocessable();
    delete parent[last];
  }
  return doc;
}

/** Applies an RFC 6902 JSON patch to `target` (not modified); a failing operation is a 422. */
export function jsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch))
    throw badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
  let doc: Json = structuredClone(target);
  for (const raw of patch) {
    if (!isObject(raw) || typeof raw.op !== "string" || typeof raw.path !== "string") {
      throw badRequest("invalid JSON patch operation");
    }
    const op = raw as unknown as Operation;
    const path = parsePointer(op.path);
    switch (op.op) {
      case "add":
        if (op.value === undefined) throw badRequest("missing value");
        doc = addAt(doc, path, structuredClone(op.value));
        break;
      case "remove":
        doc = removeAt(doc, path);
        break;
      case "replace":
        if (getAt(doc, path) === undefined) throw unprocessable();
        if (op.value === undefined) throw badRequest("missing value");
        doc = addAt(removeAt(doc, path), path, structuredClone(op.value));
        break;
      case "move": {
        const from = parsePointer(op.from ?? "");
        const value = getAt(doc, from);
        if (value === undefined) throw unprocessable();
        doc = addAt(removeAt(doc, from), path, value);
        break;
      }
      case "copy": {
        const value = getAt(doc, parsePointer(op.from ?? ""));
        if (value === undefined) throw unprocessable();
        doc = addAt(doc, path, structuredClone(value));
        break;
      }
      case "test":
        if (!jsonEqual(getAt(doc, path), op.value)) throw unprocessable();
        break;
      default:
        throw badRequest(`Unexpected kind: ${op.op}`);
    }
  }
  return doc;
}
