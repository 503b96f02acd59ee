/**
 * The `yaml` library, loaded on first use. Most manifests never need it (the fast reader in `./fast-yaml.ts`
 * parses them, and positions are only looked up for findings), and loading it is about a third of what
 * `rotor check` spends starting up.
 */
import type * as Yaml from "yaml";

let loaded: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  // A synchronous require on purpose: the parsers that call this are synchronous.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require("yaml") as typeof Yaml);
}
