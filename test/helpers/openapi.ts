import { schemaErrors } from "../../components/openapi";

/** Kubernetes versions whose OpenAPI schemas the tests validate rendered objects against. */
export const SCHEMA_VERSIONS = ["1.33", "1.36"] as const;

interface Model {
  validate(): void;
}

/**
 * Schema errors of an object against Kubernetes 1.33 (kubernetes-models 4.5, CommonJS, also used at render time)
 * or 1.36 (kubernetes-models 5.1, ESM only, installed under the alias kubernetes-models-1.36).
 */
export async function schemaErrorsFor(
  version: (typeof SCHEMA_VERSIONS)[number],
  object: { apiVersion: string; kind: string; metadata?: { name?: string } },
): Promise<string[]> {
  if (version === "1.33") return schemaErrors(object);
  const specifier = `kubernetes-models-1.36/${object.apiVersion}/${object.kind}`;
  const module = (await import(specifier)) as Record<string, new (data: unknown) => Model>;
  const Model = module[object.kind];
  if (!Model) return [`${object.kind}: no model in kubernetes-models 1.36`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const details = (error as { errors?: { instancePath: string; message?: string }[] }).errors ?? [];
    return details.length > 0
      ? details.map((d) => `${object.kind}/${object.metadata?.name}: ${d.instancePath} ${d.message}`)
      : [String(error)];
  }
}
