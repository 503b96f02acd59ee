/**
 * The Deployment controller (pkg/controller/deployment): ReplicaSets named `<deployment>-<pod-template-hash>`,
 * revision annotations, rolling updates within maxSurge/maxUnavailable (surge rounds up, unavailability
 * down, both zero means one unavailable), Recreate, proportional scaling of a rollout, paused Deployments,
 * revision history cleanup, and status with the Available and Progressing conditions, including
 * ProgressDeadlineExceeded.
 */
import type { ClusterContext } from "./context";
import { DEPLOYMENTS, PODS, REPLICASETS } from "./keys";
import {
  controllerOf,
  controllerRef,
  findCondition,
  jsonEqual,
  roundHalfAwayFromZero,
  scaledValue,
} from "./objects";
import { fnv1a32, safeEncodeNumber } from "./random";
import { findResourceType } from "./resources";
import type { Condition, Deployment, DeploymentStatus, Pod, ReplicaSet } from "./types";
import { clone, formatTime, parseTime } from "./types";

export const REVISION = "deployment.kubernetes.io/revision";
export const REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
export const DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
export const MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
export const POD_TEMPLATE_HASH = "pod-template-hash";
const SKIP_ANNOTATIONS = new Set([
  "kubectl.kubernetes.io/last-applied-configuration",
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  "deprecated.deployment.rollback.to",
]);
const REV_HISTORY_LIMIT_CHARS = 2000;
const COMPONENT = "deployment-controller";

function stableStringify(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(",")}]`;
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(",")}}`;
}

/** `controller.ComputeHash`: FNV-32a of the template (and collision count), safe-encoded. */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  let text = stableStringify(template);
  if (collisionCount !== undefined) text += `#${collisionCount}`;
  return safeEncodeNumber(fnv1a32(text));
}

const replicasOf = (x: { spec: { replicas?: number } }) => x.spec.replicas ?? 1;
const revisionOf = (rs: ReplicaSet) => Number(rs.metadata.annotations?.[REVISION] ?? 0) || 0;
const created = (x: ReplicaSet) => parseTime(x.metadata.creationTimestamp);

function byCreation(a: ReplicaSet, b: ReplicaSet): number {
  return created(a) - created(b) || (a.metadata.name! < b.metadata.name! ? -1 : 1);
}

/** `deploymentutil.ResolveFenceposts`: [maxSurge, maxUnavailable]. */
export function resolveFenceposts(d: Deployment): [number, number] {
  const desired = replicasOf(d);
  const ru = d.spec.strategy?.rollingUpdate;
  const surge = scaledValue(ru?.maxSurge ?? "25%", desired, true) ?? 0;
  let unavailable = scaledValue(ru?.maxUnavailable ?? "25%", desired, false) ?? 0;
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return [surge, unavailable];
}

function isRollingUpdate(d: Deployment): boolean {
  return (d.spec.strategy?.type ?? "RollingUpdate") === "RollingUpdate";
}

/** `deploymentutil.MaxUnavailable`. */
export function maxUnavailable(d: Deployment): number {
  if (!isRollingUpdate(d) || replicasOf(d) === 0) return 0;
  return Math.min(resolveFenceposts(d)[1], replicasOf(d));
}

/** `deploymentutil.MaxSurge`. */
export function maxSurge(d: Deployment): number {
  return isRollingUpdate(d) ? resolveFenceposts(d)[0] : 0;
}

function templateEqualIgnoringHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown) => {
    const c = clone(t) as { metadata?: { labels?: Record<string, string> } };
    if (c?.metadata?.labels) {
      delete c.metadata.labels[POD_TEMPLATE_HASH];
      if (Object.keys(c.metadata.labels).length === 0) delete c.metadata.labels;
    }
    return c;
  };
  return jsonEqual(strip(a), strip(b));
}

function setCondition(status: DeploymentStatus, condition: Condition): void {
  const conditions = status.conditions ?? [];
  const current = findCondition(conditions, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  if (current && current.status === condition.status)
    condition.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...conditions.filter((c) => c.type !== condition.type), condition];
}

function removeCondition(status: DeploymentStatus, type: string): void {
  if (status.conditions) status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions?.length === 0) delete status.conditions;
}

/** The Deployment controller. */
export class DeploymentController {
  constructor(
    private readonly cluster: Pick<
      ClusterContext,
      "store" | "now" | "withCause" | "createObject" | "recordEvent" | "enqueueDeployment"
    >,
  ) {}

  private condition(type: string, status: Condition["status"], reason: string, message: string): Condition {
    const now = formatTime(this.cluster.now());
    return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
  }

  private hasProgressDeadline(d: Deployment): boolean {
    const s = d.spec.progressDeadlineSeconds;
    return s !== undefined && s !== 2147483647;
  }

  private updateReplicaSet(rs: ReplicaSet): ReplicaSet {
    return this.cluster.store.update(REPLICASETS, rs) as ReplicaSet;
  }

  /** Writes a Deployment's status and annotations (UpdateStatus keeps annotations). */
  private updateDeployment(d: Deployment): Deployment {
    const current = this.cluster.store.get(DEPLOYMENTS, d.metadata.namespace, d.metadata.name!) as Deployment;
    const next = clone(current);
    next.status = d.status;
    next.metadata.annotations = d.metadata.annotations;
    if (!next.metadata.annotations) delete next.metadata.annotations;
    if (jsonEqual(next, current)) return current;
    return this.cluster.store.update(DEPLOYMENTS, next) as Deployment;
  }

  sync(namespace: string, name: string): void {
    const d0 = this.cluster.store.get(DEPLOYMENTS, namespace, name) as Deployment | undefined;
    if (!d0) return;
    this.cluster.withCause({ text: `deployment controller: ${name}`, voluntary: true }, () =>
      this.syncDeployment(d0),
    );
  }

  private syncDeployment(d0: Deployment): void {
    let d = clone(d0);
    const rsList = (this.cluster.store.list(REPLICASETS, d.metadata.namespace) as ReplicaSet[]).filter(
      (rs) => controllerOf(rs)?.uid === d.metadata.uid,
    );
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = this.getAllReplicaSets(d, rsList, false);
      this.syncDeploymentStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    d = this.checkPausedConditions(d);
    if (d.spec.paused) {
      this.syncScale(d, rsList);
      return;
    }
    if (this.isScalingEvent(d, rsList)) {
      this.syncScale(d, rsList);
      return;
    }
    if (d.spec.strategy?.type === "Recreate") this.rolloutRecreate(d, rsList);
    else this.rolloutRolling(d, rsList);
  }

  private checkPausedConditions(d: Deployment): Deployment {
    if (!this.hasProgressDeadline(d)) return d;
    const cond = findCondition(d.status.conditions, "Progressing");
    if (cond?.reason === "ProgressDeadlineExceeded") return d;
    const pausedExists = cond?.reason === "DeploymentPaused";
    if (d.spec.paused && !pausedExists) {
      setCondition(
        d.status,
        this.condition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused"),
      );
    } else if (!d.spec.paused && pausedExists) {
      setCondition(
        d.status,
        this.condition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed"),
      );
    } else {
      return d;
    }
    return clone(this.updateDeployment(d));
  }

  private isScalingEvent(d: Deployment, rsList: ReplicaSet[]): boolean {
    const { newRS, oldRSs } = this.getAllReplicaSets(d, rsList, false);
    return [...oldRSs, newRS]
      .filter((rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0)
      .some((rs) => {
        const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
        return desired !== undefined && Number(desired) !== replicasOf(d);
      });
  }

  /** `getAllReplicaSetsAndSyncRevision`: the new ReplicaSet (created if asked) and the old ones. */
  private getAllReplicaSets(
    d: Deployment,
    rsList: ReplicaSet[],
    create: boolean,
  ): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const sorted = [...rsList].sort(byCreation);
    const existing = sorted.find((rs) => templateEqualIgnoringHash(rs.spec.template, d.spec.template));
    const oldRSs = sorted.filter((rs) => rs !== existing);
    const newRS = this.getNewReplicaSet(d, oldRSs, existing, create);
    return { newRS, oldRSs };
  }

  private setNewReplicaSetAnnotations(
    d: Deployment,
    rs: ReplicaSet,
    newRevision: number,
    exists: boolean,
  ): boolean {
    let changed = false;
    const annotations = (rs.metadata.annotations ??= {});
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
      if (SKIP_ANNOTATIONS.has(k) || annotations[k] === v) continue;
      annotations[k] = v;
      changed = true;
    }
    const oldText = annotations[REVISION];
    const old = oldText === undefined ? 0 : Number(oldText);
    if (Number.isNaN(old)) return changed;
    if (old < newRevision) {
      annotations[REVISION] = String(newRevision);
      changed = true;
      if (oldText !== undefined) {
        const history = annotations[REVISION_HISTORY];
        if (!history) {
          annotations[REVISION_HISTORY] = oldText;
        } else {
          const parts = history.split(",");
          let total = history.length + oldText.length + 1;
          let start = 0;
          while (total > REV_HISTORY_LIMIT_CHARS && start < parts.length) total -= parts[start++].length + 1;
          if (total <= REV_HISTORY_LIMIT_CHARS)
            annotations[REVISION_HISTORY] = [...parts.slice(start), oldText].join(",");
        }
      }
    }
    if (!exists && this.setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d)))
      changed = true;
    return changed;
  }

  private setReplicasAnnotations(rs: ReplicaSet, desired: number, max: number): boolean {
    const annotations = (rs.metadata.annotations ??= {});
    let changed = false;
    if (annotations[DESIRED_REPLICAS] !== String(desired)) {
      annotations[DESIRED_REPLICAS] = String(desired);
      changed = true;
    }
    if (annotations[MAX_REPLICAS] !== String(max)) {
      annotations[MAX_REPLICAS] = String(max);
      changed = true;
    }
    return changed;
  }

  private setDeploymentRevision(d: Deployment, revision: string): boolean {
    const annotations = (d.metadata.annotations ??= {});
    if (annotations[REVISION] === revision) return false;
    annotations[REVISION] = revision;
    return true;
  }

  private getNewReplicaSet(
    d: Deployment,
    oldRSs: ReplicaSet[],
    existing: ReplicaSet | undefined,
    create: boolean,
  ): ReplicaSet | undefined {
    const maxOldRevision = Math.max(0, ...oldRSs.map(revisionOf));
    const newRevision = maxOldRevision + 1;
    if (existing) {
      let rs = clone(existing);
      const annotationsChanged = this.setNewReplicaSetAnnotations(d, rs, newRevision, true);
      const minReadyChanged = (rs.spec.minReadySeconds ?? 0) !== (d.spec.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        rs.spec.minReadySeconds = d.spec.minReadySeconds ?? 0;
        rs = this.updateReplicaSet(rs);
      }
      let needsUpdate = this.setDeploymentRevision(d, rs.metadata.annotations?.[REVISION] ?? "");
      if (this.hasProgressDeadline(d) && !findCondition(d.status.conditions, "Progressing")) {
        setCondition(
          d.status,
          this.condition(
            "Progressing",
            "True",
            "FoundNewReplicaSet",
            `Found new replica set "${rs.metadata.name}"`,
          ),
        );
        needsUpdate = true;
      }
      if (needsUpdate) Object.assign(d, clone(this.updateDeployment(d)));
      return rs;
    }
    if (!create) return undefined;
    const cluster = this.cluster;
    for (;;) {
      const template = clone(d.spec.template);
      const hash = podTemplateHash(template, d.status.collisionCount);
      template.metadata = {
        ...(template.metadata ?? {}),
        labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash },
      };
      const name = `${d.metadata.name}-${hash}`;
      const clash = cluster.store.get(REPLICASETS, d.metadata.namespace, name) as ReplicaSet | undefined;
      if (clash) {
        if (
          controllerOf(clash)?.uid === d.metadata.uid &&
          templateEqualIgnoringHash(clash.spec.template, d.spec.template)
        ) {
          return clash;
        }
        d.status.collisionCount = (d.status.collisionCount ?? 0) + 1;
        continue;
      }
      const rs: ReplicaSet = {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name,
          namespace: d.metadata.namespace,
          labels: { ...template.metadata.labels },
          ownerReferences: [controllerRef(d)],
        },
        spec: {
          replicas: 0,
          minReadySeconds: d.spec.minReadySeconds ?? 0,
          selector: {
            ...clone(d.spec.selector),
            matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash },
          },
          template,
        },
        status: { replicas: 0 },
      };
      const replicas = this.newRSNewReplicas(d, [...oldRSs, rs], rs);
      rs.spec.replicas = replicas;
      this.setNewReplicaSetAnnotations(d, rs, newRevision, false);
      const stored = cluster.createObject(findResourceType("apps", "v1", "replicasets")!, rs);
      if (replicas > 0) {
        cluster.recordEvent(
          d,
          "Normal",
          "ScalingReplicaSet",
          `Scaled up replica set ${name} from 0 to ${replicas}`,
          COMPONENT,
        );
      }
      this.setDeploymentRevision(d, String(newRevision));
      if (this.hasProgressDeadline(d)) {
        setCondition(
          d.status,
          this.condition("Progressing", "True", "NewReplicaSetCreated", `Created new replica set "${name}"`),
        );
      }
      Object.assign(d, clone(this.updateDeployment(d)));
      return stored;
    }
  }

  /** `deploymentutil.NewRSNewReplicas` for RollingUpdate (Recreate scales straight to the desired count). */
  private newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet): number {
    if (!isRollingUpdate(d)) return replicasOf(d);
    const surge = scaledValue(d.spec.strategy?.rollingUpdate?.maxSurge ?? "25%", replicasOf(d), true) ?? 0;
    const current = allRSs.reduce((sum, rs) => sum + replicasOf(rs), 0);
    const maxTotal = replicasOf(d) + surge;
    if (current >= maxTotal) return replicasOf(newRS);
    const scaleUp = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
    return replicasOf(newRS) + scaleUp;
  }

  /** `scaleReplicaSetAndRecordEvent`; returns [scaled, the ReplicaSet as stored]. */
  private scaleReplicaSet(
    rs: ReplicaSet,
    newScale: number,
    d: Deployment,
    force = false,
  ): [boolean, ReplicaSet] {
    if (replicasOf(rs) === newScale && !force) return [false, rs];
    const sizeChanged = replicasOf(rs) !== newScale;
    const copy = clone(rs);
    const annotationsChanged = this.setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return [false, rs];
    const old = replicasOf(rs);
    copy.spec.replicas = newScale;
    if (sizeChanged) copy.metadata.generation = (rs.metadata.generation ?? 1) + 1;
    const stored = this.updateReplicaSet(copy);
    if (sizeChanged) {
      this.cluster.recordEvent(
        d,
        "Normal",
        "ScalingReplicaSet",
        `Scaled ${old < newScale ? "up" : "down"} replica set ${rs.metadata.name} from ${old} to ${newScale}`,
        COMPONENT,
      );
    }
    return [sizeChanged, stored];
  }

  private rolloutRolling(d: Deployment, rsList: ReplicaSet[]): void {
    let { newRS, oldRSs } = this.getAllReplicaSets(d, rsList, true);
    if (!newRS) return;
    // reconcileNewReplicaSet
    let scaledUp = false;
    if (replicasOf(newRS) > replicasOf(d)) {
      [scaledUp, newRS] = this.scaleReplicaSet(newRS, replicasOf(d), d);
    } else if (replicasOf(newRS) < replicasOf(d)) {
      [scaledUp, newRS] = this.scaleReplicaSet(newRS, this.newRSNewReplicas(d, [...oldRSs, newRS], newRS), d);
    }
    if (scaledUp) {
      this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    const scaledDown = this.reconcileOldReplicaSets(d, oldRSs, newRS);
    if (scaledDown) {
      oldRSs = oldRSs.map(
        (rs) =>
          (this.cluster.store.get(REPLICASETS, rs.metadata.namespace, rs.metadata.name!) as ReplicaSet) ?? rs,
      );
      this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    if (this.deploymentComplete(d, d.status)) this.cleanupDeployment(oldRSs, d);
    this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
  }

  private reconcileOldReplicaSets(d: Deployment, oldRSs: ReplicaSet[], newRS: ReplicaSet): boolean {
    const oldPods = oldRSs.reduce((s, rs) => s + replicasOf(rs), 0);
    if (oldPods === 0) return false;
    const allPods = oldPods + replicasOf(newRS);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // cleanupUnhealthyReplicas: scale down old ReplicaSets' unavailable pods first.
    let cleaned = 0;
    const old = [...oldRSs].sort(byCreation).map((rs) => rs);
    for (let i = 0; i < old.length && cleaned < maxScaledDown; i++) {
      const rs = old[i];
      const unhealthy = replicasOf(rs) - (rs.status?.availableReplicas ?? 0);
      if (replicasOf(rs) === 0 || unhealthy === 0) continue;
      const count = Math.min(maxScaledDown - cleaned, unhealthy);
      const [, stored] = this.scaleReplicaSet(rs, replicasOf(rs) - count, d);
      old[i] = stored;
      cleaned += count;
    }
    // scaleDownOldReplicaSetsForRollingUpdate
    const all = [...old, newRS];
    const available = all.reduce((s, rs) => s + (rs.status?.availableReplicas ?? 0), 0);
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of [...old].sort(byCreation)) {
        if (scaledDown >= total) break;
        if (replicasOf(rs) === 0) continue;
        const count = Math.min(replicasOf(rs), total - scaledDown);
        this.scaleReplicaSet(rs, replicasOf(rs) - count, d);
        scaledDown += count;
      }
    }
    return cleaned + scaledDown > 0;
  }

  private rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): void {
    let { newRS, oldRSs } = this.getAllReplicaSets(d, rsList, false);
    let scaledDown = false;
    oldRSs = oldRSs.map((rs) => {
      if (replicasOf(rs) === 0) return rs;
      const [scaled, stored] = this.scaleReplicaSet(rs, 0, d);
      scaledDown ||= scaled;
      return stored;
    });
    if (scaledDown) {
      this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const oldPodsRunning = (this.cluster.store.list(PODS, d.metadata.namespace) as Pod[]).some((p) => {
      const ref = controllerOf(p);
      return (
        ref !== undefined &&
        oldUids.has(ref.uid) &&
        p.status?.phase !== "Succeeded" &&
        p.status?.phase !== "Failed"
      );
    });
    if (oldPodsRunning) {
      this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
      return;
    }
    if (!newRS) newRS = this.getAllReplicaSets(d, rsList, true).newRS!;
    [, newRS] = this.scaleReplicaSet(newRS, replicasOf(d), d);
    if (this.deploymentComplete(d, d.status)) this.cleanupDeployment(oldRSs, d);
    this.syncRolloutStatus([...oldRSs, newRS], newRS, d);
  }

  /** `sync`: scaling (proportional during a rollout) without rolling out; used when paused or scaled. */
  private syncScale(d: Deployment, rsList: ReplicaSet[]): void {
    const { newRS, oldRSs } = this.getAllReplicaSets(d, rsList, false);
    this.scale(d, newRS, oldRSs);
    const refreshed = [...oldRSs, newRS]
      .filter((rs): rs is ReplicaSet => rs !== undefined)
      .map(
        (rs) =>
          (this.cluster.store.get(REPLICASETS, rs.metadata.namespace, rs.metadata.name!) as ReplicaSet) ?? rs,
      );
    const freshNew = newRS ? refreshed.find((rs) => rs.metadata.uid === newRS.metadata.uid) : undefined;
    const freshOld = refreshed.filter((rs) => rs !== freshNew);
    if (d.spec.paused) this.cleanupDeployment(freshOld, d);
    this.syncDeploymentStatus([...freshOld, freshNew], freshNew, d);
  }

  private scale(d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): void {
    const active = [...oldRSs, newRS].filter(
      (rs): rs is ReplicaSet => rs !== undefined && replicasOf(rs) > 0,
    );
    let activeOrLatest: ReplicaSet | undefined;
    if (active.length === 0) activeOrLatest = newRS ?? [...oldRSs].sort(byCreation).reverse()[0];
    else if (active.length === 1) activeOrLatest = active[0];
    if (active.length <= 1) {
      if (activeOrLatest && replicasOf(activeOrLatest) !== replicasOf(d))
        this.scaleReplicaSet(activeOrLatest, replicasOf(d), d);
      return;
    }
    const saturated =
      newRS !== undefined &&
      replicasOf(newRS) === replicasOf(d) &&
      newRS.metadata.annotations?.[DESIRED_REPLICAS] === String(replicasOf(d)) &&
      (newRS.status?.availableReplicas ?? 0) === replicasOf(d);
    if (saturated) {
      for (const rs of oldRSs) if (replicasOf(rs) > 0) this.scaleReplicaSet(rs, 0, d);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const allReplicas = active.reduce((s, rs) => s + replicasOf(rs), 0);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowed - allReplicas;
    const newerFirst = (a: ReplicaSet, b: ReplicaSet) =>
      replicasOf(b) - replicasOf(a) || created(b) - created(a);
    const olderFirst = (a: ReplicaSet, b: ReplicaSet) =>
      replicasOf(b) - replicasOf(a) || created(a) - created(b);
    const ordered = [...active].sort(toAdd > 0 ? newerFirst : olderFirst);
    let added = 0;
    const sizes = ordered.map((rs) => {
      if (toAdd === 0) return replicasOf(rs);
      const proportion = this.proportion(rs, d, toAdd, added);
      added += proportion;
      return replicasOf(rs) + proportion;
    });
    ordered.forEach((rs, i) => {
      let size = sizes[i];
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + toAdd - added);
      this.scaleReplicaSet(rs, size, d, true);
    });
  }

  private proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
    if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
    let fraction: number;
    if (replicasOf(d) === 0) {
      fraction = -replicasOf(rs);
    } else {
      const deploymentReplicas = replicasOf(d) + maxSurge(d);
      const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? NaN);
      const base = Number.isNaN(annotated) ? (d.status.replicas ?? 0) : annotated;
      fraction = roundHalfAwayFromZero((replicasOf(rs) * deploymentReplicas) / base) - replicasOf(rs);
    }
    const allowed = toAdd - added;
    return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
  }

  private cleanupDeployment(oldRSs: ReplicaSet[], d: Deployment): void {
    const limit = d.spec.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0) continue;
      if ((rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.cluster.store.remove(REPLICASETS, rs.metadata.namespace, rs.metadata.name!);
    }
  }

  private calculateStatus(
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
    d: Deployment,
  ): DeploymentStatus {
    const rss = allRSs.filter((rs): rs is ReplicaSet => rs !== undefined);
    const available = rss.reduce((s, rs) => s + (rs.status?.availableReplicas ?? 0), 0);
    const total = rss.reduce((s, rs) => s + replicasOf(rs), 0);
    const status: DeploymentStatus = {};
    const set = (k: keyof DeploymentStatus, v: number) => {
      if (v) (status as Record<string, unknown>)[k] = v;
    };
    set("observedGeneration", d.metadata.generation ?? 0);
    set(
      "replicas",
      rss.reduce((s, rs) => s + (rs.status?.replicas ?? 0), 0),
    );
    set("updatedReplicas", newRS?.status?.replicas ?? 0);
    set(
      "readyReplicas",
      rss.reduce((s, rs) => s + (rs.status?.readyReplicas ?? 0), 0),
    );
    set("availableReplicas", available);
    set("unavailableReplicas", Math.max(0, total - available));
    status.terminatingReplicas = rss.reduce((s, rs) => s + (rs.status?.terminatingReplicas ?? 0), 0);
    if (d.status.conditions) status.conditions = clone(d.status.conditions);
    if (d.status.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(
        status,
        this.condition(
          "Available",
          "True",
          "MinimumReplicasAvailable",
          "Deployment has minimum availability.",
        ),
      );
    } else {
      setCondition(
        status,
        this.condition(
          "Available",
          "False",
          "MinimumReplicasUnavailable",
          "Deployment does not have minimum availability.",
        ),
      );
    }
    return status;
  }

  private syncDeploymentStatus(
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
    d: Deployment,
  ): void {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (jsonEqual(d.status, status)) return;
    d.status = status;
    this.updateDeployment(d);
  }

  private deploymentComplete(d: Deployment, s: DeploymentStatus): boolean {
    const want = replicasOf(d);
    return (
      (s.updatedReplicas ?? 0) === want &&
      (s.replicas ?? 0) === want &&
      (s.availableReplicas ?? 0) === want &&
      (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
    );
  }

  private syncRolloutStatus(
    allRSs: (ReplicaSet | undefined)[],
    newRS: ReplicaSet | undefined,
    d: Deployment,
  ): void {
    const status = this.calculateStatus(allRSs, newRS, d);
    if (!this.hasProgressDeadline(d)) removeCondition(status, "Progressing");
    const current = findCondition(d.status.conditions, "Progressing");
    const complete =
      (status.replicas ?? 0) === (status.updatedReplicas ?? 0) &&
      current?.reason === "NewReplicaSetAvailable";
    if (this.hasProgressDeadline(d) && !complete) {
      const rsName = newRS?.metadata.name;
      if (this.deploymentComplete(d, status)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has successfully progressed.`
          : `Deployment "${d.metadata.name}" has successfully progressed.`;
        setCondition(status, this.condition("Progressing", "True", "NewReplicaSetAvailable", msg));
      } else if (this.progressing(d, status)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" is progressing.`
          : `Deployment "${d.metadata.name}" is progressing.`;
        const condition = this.condition("Progressing", "True", "ReplicaSetUpdated", msg);
        const existing = findCondition(status.conditions, "Progressing");
        if (existing) {
          if (existing.status === "True") condition.lastTransitionTime = existing.lastTransitionTime;
          removeCondition(status, "Progressing");
        }
        setCondition(status, condition);
      } else if (this.timedOut(d, status)) {
        const msg = rsName
          ? `ReplicaSet "${rsName}" has timed out progressing.`
          : `Deployment "${d.metadata.name}" has timed out progressing.`;
        setCondition(status, this.condition("Progressing", "False", "ProgressDeadlineExceeded", msg));
      }
    }
    if (!jsonEqual(d.status, status)) {
      d.status = status;
      this.updateDeployment(d);
      return;
    }
    // requeueStuckDeployment: come back when the progress deadline passes.
    const cond = findCondition(d.status.conditions, "Progressing");
    if (!this.hasProgressDeadline(d) || !cond) return;
    if (this.deploymentComplete(d, status) || cond.reason === "ProgressDeadlineExceeded") return;
    // A completed rollout cannot time out (upstream keeps requeueing with backoff to no effect).
    if (cond.reason === "NewReplicaSetAvailable") return;
    const due = parseTime(cond.lastUpdateTime) + d.spec.progressDeadlineSeconds! * 1000 + 1000;
    this.cluster.enqueueDeployment(
      d.metadata.namespace!,
      d.metadata.name!,
      Math.max(1, due - this.cluster.now()),
    );
  }

  private progressing(d: Deployment, s: DeploymentStatus): boolean {
    const old = d.status;
    const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
    const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
    return (
      (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
      newOld < oldOld ||
      (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
      (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
    );
  }

  private timedOut(d: Deployment, s: DeploymentStatus): boolean {
    const cond = findCondition(s.conditions, "Progressing");
    if (!cond) return false;
    if (cond.reason === "NewReplicaSetAvailable") return false;
    if (cond.reason === "ProgressDeadlineExceeded") return true;
    return parseTime(cond.lastUpdateTime) + d.spec.progressDeadlineSeconds! * 1000 < this.cluster.now();
  }
}
