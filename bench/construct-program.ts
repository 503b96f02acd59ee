// One measurement of `npm run bench`: builds a catalog of N apps, runs the stack program under Pulumi mocks in
// this process and prints {apps, registrations, seconds} as JSON. bench/construct.ts runs it once per size, each
// in a fresh process, because the stack program builds its resources when it is first imported.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { installMocks, settled } from "../test/helpers/pulumi-mocks";

/** A catalog of `count` apps that vary the way real ones do: ports, probes, replicas, rotation settings. */
export function syntheticCatalog(count: number): string {
  const apps: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    apps[`app-${String(i).padStart(4, "0")}`] = {
      image: `registry.example.com/team-${i % 17}/app-${i}:1.${i % 10}.${i % 7}`,
      replicas: 2 + (i % 4),
      ports: [
        { name: "http", containerPort: 8080, servicePort: 80 },
        ...(i % 3 === 0 ? [{ name: "metrics", containerPort: 9090 }] : []),
      ],
      readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
      env: { APP_INDEX: String(i), LOG_LEVEL: i % 2 === 0 ? "info" : "debug" },
      rotation: {
        ...(process.env.ROTOR_BENCH_NO_RECYCLER ? { enabled: false } : {}),
        maxAge: ["12h", "24h", "48h"][i % 3],
        ...(i % 5 === 0 ? { windows: ["Mon-Fri 08:00-20:00"], timeZone: "Europe/Berlin" } : {}),
      },
    };
  }
  return stringify({ apiVersion: "rotor.dev/v1alpha1", kind: "Catalog", namespace: "bench", apps });
}

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
