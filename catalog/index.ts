// Public surface of the catalog loader.
export {
  loadEnvironment,
  loadEnvironmentByName,
  CatalogError,
  formatLocated,
  deepMerge,
  type Environment,
  type CatalogApp,
  type LocatedProblem,
} from "./load";
export { catalogFileSchema, CATALOG_API_VERSION, type CatalogFile } from "./schema";
export { catalogJsonSchema, CATALOG_SCHEMA_PATH } from "./json-schema";
