/**
 * Validation of rendered objects against the Kubernetes OpenAPI schemas, through kubernetes-models (generated
 * from Kubernetes 1.33's OpenAPI spec, with its validators precompiled by ajv). `rotor render` refuses to write
 * an object the API server would reject.
 */

/** The Kubernetes version of the schemas this module validates against. */
export const SCHEMA_KUBERNETES_VERSION = "1.33";

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

const models = new Map<string, ModelClass | undefined>();

/** The module path of a kind in kubernetes-models: `apps/v1/Deployment`, or `v1/Service` for the core group. */
export function modelPath(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

function model(apiVersion: string, kind: string): ModelClass | undefined {
  const key = modelPath(apiVersion, kind);
  if (!models.has(key)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is chosen by kind at run time
      const module = require(`kubernetes-models/${key}`) as Record<string, ModelClass>;
      models.set(key, module[kind]);
    } catch {
      models.set(key, undefined);
    }
  }
  return models.get(key);
}

/** Schema errors of one object, as `<kind>/<name>: <json path> <message>` lines; empty when it is valid. */
export function schemaErrors(object: {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
}): string[] {
  const label = `${object.kind ?? "?"}/${object.metadata?.name ?? "?"}`;
  const Model = object.apiVersion && object.kind ? model(object.apiVersion, object.kind) : undefined;
  if (!Model) return [`${label}: unknown apiVersion/kind ${object.apiVersion ?? "?"}/${object.kind ?? "?"}`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const details = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!details) return [`${label}: ${String(error)}`];
    return details.map((d) => `${label}: ${d.instancePath || "/"} ${d.message ?? "is invalid"}`);
  }
}
