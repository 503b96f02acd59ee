// One measurement of `npm run bench`: loads one catalog file in this process and prints
// {apps, bytes, seconds, cpuSeconds} as JSON. bench/catalog.ts runs it once per size, each in a fresh process, so
// one size's garbage and warmed-up caches do not flatter or burden the next.
import { statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { loadEnvironment } from "../catalog";

function main(): void {
  const file = process.argv[2] ?? "";
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  // The largest size is over the default limit on purpose: the limit is a choice, linearity is what is measured.
  const environment = loadEnvironment(file, { maxFileBytes: Number.MAX_SAFE_INTEGER });
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  process.stdout.write(
    JSON.stringify({
      apps: environment.apps.length,
      bytes: statSync(file).size,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    }),
  );
}

if (require.main === module) main();
