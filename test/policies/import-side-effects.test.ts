import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";

const root = join(__dirname, "..", "..");

/**
 * Requires `specifiers` in a fresh Node process (through tsx, as the tests run) and returns the modules it
 * loaded from @pulumi/policy and gRPC, and whether a server socket is open afterwards.
 */
function load(...specifiers: string[]): { modules: string[]; listening: boolean } {
  const script = `
    for (const s of ${JSON.stringify(specifiers)}) require(s);
    const modules = Object.keys(require.cache)
      .map((f) => f.split("node_modules/").pop())
      .filter((f) => f.startsWith("@pulumi/policy/") || f.startsWith("@grpc/"));
    const listening = process.getActiveResourcesInfo().includes("TCPServerWrap");
    process.stdout.write(JSON.stringify({ modules, listening }));
    process.exit(0);`;
  const child = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: root,
    encoding: "utf8",
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as { modules: string[]; listening: boolean };
}

describe("importing policies", () => {
  test("loads no policy server and opens no socket, by directory or by index.ts", () => {
    assert.deepEqual(load("./policies", "./policies/index.ts"), {
      modules: ["@pulumi/policy/proxy.js"],
      listening: false,
    });
  });

  test("the check sees the server module when @pulumi/policy's index is loaded", () => {
    const { modules } = load("@pulumi/policy");
    assert.ok(modules.includes("@pulumi/policy/server.js"), modules.join(", "));
    assert.ok(
      modules.some((m) => m.startsWith("@grpc/grpc-js/")),
      modules.join(", "),
    );
  });
});
