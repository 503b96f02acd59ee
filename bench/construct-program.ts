// One measurement of `npm run bench`: builds a catalog of N apps, runs the stack program under Pulumi mocks in
// this process and prints {apps, registrations, seconds} as JSON. bench/construct.ts runs it once per size, each
// in a fresh process, because the stack program builds its resources when it is first imported.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { installMocks, settled } from "../test/helpers/pulumi-mocks";
import { syntheticCatalog } from "./synthetic-catalog";

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? "10");
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-"));
  writeFileSync(join(dir, "bench.yaml"), syntheticCatalog(count));
  const registrations = await installMocks({
    stack: "bench",
    config: { "rotor:environment": "bench", "rotor:catalogDir": dir },
    record: false,
  });
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  const program = (await import("../index.js")) as unknown as { default: () => Promise<unknown> };
  await program.default();
  await settled();
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    JSON.stringify({ apps: count, registrations: registrations.length, seconds, cpuSeconds }),
  );
}

if (require.main === module) void main();
