import { join } from "node:path";
import { Command } from "commander";
import type { Environment } from "../catalog";
import { renderEnvironment, type RenderedEnvironment } from "../catalog/render";
import type { AppSpec } from "../components/app-spec";
import { describeRotation } from "../components/rotation";
// Not ../policies/index: it also exports the CrossGuard adapter, which loads the Pulumi SDK.
import { formatText } from "../policies/report";
import { checkSources, type CheckResult } from "../policies/run-check";
import { describeDuration } from "../contract/duration";
import { runsNeeded } from "../plan/rotation-bound";
import { horizonOf, planEnvironment, type RotationPlan } from "../plan/rotation-plan";
import { summaryTable } from "../plan/text";
import { isoUtc } from "../plan/time-format";
import { EXIT_USAGE } from "./exit-codes";
import { loadOrReport, processIo, writeReporting, type Io } from "./render";

/** The environment `npm start` shows when none is named. */
export const DEFAULT_ENVIRONMENT = "dev";

export interface DemoOptions {
  readonly env: string;
  readonly catalogDir: string;
  readonly out?: string;
}

/** `rotor demo` (what `npm start` runs): render an environment, check it and summarise each app, no cluster needed. */
export function demoCommand(io: Io = processIo): Command {
  return new Command("demo")
    .description("Render, check and summarise an environment: replicas, budget and rotation of each app")
    .option("--env <name>", "environment to show", DEFAULT_ENVIRONMENT)
    .option("--catalog-dir <dir>", "directory holding the catalog files", "environments")
    .option("--out <dir>", "where to write the rendered YAML (default: out/<env>)")
    .action((options: DemoOptions) => {
      process.exitCode = runDemo(options, io);
    });
}

export function runDemo(options: DemoOptions, io: Io = processIo, now: () => number = Date.now): number {
  const environment = loadOrReport(options.catalogDir, options.env, io);
  if (!environment) return EXIT_USAGE;
  const rendered = renderEnvironment(environment);
  const out = options.out ?? join("out", environment.name);
  if (!writeReporting(out, rendered, io)) return EXIT_USAGE;
  // The same check `rotor check out/<env>` runs, over the files just written.
  const check = checkSources(
    rendered.files
      .filter((f) => f.objects.length > 0)
      .map((f) => ({ name: join(out, f.path), text: f.content })),
  );
  const plan = planEnvironment(environment, horizonOf(Math.floor(now() / 60_000) * 60_000, 7));
  io.stdout.write(summarize(environment, rendered, out, check, plan).join("\n") + "\n");
  return check.exitCode;
}

/** The summary `rotor demo` prints: one block per app, in words a reviewer can check against intent. */
export function summarize(
  environment: Environment,
  rendered: RenderedEnvironment,
  out: string,
  check: CheckResult,
  plan: RotationPlan,
): string[] {
  const lines = [
    `rotor: environment ${environment.name} (${environment.files.join(" + ")})`,
    `rendered ${rendered.objects.length} objects for ${environment.apps.length} apps into ${out}/ (Kustomization lists the files)`,
    `checked with ${check.rules.length} rules: ${formatText(check).trimEnd().split("\n").join("\n  ")}`,
    "",
  ];
  for (const { spec } of environment.apps) lines.push(...describeApp(spec), "");
  lines.push(
    `plan for the next 7 days from ${isoUtc(plan.horizon.from)} (rotor plan --env ${environment.name} for runs, windows and DST):`,
    ...summaryTable(plan).map((line) => `  ${line}`),
    "",
  );
  lines.push(
    `next: npx rotor render --env <name> for another environment, or pulumi up -s ${environment.name} against a cluster (README).`,
  );
  return lines;
}

/** One app in words: replicas and surge, disruption budget, rotation and the longest a pod can live. */
export function describeApp(spec: AppSpec): string[] {
  const budget =
    "maxUnavailable" in spec.disruptionBudget
      ? `at most ${spec.disruptionBudget.maxUnavailable} of ${spec.replicas} pods down at a time`
      : `at least ${spec.disruptionBudget.minAvailable} of ${spec.replicas} pods up (${spec.replicas - spec.disruptionBudget.minAvailable} down at a time)`;
  const unhealthy =
    spec.unhealthyPodEvictionPolicy === "AlwaysAllow" ? "; unready pods can always be replaced" : "";
  const rows: [string, string][] = [
    [
      "replicas",
      `${spec.autoscaling ? `${spec.autoscaling.minReplicas} to ${spec.autoscaling.maxReplicas}, autoscaled at ${spec.autoscaling.targetCPUUtilizationPercentage}% CPU` : spec.replicas}; updates add ${spec.maxSurge} new pod${spec.maxSurge === 1 ? "" : "s"} before removing ${spec.maxUnavailable === 0 ? "any" : `up to ${spec.maxUnavailable}`}`,
    ],
    ["disruption budget", `${budget}${unhealthy}`],
  ];
  const r = spec.rotation;
  if (r.enabled) {
    const words = describeRotation(r, spec.replicas);
    const needed = runsNeeded(spec.replicas, r) ?? 1;
    const strategy =
      r.strategy === "restart" || spec.replicas === 1
        ? "rolling restart"
        : `${r.maxRotationsPerRun} eviction${r.maxRotationsPerRun === 1 ? "" : "s"} per run`;
    rows.push(
      [
        "rotation",
        `${words.schedule}; ${strategy}${r.dryRun ? " (dry run: plans only)" : ""}${r.suspend ? " (suspended)" : ""}`,
      ],
      [
        "max pod age",
        `${describeDuration(r.maxAgeMs)} plus up to ${describeDuration(r.jitterMs)} of per-pod jitter`,
      ],
      [
        "max pod lifetime",
        `${words.maxLifetime} (over a year, DST included: age, jitter, the longest wait for ${needed === 1 ? "the next usable run" : `${needed} usable runs`} and a late start)`,
      ],
    );
  } else {
    rows.push(["rotation", "disabled: pods live until something else replaces them"]);
  }
  return [
    `${spec.name} (namespace ${spec.namespace}, image ${spec.image})`,
    ...rows.map(([k, v]) => `  ${k.padEnd(19)}${v}`),
  ];
}
