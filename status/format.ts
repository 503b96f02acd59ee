/**
 * `rotor status` output: a table that puts what needs attention first, a block per app with the details, and
 * `--format json`, a stable shape (README, "rotor status"): instants are RFC 3339 in UTC, durations are
 * `{ms, text}`; fields are only added in later versions, never renamed; `version` changes if one must be.
 */
import { isoLocal, isoUtc } from "../plan/time-format";
import { formatDuration } from "../contract/duration";
import { statusExitCode, type AppStatus, type PodAge } from "./app-status";

export const STATUS_JSON_VERSION = 1;

/** Which namespaces were read: one, or all of them. */
export type Scope = { readonly namespace: string } | { readonly allNamespaces: true };

function scopeText(scope: Scope): string {
  return "namespace" in scope ? `namespace ${scope.namespace}` : "all namespaces";
}

/** `12m ago` or `in 12m`, from `now`. */
export function relative(ms: number, now: number): string {
  return ms <= now ? `${formatDuration(now - ms)} ago` : `in ${formatDuration(ms - now)}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function lastRunCell(app: AppStatus, now: number): string {
  return app.lastRun ? `${app.lastRun.result} ${relative(app.lastRun.timeMs, now)}` : "none";
}

function nextRunCell(app: AppStatus, now: number): string {
  if (app.nextRunMs === undefined)
    return app.paused.some((p) => p.includes("suspended")) ? "suspended" : "none";
  return relative(app.nextRunMs, now);
}

function oldestCell(app: AppStatus): string {
  const p = app.oldest;
  return p ? `${formatDuration(p.ageMs)}/${formatDuration(p.deadlineMs - p.createdMs)}` : "-";
}

/** The summary line: how many apps fail, are paused, are fine. */
export function summaryLine(apps: readonly AppStatus[], scope: Scope, now: number): string {
  const failing = apps.filter((a) => a.failing).length;
  const paused = apps.filter((a) => !a.failing && a.state === "paused").length;
  const fine = apps.length - failing - paused;
  const parts = [`${failing} failing`, `${paused} paused`, `${fine} within their bound`];
  return `${plural(apps.length, "app")} in ${scopeText(scope)} at ${isoUtc(now)}: ${parts.join(", ")}`;
}

/** The table: one row per app, in the order given (sorted by `sortStatuses`). */
export function statusTable(apps: readonly AppStatus[], now: number): string[] {
  const header = ["APP", "STATE", "READY", "OLDEST/DEADLINE", "DUE", "OVERDUE", "LAST RUN", "NEXT RUN"];
  const rows = apps.map((a) => [
    `${a.namespace}/${a.app}`,
    a.state,
    a.desired === undefined ? "-" : `${a.ready ?? 0}/${a.desired}`,
    oldestCell(a),
    String(a.due),
    String(a.overdue),
    lastRunCell(a, now),
    nextRunCell(a, now),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

function oldestLine(p: PodAge, app: AppStatus, now: number): string {
  const deadline = `${formatDuration(p.deadlineMs - p.createdMs)} (max age ${formatDuration(app.settings.maxAgeMs)} + jitter ${formatDuration(p.jitterMs)})`;
  const when = p.due ? `due since ${isoUtc(p.deadlineMs)}` : `due at ${isoUtc(p.deadlineMs)}`;
  return `${p.name}, age ${formatDuration(p.ageMs)} of ${deadline}; ${when} (${relative(p.deadlineMs, now)})`;
}

/** The details of one app, as labelled lines. */
export function appBlock(app: AppStatus, now: number): string[] {
  const lines: string[] = [`${app.namespace}/${app.app}: ${app.state}`];
  const row = (label: string, text: string) => lines.push(`  ${label.padEnd(10)} ${text}`);
  for (const p of app.problems) row("problem", p.message);
  for (const p of app.paused) row("paused", p);
  for (const n of app.notes) row("note", n);
  if (app.desired !== undefined) {
    row("pods", `${app.desired} desired, ${app.ready ?? 0} Ready; ${app.due} due, ${app.overdue} overdue`);
  }
  if (app.oldest) row("oldest", oldestLine(app.oldest, app, now));
  if (app.lastRun) {
    const r = app.lastRun;
    const rotated =
      r.source === "lease" ? `; rotated ${r.rotated.length > 0 ? r.rotated.join(", ") : "none"}` : "";
    const since =
      app.blockedSinceMs !== undefined && app.blockedSinceMs < r.timeMs
        ? `; blocked since ${isoUtc(app.blockedSinceMs)}`
        : "";
    const from = r.source === "event" ? " (from its Event; the Lease has no report)" : "";
    row(
      "last run",
      `${isoUtc(r.timeMs)} (${relative(r.timeMs, now)}) ${r.result}${r.reason ? `: ${r.reason}` : ""}${rotated}${since}${from}`,
    );
  } else {
    row("last run", "none reported yet");
  }
  if (app.lastJob) {
    const j = app.lastJob;
    const why = [j.reason, j.message].filter((s) => s).join(": ");
    const when =
      j.finishedMs !== undefined
        ? ` at ${isoUtc(j.finishedMs)}`
        : j.startedMs !== undefined
          ? `, started ${isoUtc(j.startedMs)}`
          : "";
    row("last Job", `${j.name} ${j.outcome}${why ? ` (${why})` : ""}${when}`);
  } else {
    row("last Job", "none");
  }
  const s = app.settings;
  if (app.nextRunMs !== undefined) {
    const local =
      s.cronTimeZone === "Etc/UTC" || s.cronTimeZone === "UTC"
        ? ""
        : `, ${isoLocal(app.nextRunMs, s.cronTimeZone)}`;
    const usable =
      app.nextUsableRunMs === undefined
        ? "; no run inside a window within a year"
        : app.nextUsableRunMs !== app.nextRunMs
          ? `; next inside a window ${isoUtc(app.nextUsableRunMs)} (${relative(app.nextUsableRunMs, now)})`
          : "";
    row("next run", `${isoUtc(app.nextRunMs)} (${relative(app.nextRunMs, now)}${local})${usable}`);
  } else {
    row("next run", nextRunCell(app, now));
  }
  const windows =
    s.windows.length > 0 ? `windows ${s.windows.join(", ")} (${s.windowTimeZone})` : "no windows";
  row(
    "rotation",
    `max age ${formatDuration(s.maxAgeMs)}, jitter up to ${formatDuration(s.jitterMs)}, ${s.maxRotations} per run (${s.strategy}); schedule "${s.schedule}" (${s.cronTimeZone}), ${windows}`,
  );
  return lines;
}

/** The whole text output. */
export function formatStatusText(apps: readonly AppStatus[], scope: Scope, now: number): string {
  if (apps.length === 0) {
    return `no apps managed by rotor in ${scopeText(scope)} (no CronJob labelled app.kubernetes.io/managed-by=rotor, app.kubernetes.io/component=pod-recycler)\n`;
  }
  const out = [summaryLine(apps, scope, now), "", ...statusTable(apps, now)];
  for (const app of apps) out.push("", ...appBlock(app, now));
  return `${out.join("\n")}\n`;
}

const duration = (ms: number) => ({ ms, text: formatDuration(ms) });
const instant = (ms: number | undefined) => (ms === undefined ? null : isoUtc(ms));

function podJson(p: PodAge | undefined) {
  if (!p) return null;
  return {
    name: p.name,
    created: isoUtc(p.createdMs),
    age: duration(p.ageMs),
    jitter: duration(p.jitterMs),
    deadline: isoUtc(p.deadlineMs),
    rotateBy: instant(p.rotateByMs),
    due: p.due,
    overdue: p.overdue,
  };
}

/** One app in `--format json`. */
export function appJson(app: AppStatus) {
  const s = app.settings;
  return {
    namespace: app.namespace,
    app: app.app,
    cronJob: app.cronJob,
    state: app.state,
    failing: app.failing,
    problems: app.problems.map((p) => ({ kind: p.kind, message: p.message })),
    notes: [...app.notes],
    paused: [...app.paused],
    replicas: app.desired === undefined ? null : { desired: app.desired, ready: app.ready ?? 0 },
    pods: { live: app.pods, due: app.due, overdue: app.overdue },
    oldestPod: podJson(app.oldest),
    lastRun: app.lastRun
      ? {
          time: isoUtc(app.lastRun.timeMs),
          result: app.lastRun.result,
          reason: app.lastRun.reason,
          rotated: [...app.lastRun.rotated],
          source: app.lastRun.source,
        }
      : null,
    blockedSince: instant(app.blockedSinceMs),
    lastJob: app.lastJob
      ? {
          name: app.lastJob.name,
          outcome: app.lastJob.outcome,
          reason: app.lastJob.reason ?? null,
          message: app.lastJob.message ?? null,
          started: instant(app.lastJob.startedMs),
          finished: instant(app.lastJob.finishedMs),
        }
      : null,
    nextRun: instant(app.nextRunMs),
    nextUsableRun: instant(app.nextUsableRunMs),
    rotation: {
      maxAge: duration(s.maxAgeMs),
      jitter: duration(s.jitterMs),
      maxRotations: s.maxRotations,
      strategy: s.strategy,
      schedule: s.schedule,
      timeZone: s.cronTimeZone,
      windows: [...s.windows],
      windowTimeZone: s.windowTimeZone,
      lease: s.lease,
      startingDeadlineSeconds: s.startingDeadlineSeconds,
      activeDeadlineSeconds: s.activeDeadlineSeconds,
    },
  };
}

/** The whole `--format json` document. */
export function statusJson(apps: readonly AppStatus[], scope: Scope, now: number) {
  return {
    version: STATUS_JSON_VERSION,
    now: isoUtc(now),
    namespace: "namespace" in scope ? scope.namespace : null,
    allNamespaces: !("namespace" in scope),
    exitCode: statusExitCode(apps),
    apps: apps.map(appJson),
  };
}
