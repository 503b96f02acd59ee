import type {
  Policies,
  PolicyConfigSchema,
  ReportViolation,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import { configSchemaFor, settingsFor, type ResolvedConfig } from "./config";
import { evaluate } from "./engine";
import { findingText } from "./finding-text";
import { KubeIndex } from "./kube-index";
import { dict } from "./kube";
import type { Finding, KubeObject, Rule } from "./model";
import { RULES } from "./rules";

/**
 * The rule catalog as CrossGuard policies, without constructing a `PolicyPack` (that starts a gRPC server, so
 * only policy-pack/index.ts does it). Rules that look at one object become resource policies (run on each resource's
 * inputs before it is created or updated); rules that relate objects become stack policies (run on every
 * resource's outputs at the end of a preview or update). Both adapt Pulumi's `type` token and `props` into the
 * plain Kubernetes objects the rules take, and report each finding through `reportViolation` as
 * `<object>: <message> Fix: <fix>` (the policy name is the rule id; stack findings carry the object's URN).
 */

/** The part of a Pulumi resource the adapter reads; both `ResourceValidationArgs` and `PolicyResource` have it. */
export interface PulumiResourceLike {
  readonly type: string;
  readonly props: Record<string, unknown>;
  readonly urn: string;
  readonly name: string;
}

/** A Pulumi resource as a Kubernetes object; `incomplete` when some of its values are unknown (a preview). */
export interface AdaptedResource {
  readonly object: KubeObject;
  readonly urn: string;
  readonly incomplete: boolean;
}

/**
 * CrossGuard's error for a value unknown during a preview, from the module that defines it: the package's index
 * also loads its policy server and gRPC, which importing policies must not (test/policies/import-side-effects).
 * The package ships no typings for it (proxy.d.ts is empty), so its type is declared here.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { UnknownValueError } = require("@pulumi/policy/proxy") as {
  UnknownValueError: new (...args: never[]) => Error;
};

/** Groups of `@pulumi/kubernetes` types that are not single Kubernetes objects (components, charts). */
const NOT_OBJECTS = new Set(["yaml", "helm.sh", "kustomize"]);

/**
 * The `apiVersion` and `kind` of a `@pulumi/kubernetes` type token: `kubernetes:apps/v1:Deployment` is
 * `apps/v1` Deployment, `kubernetes:core/v1:Service` is `v1` Service. Undefined for other providers, for Patch
 * and List types and for components.
 */
export function kubeTypeOf(token: string): { apiVersion: string; kind: string } | undefined {
  const match = /^kubernetes:([A-Za-z0-9.-]+)\/([A-Za-z0-9]+):([A-Za-z0-9]+)$/.exec(token);
  if (!match) return undefined;
  const [, group, version, kind] = match as unknown as [string, string, string, string];
  if (NOT_OBJECTS.has(group) || kind.endsWith("Patch") || kind.endsWith("List")) return undefined;
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind };
}

/**
 * Fields no rule reads. During a preview they are unknown for every resource about to be created (the API
 * server fills them in), so an unknown there must not stop the rules from judging the object.
 */
const SERVER_FILLED = [
  /^status(\.|$)/,
  /^metadata\.(uid|resourceVersion|creationTimestamp|generation|managedFields|selfLink)(\.|$)/,
];

/**
 * Copies a resource's props into plain data. During a preview some values are unknown and CrossGuard's proxy
 * throws when they are read; those fields are left out, and unless they are fields the API server fills in,
 * the object is marked incomplete.
 */
export function adaptResource(resource: PulumiResourceLike): AdaptedResource | undefined {
  const type = kubeTypeOf(resource.type);
  if (!type) return undefined;
  const unknown: string[] = [];
  const props = dict(copyKnown(resource.props, "", unknown)) ?? {};
  return {
    object: { ...props, apiVersion: type.apiVersion, kind: type.kind },
    urn: resource.urn,
    incomplete: unknown.some((path) => !SERVER_FILLED.some((re) => re.test(path))),
  };
}

function copyKnown(value: unknown, path: string, unknown: string[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  const read = (key: string | number): { value: unknown } | undefined => {
    try {
      return { value: (value as Record<string | number, unknown>)[key] };
    } catch (error) {
      if (!(error instanceof UnknownValueError)) throw error;
      unknown.push(path === "" ? String(key) : `${path}.${key}`);
      return undefined;
    }
  };
  const child = (key: string | number) => (path === "" ? String(key) : `${path}.${key}`);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      const item = read(i);
      out.push(item === undefined ? undefined : copyKnown(item.value, child(i), unknown));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const field = read(key);
    if (field !== undefined && field.value !== undefined)
      out[key] = copyKnown(field.value, child(key), unknown);
  }
  return out;
}

/** The text passed to `reportViolation`: the object, what is wrong and the fix, as `rotor check`'s SARIF says it. */
export const violationMessage: (finding: Finding) => string = findingText;

/** Rule settings come from the policy's config (`--policy-pack-config`); levels are the engine's business. */
function configFrom(rule: Rule, given: object): ResolvedConfig {
  return {
    levelOf: () => rule.defaultLevel,
    settingsOf: (r) => settingsFor(r, given as Record<string, unknown>),
  };
}

/**
 * Evaluates one rule over adapted resources and reports what is not waived. Findings on objects with unknown
 * values are skipped: they are checked again, with every value known, when `pulumi up` runs the policies.
 */
function run(rule: Rule, view: AdaptedStack, given: object, report: ReportViolation, withUrn: boolean): void {
  const byObject = new Map(view.resources.map((r) => [r.object, r]));
  const findings = evaluate(view.index, { rules: [rule], config: configFrom(rule, given) });
  for (const finding of findings) {
    const resource = byObject.get(finding.object);
    if (finding.waivedBecause !== undefined || !resource || resource.incomplete) continue;
    if (withUrn) report(violationMessage(finding), resource.urn);
    else report(violationMessage(finding));
  }
}

function common(rule: Rule) {
  const hasSettings = Object.keys(rule.settings).length > 0;
  return {
    name: rule.id,
    description: rule.description,
    enforcementLevel: rule.defaultLevel,
    severity: rule.severity,
    remediationSteps: rule.remediation,
    tags: ["kubernetes", ...rule.tags],
    ...(hasSettings ? { configSchema: configSchemaFor(rule) as PolicyConfigSchema } : {}),
  };
}

/** A resource policy for a rule that looks at one object. */
export function resourcePolicy(rule: Rule): ResourceValidationPolicy {
  return {
    ...common(rule),
    validateResource: (args, reportViolation) => {
      const adapted = adaptResource(args);
      if (adapted) run(rule, adaptedStack([adapted]), args.getConfig(), reportViolation, false);
    },
  };
}

/** Adapted resources and the index the rules read them through. */
interface AdaptedStack {
  readonly resources: readonly AdaptedResource[];
  readonly index: KubeIndex;
}

function adaptedStack(resources: readonly AdaptedResource[]): AdaptedStack {
  return { resources, index: new KubeIndex(resources.map((r) => r.object)) };
}

/**
 * The stack as the stack policies of one pack see it. The engine calls every stack policy in turn with the same
 * resources (each call with its own copies), so the first call builds the index, and the others reuse it while
 * the resources they are given are equal to the first's: one `KubeIndex` per AnalyzeStack, its lookups
 * (workloads, selectors, budgets) built once for every rule, as `rotor check` does. Another stack, or the same
 * stack after an update, differs in some value and gets its own.
 */
export function stackView(): (resources: readonly PulumiResourceLike[]) => AdaptedStack {
  let last: AdaptedStack | undefined;
  return (resources) => {
    const adapted = resources.map(adaptResource).filter((r): r is AdaptedResource => r !== undefined);
    if (!last || !sameData(adapted, last.resources)) last = adaptedStack(adapted);
    return last;
  };
}

/**
 * Whether two values copied from resource props (plain objects, arrays, primitives) are equal. Written out
 * rather than `util.isDeepStrictEqual`, which also weighs prototypes and symbols and took three times as long on
 * a 10,000-object stack, once per stack policy.
 */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameData(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  return keys.every((key) => Object.hasOwn(y, key) && sameData(x[key], y[key]));
}

/** A stack policy for a rule that relates objects; `view` is shared by the stack policies of one pack. */
export function stackPolicy(rule: Rule, view = stackView()): StackValidationPolicy {
  return {
    ...common(rule),
    validateStack: (args, reportViolation) => {
      run(rule, view(args.resources), args.getConfig(), reportViolation, true);
    },
  };
}

/** Every rule of the catalog as a CrossGuard policy, in catalog order; the stack policies share one view. */
export function rotorPolicies(rules: readonly Rule[] = RULES): Policies {
  const view = stackView();
  return rules.map((rule) => (rule.scope === "object" ? resourcePolicy(rule) : stackPolicy(rule, view)));
}
