/** core/v1 Events on the Deployment: one per rotation and one summary per run. Best effort: a lost Event never fails a run. */
import type { Clock } from "../clock";
import { describeError } from "../errors";
import { fnv1a32 } from "../jitter";
import type { KubeClient } from "../kube-client";
import type { LogLevel } from "../report";
import { formatTime } from "../types";
import { EVENT_SOURCE, FIELD_MANAGER } from "../../contract/names";

export type EventType = "Normal" | "Warning";

export class EventRecorder {
  private seq = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly clock: Clock,
    private readonly namespace: string,
    private readonly deployment: string,
    private readonly identity: string,
    private readonly log: (level: LogLevel, msg: string, fields: Record<string, unknown>) => void,
  ) {}

  /** Creates an Event on the Deployment (`uid` when known); logs instead of throwing when it cannot. */
  async record(reason: string, type: EventType, message: string, uid?: string): Promise<void> {
    const now = this.clock.now();
    const suffix = `${now.toString(16)}${(this.seq++).toString(16)}${fnv1a32(this.identity).toString(16)}`;
    const body = {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name: `${this.deployment}.${suffix}`, namespace: this.namespace },
      involvedObject: {
        apiVersion: "apps/v1",
        kind: "Deployment",
        name: this.deployment,
        namespace: this.namespace,
        ...(uid ? { uid } : {}),
      },
      reason,
      message: message.length > 1024 ? `${message.slice(0, 1021)}...` : message,
      type,
      source: { component: EVENT_SOURCE },
      firstTimestamp: formatTime(now),
      lastTimestamp: formatTime(now),
      count: 1,
      reportingComponent: EVENT_SOURCE,
      reportingInstance: this.identity.slice(0, 128),
    };
    try {
      await this.client.request(
        "POST",
        `/api/v1/namespaces/${this.namespace}/events`,
        { body, query: { fieldManager: FIELD_MANAGER } },
        { ...this.client.retry, attempts: 2 },
      );
      this.log("debug", "event recorded", { reason });
    } catch (error) {
      this.log("warn", "could not record an Event", { reason, error: describeError(error) });
    }
  }
}
