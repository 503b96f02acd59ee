/**
 * rotor's component provider plugin (`pulumi-resource-rotor`) installed as a user installs it: `npm run build` (the
 * plugin runs the compiled provider in dist/), then `npm install --global` of the checkout into the test file's own
 * prefix, which links the package's bins, the plugin among them. The CLI finds it on PATH.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { run } from "./context";
import type { PulumiEnv } from "./pulumi";
import { ROOT } from "./rotor";

export interface RotorPlugin {
  /** PATH with the plugin's directory first: pass it to the CLI's environment. */
  readonly path: string;
  /** The plugin executable the CLI runs (it says so in a warning on every operation). */
  readonly binary: string;
}

export async function installRotorPlugin(p: PulumiEnv): Promise<RotorPlugin> {
  const built = await run("npm", ["run", "build"], { cwd: ROOT });
  assert.equal(built.code, 0, built.stderr);
  const prefix = join(p.dir, "npm-global");
  const installed = await run(
    "npm",
    ["install", "--global", "--prefix", prefix, "--offline", "--no-audit", "--no-fund", ROOT],
    { cwd: p.dir },
  );
  assert.equal(installed.code, 0, installed.stderr);
  const bin = join(prefix, "bin");
  return { path: `${bin}:${process.env.PATH ?? ""}`, binary: join(bin, "pulumi-resource-rotor") };
}
