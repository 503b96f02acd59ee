/** `rotor plan --format text`: one aligned block per app, then a one-line-per-app summary. */
import { describeDuration, formatDuration } from "../contract/duration";
import type { DstChange } from "./dst";
import type { AppPlan, Horizon, RotationPlan } from "./rotation-plan";
import { isoUtc, offsetLabel, wallLabel } from "./time-format";
import { formatOffset } from "./zone";

const LABEL = 17;

/** The assumptions every bound rests on, printed under the plan. */
export const BOUND_ASSUMPTIONS =
  "Bounds hold while the CronJob controller starts each run within startingDeadlineSeconds (a missed run adds one gap) and a run's evictions finish before the next run; they count to the moment the recycler evicts the pod.";

function rows(pairs: readonly (readonly [string, string | readonly string[]])[]): string[] {
  return pairs.flatMap(([label, value]) => {
    const lines = typeof value === "string" ? [value] : value;
    return lines.map((line, i) => `  ${(i === 0 ? label : "").padEnd(LABEL)}${line}`);
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function list(times: readonly string[], max = 4): string {
  return times.length <= max
    ? times.join(", ")
    : `${times.slice(0, max).join(", ")} and ${times.length - max} more`;
}

function inWindow(change: DstChange, runs: DstChange["skipped"]): string {
  if (!change.windowed) return "";
  const n = runs.filter((r) => r.inWindow).length;
  return n === 0 ? ", none inside a window" : `, ${n} inside a window`;
}

/** What one change of offset does to the schedule, in a sentence. */
export function describeDst(change: DstChange): string {
  const head = `${change.date} ${change.wallBefore} → ${change.wallAfter} (${formatOffset(change.offsetBeforeMs)} → ${formatOffset(change.offsetAfterMs)})`;
  const effects: string[] = [];
  if (change.skipped.length > 0) {
    effects.push(
      `skips ${plural(change.skipped.length, "run")} (${list(change.skipped.map((s) => s.time))}: that time does not exist)${inWindow(change, change.skipped)}`,
    );
  }
  if (change.doubled.length > 0) {
    effects.push(
      `runs ${list(change.doubled.map((s) => s.time))} twice (once at each offset)${inWindow(change, change.doubled)}`,
    );
  }
  return `${head}: ${effects.length > 0 ? effects.join("; ") : "no run of the schedule is affected"}`;
}

function appBlock(app: AppPlan, runs: number, ceiling: string, horizon: Horizon): string[] {
  const head = `${app.name} (namespace ${app.namespace}, ${plural(app.replicas, "replica")})`;
  const r = app.rotation;
  if (!r) return [head, ...rows([["rotation", "disabled: pods live until something else replaces them"]])];
  const zone = r.timeZone;
  const perRun =
    r.strategy === "restart" || app.replicas === 1
      ? "a rolling restart of every pod"
      : plural(r.maxRotationsPerRun, "eviction");
  const bound = app.bound;
  const boundRows: string[] = [];
  if (bound && Number.isFinite(bound.boundMs)) {
    boundRows.push(
      `${formatDuration(bound.boundMs)} (${describeDuration(bound.boundMs)}) = maxAge ${formatDuration(bound.maxAgeMs)} + jitter ${formatDuration(bound.jitterMs)} + wait ${formatDuration(bound.waitMs)} for ${plural(bound.runsNeeded, "usable run")} + start deadline ${formatDuration(bound.startDeadlineMs)}`,
    );
    if (bound.worst) {
      boundRows.push(
        `worst case: a pod due ${bound.worst.dueAt === horizon.from ? "at the horizon's start" : `just after the run at ${wallLabel(bound.worst.dueAt, zone)}`} waits for the run at ${wallLabel(bound.worst.rotatedBy, zone)} (${zone})`,
      );
    }
    if (bound.runsNeeded > 1)
      boundRows.push(`longest wait for the next usable run: ${formatDuration(bound.longestGapMs)}`);
  } else {
    boundRows.push("none: pods are never rotated");
  }
  const next = app.usable
    .slice(0, runs)
    .map((t) => `${wallLabel(t, zone)} ${offsetLabel(t, zone)}   ${isoUtc(t)}`);
  return [
    head,
    ...rows([
      ["status", app.status],
      [
        "max age",
        `${formatDuration(r.maxAgeMs)}, plus up to ${formatDuration(r.jitterMs)} of per-pod jitter`,
      ],
      [
        "schedule",
        `${app.scheduleWords ?? r.schedule}; a run may start up to ${formatDuration((app.startingDeadlineSeconds ?? 0) * 1000)} late (startingDeadlineSeconds ${app.startingDeadlineSeconds ?? 0})`,
      ],
      ["windows", r.windows.length > 0 ? `${r.windows.join(", ")} (${zone})` : "none: every run may rotate"],
      [
        "per run",
        `${perRun}${app.runsNeeded === undefined ? "" : `; ${plural(app.replicas, "pod")} need ${plural(app.runsNeeded, "run")}`}`,
      ],
      [
        "runs",
        `${app.scheduled} scheduled in the horizon, ${app.usable.length} usable${app.edge > 0 ? `, ${app.edge} so close to a window's end that a late start misses it` : ""}`,
      ],
      ["next runs", next.length > 0 ? next : ["none in the horizon"]],
      ["DST", app.dst.length > 0 ? app.dst.map(describeDst) : ["no change in the horizon"]],
      ["lifetime bound", boundRows],
      [
        "policy",
        app.finding
          ? [`FLAGGED: ${app.finding.message}`, `fix: ${app.finding.fix}`]
          : [`within the ${ceiling} ceiling`],
      ],
    ]),
  ];
}

/** The summary table: one aligned line per app (also what `rotor demo` prints). */
export function summaryTable(plan: RotationPlan): string[] {
  const header = [
    "APP",
    "STATUS",
    "BOUND",
    `CEILING ${plan.ceiling.duration}`,
    "NEXT RUN (UTC)",
    "DST CHANGES",
  ];
  const body = plan.apps.map((app) => [
    app.name,
    app.status,
    app.bound && Number.isFinite(app.bound.boundMs) ? formatDuration(app.bound.boundMs) : "never",
    app.finding ? "FLAGGED" : app.status === "disabled" ? "-" : "ok",
    app.usable[0] === undefined ? "-" : isoUtc(app.usable[0]),
    app.dst.length === 0
      ? "-"
      : `${app.dst.length}: ${app.dst.some((d) => d.skipped.length + d.doubled.length > 0) ? "runs skipped or doubled" : "no run affected"}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? "").length)));
  return [header, ...body].map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2)))
      .join("")
      .trimEnd(),
  );
}

/** The whole text report. */
export function formatPlanText(plan: RotationPlan, runs: number): string {
  const days = Math.round((plan.horizon.to - plan.horizon.from) / 86_400_000);
  const lines = [
    `rotor plan: environment ${plan.environment} (${plan.files.join(" + ")})`,
    `horizon: ${isoUtc(plan.horizon.from)} to ${isoUtc(plan.horizon.to)} (${plural(days, "day")}); bounds are for pods due in it; ceiling ${plan.ceiling.duration} (rule ${plan.ceiling.rule})`,
    "",
  ];
  for (const app of plan.apps) lines.push(...appBlock(app, runs, plan.ceiling.duration, plan.horizon), "");
  lines.push(...summaryTable(plan), "", BOUND_ASSUMPTIONS);
  return lines.join("\n") + "\n";
}
