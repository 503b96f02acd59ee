// Public surface of the catalog loader.
export {
  loadEnvironment,
  loadEnvironmentByName,
  environmentsIn,
  displayPath,
  CatalogError,
  deepMerge,
  type Environment,
  type CatalogApp,
  type LoadOptions,
} from "./load";
export { formatSourceProblem, type SourceProblem } from "../source";
export { DEFAULT_MAX_CATALOG_FILE_BYTES } from "./read-file";
export { catalogFileSchema, CATALOG_API_VERSION, type CatalogFile } from "./schema";
export { catalogJsonSchema, CATALOG_SCHEMA_PATH } from "./json-schema";
