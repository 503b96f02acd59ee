// rotor's Pulumi component provider (`pulumi-resource-rotor`) and the package schema it serves.
export { RotorProvider } from "./provider";
export { packageSchema, rotatingAppInputSchema, RESOURCE_TOKENS, PACKAGE, type PackageSpec } from "./schema";
