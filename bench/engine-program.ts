// One size of `npm run bench -- engine`: generates a catalog of N apps, then `pulumi preview`, `pulumi up` and
// `pulumi destroy` of rotor's stack program with the real engine against the running e2e control plane, through
// the e2e suite's own Automation API code (e2e/harness/pulumi.ts). Prints its figures as JSON on stdout, its
// progress on stderr. bench/engine.ts runs it once per size, each in a fresh process (the program runs in this
// process, as an inline program, with the fast path `pulumi up` takes: no stack traces).
//   ROTOR_E2E_STATE    the control plane's state file      ROTOR_E2E_PULUMI   the engine's directory
//
// Two engine settings, each worth a multiple of the run time at 100 apps and more at 1,000 (the README's Benchmarks
// section has the figures):
// - --parallel 64 (ROTOR_BENCH_PARALLEL=<n> to change it): the CLI's default is 4 per CPU, 8 here, and the provider
//   holds a slot while it awaits an object: a Deployment until it is Available, a Service until its endpoints have
//   been quiet for 10 s. With 8 slots, 1,000 apps wait 1,000 × 10 s / 8 for their Services alone. Awaiting costs no
//   CPU, so many more slots than CPUs is right.
// - PULUMI_SKIP_CHECKPOINTS=true (set PULUMI_SKIP_CHECKPOINTS=false to measure without it): with a file backend
//   the CLI otherwise rewrites the whole state file after every step, quadratic in the stack's size; with it, only
//   the final state is written (an interrupted up then leaves the state of the last completed operation).
import type { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { e2e } from "../e2e/harness/context";
import { inlineStack, pulumiEnv, removePulumiEnv, rotorProgram } from "../e2e/harness/pulumi";
import { engineCatalog, ENVIRONMENT } from "./engine-catalog";

/** CPU seconds so far, per process: this one (the program and the Automation API), the CLI with its plugins, the control plane's. */
type Cpu = Record<string, number>;

/** The engine's --parallel unless ROTOR_BENCH_PARALLEL says otherwise (see above). */
export const DEFAULT_PARALLEL = 64;

const TICKS = 100; // USER_HZ: /proc's clock ticks per second on Linux

function procCpu(pid: number | "self", children: boolean): number {
  // /proc/<pid>/stat: fields after the command's closing parenthesis, from field 3 (state) on.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  const at = (n: number) => Number(fields[n - 3] ?? 0);
  return (children ? at(16) + at(17) : at(14) + at(15)) / TICKS;
}

function cpuNow(): Cpu {
  const self = process.cpuUsage();
  const cpu: Cpu = {
    program: (self.user + self.system) / 1e6,
    // The CLI once it has exited (and waited for its plugins: the provider's CPU is counted in it).
    "pulumi CLI + provider": procCpu("self", true),
  };
  for (const pid of e2e().state.pids) {
    const name = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    cpu[name] = (cpu[name] ?? 0) + procCpu(pid, false);
  }
  return cpu;
}

function cpuSince(before: Cpu): Cpu {
  const now = cpuNow();
  return Object.fromEntries(
    Object.entries(now).map(([k, v]) => [k, Number((v - (before[k] ?? 0)).toFixed(2))]),
  );
}

/**
 * Steps seen in the event stream, and the seconds they took by resource type (from step start to outputs; a
 * component's step ends when it registers its outputs, once its children are declared).
 */
function stepClock(label: string, total: number) {
  const started = new Map<string, number>();
  const byType: Record<string, { steps: number; seconds: number }> = {};
  const begin = Date.now();
  let done = 0;
  let lastRegistered = 0;
  const onEvent = (event: EngineEvent) => {
    const now = Date.now();
    if (event.resourcePreEvent) {
      started.set(event.resourcePreEvent.metadata.urn, now);
      lastRegistered = now;
    }
    const out = event.resOutputsEvent?.metadata;
    // The stack's own step lasts the whole operation: not a step to profile.
    if (out && out.type !== "pulumi:pulumi:Stack") {
      // A component can report outputs more than once (when it registers them, and when its step completes).
      const from = started.get(out.urn);
      if (from === undefined) return;
      started.delete(out.urn);
      const t = (byType[out.type] ??= { steps: 0, seconds: 0 });
      t.steps++;
      t.seconds += (now - from) / 1000;
      done++;
      if (done % Math.max(1, Math.round(total / 5)) === 0)
        process.stderr.write(
          `bench engine: ${label}: ${done}/${total} after ${((now - begin) / 1000).toFixed(0)} s\n`,
        );
    }
  };
  return {
    onEvent,
    profile: () => ({
      lastStepStartedSeconds: Number(((lastRegistered - begin) / 1000).toFixed(1)),
      byType: Object.fromEntries(
        Object.entries(byType)
          .sort(([, a], [, b]) => b.seconds - a.seconds)
          .map(([type, t]) => [
            type,
            { steps: t.steps, meanSeconds: Number((t.seconds / t.steps).toFixed(2)) },
          ]),
      ),
    }),
  };
}

async function timed<T>(
  label: string,
  total: number,
  operation: (onEvent: (e: EngineEvent) => void) => Promise<T>,
) {
  const clock = stepClock(label, total);
  const cpu = cpuNow();
  const start = Date.now();
  const result = await operation(clock.onEvent);
  return { result, seconds: (Date.now() - start) / 1000, cpu: cpuSince(cpu), steps: clock.profile() };
}

function expect(what: string, got: unknown, want: unknown): void {
  if (JSON.stringify(got) !== JSON.stringify(want))
    throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

async function main(): Promise<void> {
  const apps = Number(process.argv[2]);
  const parallel = Number(process.env.ROTOR_BENCH_PARALLEL ?? DEFAULT_PARALLEL);
  const catalog = engineCatalog(apps, `b${apps}`);
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-engine-"));
  for (const [file, text] of Object.entries(catalog.files)) writeFileSync(join(dir, file), text);
  const p = await pulumiEnv();
  p.env.PULUMI_SKIP_CHECKPOINTS = process.env.PULUMI_SKIP_CHECKPOINTS ?? "true";
  let stack: Stack | undefined;
  try {
    stack = await inlineStack(
      p,
      `bench-${apps}`,
      rotorProgram(ENVIRONMENT, dir, undefined, { stackTraces: false }),
    );
    const s = stack;
    const n = catalog.resources;
    const preview = await timed("preview", n, (onEvent) => s.preview({ onEvent, parallel }));
    expect(`preview of ${apps} apps`, preview.result.changeSummary, { create: n });
    const up = await timed("up", n, (onEvent) => s.up({ onEvent, parallel }));
    expect(`up of ${apps} apps`, up.result.summary.resourceChanges, { create: n });
    const destroy = await timed("destroy", n, (onEvent) => s.destroy({ onEvent, parallel }));
    expect(`destroy of ${apps} apps`, destroy.result.summary.resourceChanges, { delete: n });
    await s.workspace.removeStack(s.name);
    stack = undefined;
    const figures = (t: { seconds: number; cpu: Cpu; steps: unknown }) => ({
      seconds: t.seconds,
      cpu: t.cpu,
      steps: t.steps,
    });
    process.stdout.write(
      JSON.stringify({
        apps,
        namespaces: catalog.namespaces.length,
        resources: n,
        pods: catalog.pods,
        parallel,
        skipCheckpoints: p.env.PULUMI_SKIP_CHECKPOINTS,
        preview: figures(preview),
        up: figures(up),
        destroy: figures(destroy),
      }),
    );
  } finally {
    // A failed size keeps its Pulumi directory (state, logs) to look at; its objects go with the control plane.
    if (stack === undefined) removePulumiEnv(p);
    else process.stderr.write(`bench engine: ${apps} apps failed; its Pulumi directory is ${p.dir}\n`);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module)
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  });
