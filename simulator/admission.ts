/**
 * Defaulting and validation of written objects, as the API server's registry strategies do them for the
 * fields the simulator's clients touch. Messages follow apimachinery's field errors.
 */
import { scaledValue, jsonEqual } from "./objects";
import type { ResourceType } from "./resources";
import { selectorIsEmpty, selectorMatches } from "./selectors";
import * as status from "./status";
import type { FieldError } from "./status";
import type { CoreEvent, Deployment, KubeObject, Lease, PodDisruptionBudget, PodSpec } from "./types";

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PERCENT = /^[0-9]+%$/;

function nameErrors(name: string | undefined, generateName: string | undefined): FieldError[] {
  if (!name) {
    return generateName
      ? []
      : [{ type: "FieldValueRequired", field: "metadata.name", detail: "name or generateName is required" }];
  }
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    return [
      {
        type: "FieldValueInvalid",
        field: "metadata.name",
        value: name,
        detail:
          "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ];
  }
  return [];
}

function intOrPercentErrors(value: unknown, field: string, allowZeroOnly = true): FieldError[] {
  if (value === undefined) return [];
  if (typeof value === "number") {
    if (!Number.isInteger(value) || (allowZeroOnly && value < 0)) {
      return [{ type: "FieldValueInvalid", field, value, detail: "must be greater than or equal to 0" }];
    }
    return [];
  }
  if (typeof value !== "string" || !PERCENT.test(value)) {
    return [
      {
        type: "FieldValueInvalid",
        field,
        value,
        detail:
          "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      },
    ];
  }
  if (Number(value.slice(0, -1)) > 100)
    return [{ type: "FieldValueInvalid", field, value, detail: "must not be greater than 100%" }];
  return [];
}

function defaultPodSpec(spec: PodSpec): void {
  spec.restartPolicy ??= "Always";
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= "ClusterFirst";
  spec.securityContext ??= {};
  spec.schedulerName ??= "default-scheduler";
  for (const c of spec.containers ?? []) {
    c.resources ??= {};
    c.terminationMessagePath ??= "/dev/termination-log";
    c.terminationMessagePolicy ??= "File";
    const image = c.image ?? "";
    const tagged = /:[^/]+$/.test(image) || image.includes("@");
    c.imagePullPolicy ??= !tagged || image.endsWith(":latest") ? "Always" : "IfNotPresent";
  }
}

/** apps/v1 Deployment defaults (SetDefaults_Deployment) plus the pod template's. */
export function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= "RollingUpdate";
  if (spec.strategy.type === "RollingUpdate") {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= "25%";
    spec.strategy.rollingUpdate.maxSurge ??= "25%";
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.spec ??= {};
  defaultPodSpec(spec.template.spec);
}

function validateDeployment(d: Deployment, old: Deployment | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const spec = d.spec;
  if (typeof spec.replicas !== "number" || !Number.isInteger(spec.replicas) || spec.replicas < 0) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.replicas",
      value: spec.replicas,
      detail: "must be greater than or equal to 0",
    });
  }
  if (!spec.selector) {
    errors.push({ type: "FieldValueRequired", field: "spec.selector", detail: "" });
  } else if (selectorIsEmpty(spec.selector)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.selector",
      value: spec.selector,
      detail: "empty selector is invalid for deployment",
    });
  } else if (!selectorMatches(spec.selector, spec.template?.metadata?.labels)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.template.metadata.labels",
      value: spec.template?.metadata?.labels ?? {},
      detail: "`selector` does not match template `labels`",
    });
  }
  if (old && !jsonEqual(old.spec.selector, spec.selector)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.selector",
      value: spec.selector,
      detail: "field is immutable",
    });
  }
  if (!spec.template?.spec?.containers || spec.template.spec.containers.length === 0) {
    errors.push({ type: "FieldValueRequired", field: "spec.template.spec.containers", detail: "" });
  }
  const type = spec.strategy?.type;
  if (type !== "RollingUpdate" && type !== "Recreate") {
    errors.push({
      type: "FieldValueNotSupported",
      field: "spec.strategy.type",
      value: type,
      detail: 'supported values: "Recreate", "RollingUpdate"',
    });
  } else if (type === "Recreate" && spec.strategy?.rollingUpdate) {
    errors.push({
      type: "FieldValueForbidden",
      field: "spec.strategy.rollingUpdate",
      detail: "may not be specified when strategy `type` is 'Recreate'",
    });
  } else if (type === "RollingUpdate") {
    const ru = spec.strategy!.rollingUpdate ?? {};
    const surgeErrors = intOrPercentErrors(ru.maxSurge, "spec.strategy.rollingUpdate.maxSurge");
    const unavailableErrors = intOrPercentErrors(
      ru.maxUnavailable,
      "spec.strategy.rollingUpdate.maxUnavailable",
    );
    errors.push(...surgeErrors, ...unavailableErrors);
    if (surgeErrors.length === 0 && unavailableErrors.length === 0) {
      const surge = scaledValue(ru.maxSurge, 100, true);
      const unavailable = scaledValue(ru.maxUnavailable, 100, true);
      if (surge === 0 && unavailable === 0) {
        errors.push({
          type: "FieldValueInvalid",
          field: "spec.strategy.rollingUpdate.maxUnavailable",
          value: ru.maxUnavailable,
          detail: "may not be 0 when `maxSurge` is 0",
        });
      }
    }
  }
  for (const [field, value] of [
    ["spec.minReadySeconds", spec.minReadySeconds],
    ["spec.revisionHistoryLimit", spec.revisionHistoryLimit],
  ] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      errors.push({ type: "FieldValueInvalid", field, value, detail: "must be greater than or equal to 0" });
    }
  }
  if (
    spec.progressDeadlineSeconds !== undefined &&
    spec.progressDeadlineSeconds <= (spec.minReadySeconds ?? 0)
  ) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.progressDeadlineSeconds",
      value: spec.progressDeadlineSeconds,
      detail: "must be greater than minReadySeconds",
    });
  }
  return errors;
}

function validatePdb(pdb: PodDisruptionBudget): FieldError[] {
  const spec = pdb.spec ?? {};
  const errors: FieldError[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec",
      value: spec,
      detail: "minAvailable and maxUnavailable cannot be both set",
    });
  }
  errors.push(...intOrPercentErrors(spec.minAvailable, "spec.minAvailable"));
  errors.push(...intOrPercentErrors(spec.maxUnavailable, "spec.maxUnavailable"));
  const policy = spec.unhealthyPodEvictionPolicy;
  if (policy !== undefined && policy !== "IfHealthyBudget" && policy !== "AlwaysAllow") {
    errors.push({
      type: "FieldValueNotSupported",
      field: "spec.unhealthyPodEvictionPolicy",
      value: policy,
      detail: 'supported values: "AlwaysAllow", "IfHealthyBudget"',
    });
  }
  return errors;
}

function validateLease(lease: Lease): FieldError[] {
  const spec = lease.spec ?? {};
  const errors: FieldError[] = [];
  if (spec.leaseDurationSeconds !== undefined && !(spec.leaseDurationSeconds > 0)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.leaseDurationSeconds",
      value: spec.leaseDurationSeconds,
      detail: "must be greater than 0",
    });
  }
  if (spec.leaseTransitions !== undefined && spec.leaseTransitions < 0) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.leaseTransitions",
      value: spec.leaseTransitions,
      detail: "must be greater than or equal to 0",
    });
  }
  return errors;
}

function validateEvent(event: CoreEvent, namespace: string | undefined): FieldError[] {
  const errors: FieldError[] = [];
  const involvedNamespace = event.involvedObject?.namespace;
  if (involvedNamespace && namespace && involvedNamespace !== namespace) {
    errors.push({
      type: "FieldValueInvalid",
      field: "involvedObject.namespace",
      value: involvedNamespace,
      detail: "does not match event.namespace",
    });
  }
  if (event.type !== undefined && event.type !== "Normal" && event.type !== "Warning") {
    errors.push({
      type: "FieldValueNotSupported",
      field: "type",
      value: event.type,
      detail: 'supported values: "Normal", "Warning"',
    });
  }
  return errors;
}

/** Validates events.k8s.io/v1 fields that core Events do not require. */
export function validateEventsV1(event: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const field of ["eventTime", "reportingController", "reportingInstance", "action", "reason"]) {
    if (!event[field]) errors.push({ type: "FieldValueRequired", field, detail: "" });
  }
  return errors;
}

/** The required fields of a CronJob (`schedule`, `jobTemplate`) and a Job (`template`), as upstream validation. */
function validateBatch(object: KubeObject): FieldError[] {
  const spec = object.spec as Record<string, unknown>;
  const required = object.kind === "CronJob" ? ["schedule", "jobTemplate"] : ["template"];
  return required
    .filter((f) => spec[f] === undefined || spec[f] === "")
    .map((f) => ({ type: "FieldValueRequired", field: `spec.${f}`, detail: "" }));
}

/**
 * Defaults and validates an object about to be created (`old` undefined) or updated; throws a 422.
 * Status written to the main resource is dropped (create) or kept from `old` (update).
 */
export function admit(
  type: ResourceType,
  object: KubeObject,
  old: KubeObject | undefined,
  namespace: string | undefined,
): void {
  const errors: FieldError[] = [];
  if (!old) errors.push(...nameErrors(object.metadata.name, object.metadata.generateName));
  switch (type.kind) {
    case "Deployment": {
      const d = object as Deployment;
      d.spec ??= {} as Deployment["spec"];
      defaultDeployment(d);
      errors.push(...validateDeployment(d, old as Deployment | undefined));
      d.status = old ? (old as Deployment).status : {};
      break;
    }
    case "ReplicaSet": {
      const spec = (object.spec ??= {}) as { replicas?: number; template?: { spec?: PodSpec } };
      spec.replicas ??= 1;
      if (spec.template?.spec) defaultPodSpec(spec.template.spec);
      object.status = old ? old.status : { replicas: 0 };
      break;
    }
    case "PodDisruptionBudget":
      object.spec ??= {};
      errors.push(...validatePdb(object as PodDisruptionBudget));
      object.status = old
        ? old.status
        : { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
      break;
    case "Lease":
      object.spec ??= {};
      errors.push(...validateLease(object as Lease));
      break;
    case "Event":
      errors.push(...validateEvent(object as CoreEvent, namespace));
      break;
    case "CronJob":
    case "Job":
      // Status is the controllers' (a status subresource): a create starts without one, an update keeps it.
      object.spec ??= {};
      errors.push(...validateBatch(object));
      if (old) object.status = old.status;
      else delete object.status;
      break;
    case "Pod":
      object.spec ??= {};
      defaultPodSpec(object.spec as PodSpec);
      object.status = old ? old.status : { phase: "Pending", qosClass: "BestEffort" };
      break;
  }
  if (errors.length > 0) {
    throw status.invalid(
      type.group,
      type.kind,
      object.metadata.name ?? object.metadata.generateName ?? "",
      errors,
    );
  }
}
