/**
 * `Status` bodies, as kube-apiserver writes them. The constructors mirror the ones in
 * k8s.io/apimachinery/pkg/api/errors (messages, reasons, details and codes); see simulator/README.md for the
 * list and the deliberate differences.
 */

/** A field-level cause in `details.causes`. */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** A metav1.Status, with the fields in the order the API server writes them. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

/** A group and a resource, e.g. `{ group: "apps", resource: "deployments" }`. */
export interface GroupResource {
  group: string;
  resource: string;
}

/** `deployments.apps`, or `pods` for the core group, as `schema.GroupResource.String()`. */
export function groupResourceString(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** An API error: the HTTP status code is `status.code`. */
export class ApiError extends Error {
  constructor(readonly status: Status) {
    super(status.message ?? status.reason ?? "error");
    this.name = "ApiError";
  }

  get code(): number {
    return this.status.code ?? 500;
  }
}

function failure(
  code: number,
  reason: string | undefined,
  message: string,
  details?: StatusDetails,
): ApiError {
  const status: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message };
  if (reason) status.reason = reason;
  if (details) status.details = compactDetails(details);
  status.code = code;
  return new ApiError(status);
}

function compactDetails(details: StatusDetails): StatusDetails {
  const out: StatusDetails = {};
  if (details.name) out.name = details.name;
  if (details.group) out.group = details.group;
  if (details.kind) out.kind = details.kind;
  if (details.uid) out.uid = details.uid;
  if (details.causes && details.causes.length > 0) out.causes = details.causes;
  if (details.retryAfterSeconds) out.retryAfterSeconds = details.retryAfterSeconds;
  return out;
}

/** 404 NotFound: `pods "web-1" not found`. */
export function notFound(gr: GroupResource, name: string): ApiError {
  return failure(404, "NotFound", `${groupResourceString(gr)} "${name}" not found`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** 404 for a path no API serves. */
export function pathNotFound(): ApiError {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

/** 409 AlreadyExists. */
export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return failure(409, "AlreadyExists", `${groupResourceString(gr)} "${name}" already exists`, {
    name,
    group: gr.group,
    kind: gr.resource,
  });
}

/** The message of an optimistic-concurrency conflict. */
export const OPTIMISTIC_LOCK_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

/**
 * 409 for a delete whose UID precondition no longer matches, as the registry words it (kind "Pod", not the
 * resource) when the eviction subresource deletes the pod.
 */
export function uidPreconditionFailed(kind: string, name: string, want: string, have: string): ApiError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${kind} "${name}": the UID in the precondition (${want}) does not match the UID in record (${have}). The object might have been deleted and then recreated`,
    { name, kind },
  );
}

/** 409 Conflict: `Operation cannot be fulfilled on leases.coordination.k8s.io "x": <why>`. */
export function conflict(gr: GroupResource, name: string, why: string): ApiError {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${groupResourceString(gr)} "${name}": ${why}`,
    {
      name,
      group: gr.group,
      kind: gr.resource,
    },
  );
}

/** One field error of a 422 Invalid. */
export interface FieldError {
  /** FieldValueInvalid, FieldValueRequired, FieldValueNotSupported, FieldValueForbidden, FieldValueDuplicate. */
  type: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueNotSupported" | "FieldValueForbidden";
  field: string;
  detail: string;
  /** The bad value, shown for Invalid and NotSupported. */
  value?: unknown;
}

function fieldErrorBody(e: FieldError): string {
  const shown = typeof e.value === "string" ? `"${e.value}"` : JSON.stringify(e.value);
  switch (e.type) {
    case "FieldValueRequired":
      return `Required value${e.detail ? `: ${e.detail}` : ""}`;
    case "FieldValueForbidden":
      return `Forbidden${e.detail ? `: ${e.detail}` : ""}`;
    case "FieldValueNotSupported":
      return `Unsupported value: ${shown}${e.detail ? `: ${e.detail}` : ""}`;
    default:
      return `Invalid value: ${shown}${e.detail ? `: ${e.detail}` : ""}`;
  }
}

/** 422 Invalid: `Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be ...`. */
export function invalid(group: string, kind: string, name: string, errors: FieldError[]): ApiError {
  const qualifiedKind = group ? `${kind}.${group}` : kind;
  const texts = errors.map((e) => `${e.field}: ${fieldErrorBody(e)}`);
  const aggregate = texts.length === 1 ? texts[0] : `[${texts.join(", ")}]`;
  return failure(422, "Invalid", `${qualifiedKind} "${name}" is invalid: ${aggregate}`, {
    name,
    group,
    kind,
    causes: errors.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field })),
  });
}

/** 422 from a JSON patch that does not apply (apiserver's generic message). */
export function unprocessable(): ApiError {
  return failure(422, "Invalid", "the server rejected our request due to an error in our request", {});
}

/** 400 BadRequest with `message`. */
export function badRequest(message: string): ApiError {
  return failure(400, "BadRequest", message);
}

/** 401 Unauthorized, as the authentication filter answers. */
export function unauthorized(): ApiError {
  return failure(401, "Unauthorized", "Unauthorized");
}

/** 403 Forbidden: `<resource> "<name>" is forbidden: <why>`. */
export function forbidden(gr: GroupResource, name: string, why: string): ApiError {
  const subject = gr.resource
    ? name
      ? `${groupResourceString(gr)} "${name}" is forbidden`
      : `${groupResourceString(gr)} is forbidden`
    : "forbidden";
  return failure(403, "Forbidden", `${subject}: ${why}`, { name, group: gr.group, kind: gr.resource });
}

/** 405 MethodNotAllowed for a verb a resource does not support. */
export function methodNotSupported(gr: GroupResource, action: string): ApiError {
  return failure(
    405,
    "MethodNotAllowed",
    `${action} is not supported on resources of kind "${groupResourceString(gr)}"`,
    {
      group: gr.group,
      kind: gr.resource,
    },
  );
}

/** 405 for an HTTP method a route does not serve. */
export function methodNotAllowed(): ApiError {
  return failure(
    405,
    "MethodNotAllowed",
    "the server does not allow this method on the requested resource",
    {},
  );
}

/** 415 UnsupportedMediaType for a PATCH content type the server does not know. */
export function unsupportedMediaType(): ApiError {
  return failure(
    415,
    "UnsupportedMediaType",
    "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json",
  );
}

/** 429 TooManyRequests; `retryAfterSeconds` > 0 also sets the Retry-After header. */
export function tooManyRequests(
  message: string,
  retryAfterSeconds: number,
  causes: StatusCause[] = [],
): ApiError {
  return failure(429, "TooManyRequests", message, { retryAfterSeconds, causes });
}

/** 500 InternalError: `Internal error occurred: <why>`. */
export function internalError(why: string): ApiError {
  return failure(500, "InternalError", `Internal error occurred: ${why}`, { causes: [{ message: why }] });
}

/** 503 ServiceUnavailable. */
export function serviceUnavailable(message: string): ApiError {
  return failure(503, "ServiceUnavailable", message);
}

/** 504 Timeout. */
export function timeout(message: string, retryAfterSeconds = 0): ApiError {
  return failure(504, "Timeout", `Timeout: ${message}`, { retryAfterSeconds });
}

/** 410 Expired, as a watch from a resourceVersion older than the history window receives it. */
export function expired(message: string): ApiError {
  return failure(410, "Expired", message);
}

/** 504 for a watch or list at a resourceVersion newer than the store's. */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return failure(504, "Timeout", `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });
}

/** A Success Status, as the eviction subresource returns it. */
export function success(code?: number, details?: StatusDetails): Status {
  const status: Status = { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success" };
  if (details) status.details = compactDetails(details);
  if (code !== undefined) status.code = code;
  return status;
}
