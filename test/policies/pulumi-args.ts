import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { KubeObject } from "../../policies/model";

/**
 * Arguments shaped like the ones the policy runtime (`@pulumi/policy`'s analyzer server) builds for each call,
 * so the pack's policies can be exercised without the Pulumi CLI.
 */

const OPTIONS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** The `@pulumi/kubernetes` type token of an object: `kubernetes:apps/v1:Deployment`, `kubernetes:core/v1:Service`. */
export function typeToken(object: { apiVersion: string; kind: string }): string {
  const [group, version] = object.apiVersion.includes("/")
    ? object.apiVersion.split("/")
    : ["core", object.apiVersion];
  return `kubernetes:${group}/${version}:${object.kind}`;
}

/** A URN like the engine's for a resource named after the object. */
export function urnFor(type: string, name: string, stack = "dev"): string {
  return `urn:pulumi:${stack}::rotor::${type}::${name}`;
}

/** A Pulumi resource (type, name, props) for a Kubernetes object, named `<namespace>-<name>` like rotor names them. */
export interface FakeResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
}

export function resourceFor(object: KubeObject): FakeResource {
  const meta = (object.metadata ?? {}) as { name?: string; namespace?: string };
  const type = typeToken(object);
  const name = [meta.namespace, meta.name].filter(Boolean).join("-") || "unnamed";
  return { type, name, urn: urnFor(type, name), props: structuredClone(object) };
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
  const token = (resourceClass as { __pulumiType?: string }).__pulumiType;
  return token === type;
}

/** `ResourceValidationArgs` as the analyzer builds them for `Analyze` (inputs of one resource). */
export function resourceArgs(resource: FakeResource, config: object = {}): ResourceValidationArgs {
  return {
    type: resource.type,
    props: resource.props,
    urn: resource.urn,
    name: resource.name,
    opts: OPTIONS,
    stackTags: new Map(),
    isType: (cls) => isTypeOf(resource.type, cls),
    asType: ((cls: unknown) =>
      isTypeOf(resource.type, cls) ? resource.props : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason ?? ""}`);
    },
  };
}

/** `StackValidationArgs` as the analyzer builds them for `AnalyzeStack` (outputs of every resource). */
export function stackArgs(resources: readonly FakeResource[], config: object = {}): StackValidationArgs {
  const policyResources: PolicyResource[] = resources.map((r) => ({
    type: r.type,
    props: r.props,
    urn: r.urn,
    name: r.name,
    opts: OPTIONS,
    dependencies: [],
    propertyDependencies: {},
    isType: (cls) => isTypeOf(r.type, cls),
    asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? r.props : undefined)) as PolicyResource["asType"],
  }));
  return {
    resources: policyResources,
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`not applicable: ${reason ?? ""}`);
    },
  };
}

/** A violation as `reportViolation` received it. */
export interface Violation {
  readonly policy: string;
  readonly message: string;
  readonly urn?: string;
}

function collector(policy: string, into: Violation[]): ReportViolation {
  return (message: string, urn?: string) =>
    void into.push(urn === undefined ? { policy, message } : { policy, message, urn });
}

/** Runs every resource policy on every resource, as `pulumi preview` does before each resource's step. */
export async function runResourcePolicies(
  policies: readonly ResourceValidationPolicy[],
  resources: readonly FakeResource[],
  config: Record<string, object> = {},
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const resource of resources) {
    for (const policy of policies) {
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      for (const validate of validations) {
        await validate?.(resourceArgs(resource, config[policy.name] ?? {}), collector(policy.name, out));
      }
    }
  }
  return out;
}

/** Runs every stack policy once over all resources, as `pulumi preview` does at the end. */
export async function runStackPolicies(
  policies: readonly StackValidationPolicy[],
  resources: readonly FakeResource[],
  config: Record<string, object> = {},
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const policy of policies)
    await policy.validateStack(stackArgs(resources, config[policy.name] ?? {}), collector(policy.name, out));
  return out;
}
