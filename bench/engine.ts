/**
 * The real Pulumi engine's figures for `npm run bench` (issue 9): `pulumi preview` and `pulumi up` wall time of rotor's
 * stack program for generated catalogs of 10, 100 and 1,000 apps (bench/engine-catalog.ts), with the CLI and
 * Kubernetes provider e2e/build-pulumi.sh builds, against the e2e control plane (kube-apiserver, KCM, scheduler, etcd,
 * KWOK), beside the construction time under Pulumi mocks (bench/construct.ts). Each size runs in a fresh process
 * (bench/engine-program.ts) and is destroyed before the next; the control plane is stopped at the end, by PID.
 * Targets: 1,000/100 at most 12 for preview and up, the 1,000-app preview under 3 minutes.
 *
 * Nothing is built here: if the control plane or the engine is not in the build cache, it says how to build them
 * and prints the mocks figures alone.
 *   ROTOR_BENCH_ENGINE_SIZES=10,100   other sizes (the ratio needs 100 and 1000)
 *   ROTOR_BENCH_PARALLEL=<n>          the engine's --parallel (default 64; why: bench/engine-program.ts)
 *   PULUMI_SKIP_CHECKPOINTS=false     write the state file after every step, as the CLI does by default
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { cached } from "../e2e/harness/build";
import { ENGINE_ENV, STATE_ENV } from "../e2e/harness/context";
import { ControlPlane } from "../e2e/harness/control-plane";
import { measure, nodeArgs } from "./construct";
import { engineCatalog, engineSizes, nodesFor } from "./engine-catalog";
import { DEFAULT_PARALLEL } from "./engine-program";
import { engineTable, ratio, type EngineRow } from "./engine-table";
import { runStandalone } from "./standalone";

interface Operation {
  readonly seconds: number;
  readonly cpu: Record<string, number>;
  readonly steps: {
    readonly lastStepStartedSeconds: number;
    readonly byType: Record<string, { steps: number; meanSeconds: number }>;
  };
}

interface SizeResult {
  readonly apps: number;
  readonly namespaces: number;
  readonly resources: number;
  readonly pods: number;
  readonly parallel: number;
  readonly skipCheckpoints: string;
  readonly preview: Operation;
  readonly up: Operation;
  readonly destroy: Operation;
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

let running: ChildProcess | undefined;

function measureEngine(apps: number, env: Record<string, string>): Promise<SizeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [...nodeArgs(), "--import", "tsx", join(__dirname, "engine-program.ts"), String(apps)],
      { cwd: join(__dirname, ".."), env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] },
    );
    running = child;
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      running = undefined;
      if (code === 0) resolve(JSON.parse(out) as SizeResult);
      else
        reject(new Error(`the engine bench of ${apps} apps failed (${code ?? signal}); its output is above`));
    });
  });
}

/** Where the CPU went during one operation, largest first, and the slowest steps by resource type. */
function profileLines(r: SizeResult): string[] {
  return (["preview", "up", "destroy"] as const).map((op) => {
    const o = r[op];
    const cpu = Object.entries(o.cpu)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(", ");
    const slow = Object.entries(o.steps.byType)
      .slice(0, 2)
      .map(([type, t]) => `${type.replace(/^kubernetes:/, "")} ${t.meanSeconds.toFixed(2)} s × ${t.steps}`)
      .join(", ");
    return `  ${String(r.apps).padStart(5)} ${op.padEnd(8)} ${o.seconds.toFixed(1).padStart(7)} s; last step started at ${o.steps.lastStepStartedSeconds.toFixed(1)} s; CPU s: ${cpu}; slowest steps: ${slow}`;
  });
}

export async function run(
  log: (line: string) => void,
  earlier: Record<string, Record<string, number>> = {},
): Promise<Record<string, number>> {
  const list = engineSizes(process.env.ROTOR_BENCH_ENGINE_SIZES);
  log(`load average at start: ${load()}`);
  const figures: Record<string, number> = {};
  const rows = new Map<number, { -readonly [K in keyof EngineRow]: EngineRow[K] }>(
    list.map((apps) => [apps, { apps }]),
  );
  // The mocks figure: from this run's construct section when there was one, else measured here, the same way.
  for (const apps of list) {
    const row = rows.get(apps)!;
    row.mocksSeconds = earlier.construct?.[`construct${apps}Seconds`] ?? measure(apps).seconds;
  }

  const binDir = await cached("build.sh", "control plane binaries");
  const engineRoot = binDir && (await cached("build-pulumi.sh", "Pulumi engine", ["cli", "kubernetes"]));
  if (!binDir || !engineRoot) {
    log(
      `the real engine's figures need the control plane and the Pulumi engine, which are not in the build cache yet: build them with \`bash e2e/build.sh && bash e2e/build-pulumi.sh cli kubernetes\` (or \`npm run test:e2e:pulumi\`, which builds both; a cold engine build takes 40 to 70 minutes), then run \`npm run bench -- engine\``,
    );
    figures.engineBuilt = 0;
  } else {
    const pods = Math.max(...list.map((apps) => engineCatalog(apps, "x").pods));
    const plane = await ControlPlane.start({ binDir, nodes: nodesFor(pods) });
    const stop = async () => {
      if (running?.pid !== undefined) process.kill(running.pid, "SIGTERM");
      await plane.stop();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      console.error(`bench engine: ${signal}: stopping the bench and the control plane`);
      void stop().then(() => process.exit(130));
    };
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.once(s, onSignal);
    log(
      `engine settings: --parallel ${process.env.ROTOR_BENCH_PARALLEL ?? DEFAULT_PARALLEL}, PULUMI_SKIP_CHECKPOINTS=${process.env.PULUMI_SKIP_CHECKPOINTS ?? "true"}`,
    );
    log(
      `control plane with ${plane.state.nodes.length} fake nodes healthy after ${(plane.state.startupMs / 1000).toFixed(1)} s; engine ${engineRoot}`,
    );
    const results: SizeResult[] = [];
    try {
      for (const apps of list) {
        const r = await measureEngine(apps, {
          [STATE_ENV]: join(plane.state.dir, "state.json"),
          [ENGINE_ENV]: engineRoot,
        });
        results.push(r);
        Object.assign(rows.get(apps)!, {
          resources: r.resources,
          previewSeconds: r.preview.seconds,
          upSeconds: r.up.seconds,
        });
        log(
          `  ${apps} apps (${r.namespaces} namespaces, ${r.resources} resources, ${r.pods} pods): preview ${r.preview.seconds.toFixed(1)} s, up ${r.up.seconds.toFixed(1)} s, destroy ${r.destroy.seconds.toFixed(1)} s`,
        );
        figures[`enginePreview${apps}Seconds`] = Number(r.preview.seconds.toFixed(2));
        figures[`engineUp${apps}Seconds`] = Number(r.up.seconds.toFixed(2));
        figures[`engineDestroy${apps}Seconds`] = Number(r.destroy.seconds.toFixed(2));
      }
    } finally {
      for (const s of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.off(s, onSignal);
      await plane.stop();
      rmSync(plane.state.dir, { recursive: true, force: true });
      log("control plane stopped");
    }
    log("where the time went (CPU seconds per process during each operation; step time = start to outputs):");
    for (const r of results) for (const line of profileLines(r)) log(line);
    figures.engineBuilt = 1;
  }
  log("");
  log("rotor's stack program: the real Pulumi engine (CLI 3.274.1, provider 4.25.0) vs Pulumi mocks");
  const table = [...rows.values()];
  for (const line of engineTable(table)) log(line);
  for (const [name, f] of [
    ["enginePreviewRatio1000to100", "previewSeconds"],
    ["engineUpRatio1000to100", "upSeconds"],
  ] as const) {
    const x = ratio(table, f);
    if (x !== undefined) figures[name] = Number(x.toFixed(2));
  }
  log(`load average at end: ${load()}`);
  return figures;
}

if (require.main === module) runStandalone(run, (f) => f.engineBuilt !== 1);
