import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

let cached: string | undefined;

/**
 * rotor's version, from the package.json above this file (in the source tree and in dist/ alike): what
 * `rotor --version` prints and what SARIF reports name as the tool's version.
 */
export function rotorVersion(): string {
  if (cached) return cached;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, "package.json");
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "rotor" && pkg.version) return (cached = pkg.version);
    }
    if (dirname(dir) === dir) return (cached = "0.0.0");
  }
}
