import { z } from "zod";
import { appSchema } from "../components/app-schema";
import { recyclerSchema } from "../components/pod-recycler";
import { scriptSchema } from "../components/recycler-script";
import { DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX } from "../contract/names";

/**
 * rotor's Pulumi package schema, generated from the components' zod schemas (the single source of truth) through
 * zod's JSON Schema output, so Pulumi users of every language see the same fields, types and descriptions the
 * components validate. Generated when the plugin starts, never committed: it cannot drift from the zod schema.
 * @see https://www.pulumi.com/docs/iac/guides/building-extending/packages/schema/
 */

/** The package name: resource tokens are `rotor:index:<Name>`. */
export const PACKAGE = "rotor";

/** A Pulumi schema type reference (the subset rotor's inputs need). */
export type TypeSpec =
  | { type: "string" | "integer" | "number" | "boolean" }
  | { type: "array"; items: TypeSpec }
  | { type: "object"; additionalProperties: TypeSpec }
  | { $ref: string }
  | { oneOf: TypeSpec[] };

export type PropertySpec = TypeSpec & { description?: string; plain?: boolean };

export interface ObjectTypeSpec {
  type: "object";
  description?: string;
  properties: Record<string, PropertySpec>;
  required?: string[];
}

export interface EnumTypeSpec {
  type: "string";
  description?: string;
  enum: { value: string }[];
}

export interface ResourceSpec {
  isComponent: true;
  description: string;
  inputProperties: Record<string, PropertySpec>;
  requiredInputs: string[];
  properties: Record<string, PropertySpec>;
  required: string[];
}

export interface PackageSpec {
  name: string;
  version: string;
  displayName: string;
  description: string;
  license: string;
  meta: { moduleFormat: string };
  types: Record<string, ObjectTypeSpec | EnumTypeSpec>;
  resources: Record<string, ResourceSpec>;
}

/** The JSON Schema nodes zod writes for rotor's schemas. */
interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  id?: string;
}

/** The token of a type or resource of this package. */
export function token(name: string): string {
  return `${PACKAGE}:index:${name}`;
}

/**
 * Type names that read better than the ones derived from their path (`<Parent><Key>`, array items singular).
 * Keyed by `<Parent>.<key>`; two paths may share a name only if they generate the same type (checked).
 */
const TYPE_NAMES: Record<string, string> = {
  "RotatingApp.ports": "ContainerPort",
  "ProbeHttpGet.httpHeaders": "HttpHeader",
  "Resources.requests": "ResourceList",
  "Resources.limits": "ResourceList",
  "TopologySpread.nodes": "SpreadMode",
  "TopologySpread.zones": "SpreadMode",
  "PodRecycler.strategy": "RotationStrategy",
};

/**
 * Inputs that must be plain values, as in the TypeScript args (`RotatingAppArgs`): they decide which resources
 * exist, so they cannot wait for another resource's output.
 */
const PLAIN = new Set(["RotatingApp.rotation", "RotatingApp.autoscaling", "Rotation.enabled"]);

const pascal = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);
const singular = (key: string) => (key.endsWith("s") ? key.slice(0, -1) : key);

class Generator {
  readonly types: Record<string, ObjectTypeSpec | EnumTypeSpec> = {};

  /** The `$defs` of the JSON Schema being converted (zod's named schemas, like Probe). */
  defs: Record<string, JsonSchema> = {};

  /** @param resources names of the package's resources, whose inputs name their types after the key alone */
  constructor(private readonly resources: ReadonlySet<string>) {}

  /** Defines a named type, or checks that an earlier definition of the name is the same type. */
  private define(name: string, spec: ObjectTypeSpec | EnumTypeSpec, where: string): { $ref: string } {
    const key = token(name);
    const earlier = this.types[key];
    if (earlier && JSON.stringify(earlier) !== JSON.stringify(spec)) {
      throw new Error(
        `Pulumi schema: type ${key} (for ${where}) differs from an earlier type of that name; give it its own name in TYPE_NAMES.`,
      );
    }
    this.types[key] = spec;
    return { $ref: `#/types/${key}` };
  }

  /** An object's properties, as the inputs of a resource or the properties of an object type. */
  properties(
    owner: string,
    node: JsonSchema,
  ): { properties: Record<string, PropertySpec>; required: string[] } {
    const properties: Record<string, PropertySpec> = {};
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      properties[key] = this.property(owner, key, child);
    }
    return { properties, required: [...(node.required ?? [])] };
  }

  private property(owner: string, key: string, node: JsonSchema): PropertySpec {
    const path = `${owner}.${key}`;
    // A resource's own inputs name their types after the key alone (Rotation), nested ones after their owner too.
    const derived = `${this.resources.has(owner) ? "" : owner}${pascal(key)}`;
    const spec: PropertySpec = this.type(node, TYPE_NAMES[path] ?? derived, path);
    const description = node.description;
    return {
      ...spec,
      ...(description === undefined ? {} : { description }),
      ...(PLAIN.has(path) ? { plain: true } : {}),
    };
  }

  private type(node: JsonSchema, name: string, path: string): TypeSpec {
    const ref = node.$ref ?? (node.allOf?.length === 1 ? node.allOf[0]?.$ref : undefined);
    if (ref !== undefined) {
      const id = ref.replace("#/$defs/", "");
      const def = this.defs[id];
      if (!def) throw new Error(`Pulumi schema: ${path} refers to ${ref}, which zod did not define.`);
      return this.type({ ...def, description: undefined }, id, path);
    }
    // Unions (a port number or name, a quantity written as a number): Pulumi schemas express them with oneOf,
    // which YAML accepts as either member and the SDKs generate as a union type (Python Union[int, str]), the
    // way Pulumi's own Kubernetes schema writes IntOrString. A string enum would lose the number.
    const members = node.anyOf ?? node.oneOf;
    if (members) return { oneOf: members.map((m, i) => this.type(m, `${name}${i}`, `${path}|${i}`)) };
    if (Array.isArray(node.type)) {
      return { oneOf: node.type.map((t, i) => this.type({ type: t }, `${name}${i}`, `${path}|${i}`)) };
    }
    if (node.const !== undefined || (node.enum && node.type !== "string")) {
      throw new Error(
        `Pulumi schema: ${path} is a literal or a non-string enum, which Pulumi schemas cannot express: use a z.enum of strings.`,
      );
    }
    switch (node.type) {
      case "string":
        if (node.enum) {
          const values = node.enum.map((v) => ({ value: String(v) }));
          return this.define(name, { type: "string", enum: values }, path);
        }
        return { type: "string" };
      case "integer":
      case "number":
      case "boolean":
        return { type: node.type };
      case "array":
        if (!node.items) {
          throw new Error(
            `Pulumi schema: ${path} is an array without one type for its items (a tuple), which Pulumi schemas cannot express.`,
          );
        }
        return {
          type: "array",
          items: this.type(node.items, TYPE_NAMES[path] ?? singular(name), `${path}[]`),
        };
      case "object": {
        if (node.properties) {
          const { properties, required } = this.properties(name, node);
          const spec: ObjectTypeSpec = {
            type: "object",
            ...(this.defs[name]?.description ? { description: this.defs[name].description } : {}),
            properties,
            ...(required.length > 0 ? { required } : {}),
          };
          return this.define(name, spec, path);
        }
        if (typeof node.additionalProperties === "object") {
          return {
            type: "object",
            additionalProperties: this.type(node.additionalProperties, `${name}Value`, `${path}{}`),
          };
        }
        throw new Error(`Pulumi schema: ${path} is an object with neither properties nor a value type.`);
      }
      default:
        throw new Error(
          `Pulumi schema: ${path} has a JSON Schema Pulumi schemas cannot express: ${JSON.stringify(node)}.`,
        );
    }
  }
}

/** RotatingApp's inputs: an app as the catalog writes it, plus the wiring to a shared RecyclerScript. */
export const rotatingAppInputSchema = appSchema.extend({
  recyclerScriptConfigMap: z.string().regex(DNS_SUBDOMAIN).max(DNS_SUBDOMAIN_MAX).optional().meta({
    description:
      "ConfigMap with the recycler script, shared by the namespace's recyclers: a RecyclerScript's configMapName. Default: the app's PodRecycler makes its own.",
  }),
});

/** What each component registers as outputs (`registerOutputs`), which construct returns as its state. */
const OUTPUTS: Record<string, Record<string, PropertySpec>> = {
  RotatingApp: {
    namespace: { type: "string", description: "Namespace of every object." },
    serviceHost: { type: "string", description: "In-cluster DNS name of the Service." },
    podSelector: {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Labels that select the app's pods.",
    },
  },
  PodRecycler: {
    cronJobName: {
      type: "string",
      description: "Name of the CronJob (and of every other object of the recycler).",
    },
  },
  RecyclerScript: {
    configMapName: { type: "string", description: "Name of the ConfigMap: <namePrefix>-<hash>." },
  },
};

/** A component the package serves: its name (`rotor:index:<name>`), the zod schema of its args, what it is. */
export interface ComponentSchema {
  readonly name: string;
  readonly schema: z.ZodType;
  readonly description: string;
}

/** The components the plugin serves. */
export const COMPONENTS: readonly ComponentSchema[] = [
  {
    name: "RotatingApp",
    schema: rotatingAppInputSchema,
    description:
      "An app whose pods can be rotated at any time without downtime: a Deployment with a surge-only rolling update, readiness gating, graceful shutdown and Pod Security restricted; a Service; a PodDisruptionBudget that allows one voluntary disruption at a time; and a PodRecycler.",
  },
  {
    name: "PodRecycler",
    schema: recyclerSchema,
    description:
      "Rotates the pods of an existing Deployment: a CronJob that runs rotor's recycler with its own least-privilege identity (ServiceAccount, Role, RoleBinding) and the Lease that keeps two runs from overlapping.",
  },
  {
    name: "RecyclerScript",
    schema: scriptSchema,
    description:
      "The recycler script in one immutable ConfigMap per namespace, mounted by every PodRecycler there (pass configMapName as their scriptConfigMap).",
  },
];

/** The resource types the plugin serves, by token. */
export const RESOURCE_TOKENS = COMPONENTS.map((r) => token(r.name));

/** The package schema of rotor at a version (of the given components: tests pass others). */
export function packageSchema(
  version: string,
  components: readonly ComponentSchema[] = COMPONENTS,
): PackageSpec {
  const resources: Record<string, ResourceSpec> = {};
  // One generator for every resource, so types they share (the rotation strategy) are defined once.
  const g = new Generator(new Set(components.map((r) => r.name)));
  for (const r of components) {
    const json = z.toJSONSchema(r.schema, { io: "input", unrepresentable: "throw" }) as JsonSchema;
    g.defs = json.$defs ?? {};
    const { properties, required } = g.properties(r.name, json);
    resources[token(r.name)] = {
      isComponent: true,
      description: r.description,
      inputProperties: properties,
      requiredInputs: required,
      properties: OUTPUTS[r.name] ?? {},
      required: Object.keys(OUTPUTS[r.name] ?? {}),
    };
  }
  return {
    name: PACKAGE,
    version,
    displayName: "rotor",
    description:
      "Declarative, zero-downtime pod rotation for Kubernetes: rotor's components for every Pulumi language.",
    license: "Apache-2.0",
    meta: { moduleFormat: "(.*)" },
    types: Object.fromEntries(Object.entries(g.types).sort(([a], [b]) => a.localeCompare(b))),
    resources,
  };
}
