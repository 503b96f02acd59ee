/**
 * What a run says about itself: the report it returns, the JSON log line it writes per step, and the text form
 * of both for people at a terminal.
 */
import type { PlanStep } from "./plan";
import type { Strategy } from "./settings";

export type RecyclerResult =
  | "rotated"
  | "nothing-to-do"
  | "blocked"
  | "skipped"
  | "failed"
  | "dry-run"
  /** The Deployment named by --deployment is not in the namespace: a setting that names nothing. */
  | "not-found";

export type LogLevel = "debug" | "info" | "warn" | "error";

/** One JSON log line: `{time, level, msg, namespace, deployment, pod?, ...}`. */
export interface LogEntry {
  readonly time: string;
  readonly level: LogLevel;
  readonly msg: string;
  readonly namespace: string;
  readonly deployment: string;
  readonly pod?: string;
  readonly [field: string]: unknown;
}

/** One pod the run evicted (or restarted). */
export interface Rotation {
  readonly pod: string;
  readonly uid: string;
  /** The pod's age when it was evicted. */
  readonly age: string;
  readonly evictedAt: string;
  /** The replacement pod that became Ready, if one did. */
  readonly replacement?: string;
  readonly readyAt?: string;
  /** From eviction to replacement Ready and capacity restored, in ms. */
  readonly tookMs?: number;
}

export interface RecyclerReport {
  readonly result: RecyclerResult;
  readonly reason?: string;
  /** For a dry run: what a real run would have concluded now. */
  readonly wouldBe?: RecyclerResult;
  /** Names of the pods rotated, in order. */
  readonly rotated: readonly string[];
  readonly rotations: readonly Rotation[];
  /** The pods a run would rotate (dry run) or meant to rotate (real run), in order. */
  readonly plan?: readonly PlanStep[];
  /** Due pods beyond --max-rotations, left for later runs. */
  readonly deferred?: number;
  readonly strategy: Strategy;
  readonly namespace: string;
  readonly deployment: string;
  readonly identity: string;
  /** Every API request sent, including retries, watch opens, lease, events and status. */
  readonly requests: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly exitCode: number;
}

/**
 * Exit codes: 0 for everything but `failed` (1) and `not-found` (2, like invalid settings: the run was told to
 * rotate something that is not there, so a CronJob's Job shows Failed and a laptop user sees the typo).
 */
export function exitCodeFor(result: RecyclerResult): number {
  if (result === "not-found") return 2;
  return result === "failed" ? 1 : 0;
}

/** A log entry as one line of text: `12:00:05Z info  evicted pod web-abc (age 1d2h)`. */
export function formatLogText(entry: LogEntry): string {
  const { time, level, msg, pod } = entry;
  const rest = Object.fromEntries(
    Object.entries(entry).filter(
      ([k]) => !["time", "level", "msg", "namespace", "deployment", "pod"].includes(k),
    ),
  );
  const clock = time.length >= 19 ? time.slice(11, 19) : time;
  const extras = Object.entries(rest)
    .filter(([, v]) => v !== undefined && typeof v !== "object")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
  return `${clock} ${level.padEnd(5)} ${msg}${pod ? ` [${pod}]` : ""}${extras ? `  ${extras}` : ""}`;
}

/** The report as a few lines of text for a terminal. */
export function formatReportText(report: RecyclerReport): string {
  const lines: string[] = [];
  const head = `${report.namespace}/${report.deployment}: ${report.result}`;
  lines.push(report.reason ? `${head} (${report.reason})` : head);
  if (report.wouldBe) lines.push(`a real run now would be: ${report.wouldBe}`);
  if (report.plan && report.plan.length > 0) {
    lines.push(`plan (${report.strategy}):`);
    for (const s of report.plan) {
      lines.push(
        `  ${s.order}. ${s.pod}  age ${s.age}, due since ${s.deadline} (${s.overdue} overdue)${s.node ? `, node ${s.node}` : ""}`,
      );
    }
    if (report.deferred)
      lines.push(`  ${report.deferred} more due pod(s) left for later runs (--max-rotations)`);
  }
  for (const r of report.rotations) {
    lines.push(
      `rotated ${r.pod} (age ${r.age})${r.replacement ? ` -> ${r.replacement} Ready after ${Math.round((r.tookMs ?? 0) / 1000)}s` : ""}`,
    );
  }
  lines.push(`${report.requests} API requests, ${Math.round(report.durationMs / 1000)}s`);
  return lines.join("\n");
}
