/**
 * The end of a run that holds the Lease: a summary Event on the Deployment and the `rotor.dev/last-run` annotation
 * `{time, result, rotated, reason}` on the Lease, written in the same request that releases it. Never on the
 * Deployment: any write there bumps its generation, which the next run would take for a rollout.
 */
import type { Clock } from "../clock";
import { describeError } from "../errors";
import type { LeaseLock } from "../lease";
import { LAST_RUN_ANNOTATION } from "../../contract/annotations";
import type { LogLevel, RecyclerResult } from "../report";
import { formatTime } from "../types";
import type { EventRecorder, EventType } from "./events";

const SUMMARY: Partial<Record<RecyclerResult, readonly [string, EventType]>> = {
  blocked: ["RotationBlocked", "Warning"],
  skipped: ["RotationSkipped", "Normal"],
  failed: ["RotationFailed", "Warning"],
};

export interface LastRun {
  readonly result: RecyclerResult;
  readonly reason: string;
  readonly rotated: readonly string[];
}

/** Records the summary Event (for blocked, skipped and failed runs) and releases the Lease with the report. */
export async function reportAndRelease(
  run: LastRun,
  deps: {
    readonly lease: LeaseLock;
    readonly events: EventRecorder;
    readonly clock: Clock;
    readonly deploymentUid: string | undefined;
    readonly log: (level: LogLevel, msg: string, fields: Record<string, unknown>) => void;
  },
): Promise<void> {
  const event = SUMMARY[run.result];
  if (event) await deps.events.record(event[0], event[1], run.reason, deps.deploymentUid);
  const report = JSON.stringify({
    time: formatTime(deps.clock.now()),
    result: run.result,
    rotated: run.rotated,
    reason: run.reason,
  });
  try {
    await deps.lease.release({ [LAST_RUN_ANNOTATION]: report });
    deps.log("info", "lease released", { lease: deps.lease.name });
  } catch (error) {
    deps.log(
      "warn",
      `could not release the lease and write the ${LAST_RUN_ANNOTATION} report; the lease expires by itself`,
      { error: describeError(error) },
    );
  }
}
