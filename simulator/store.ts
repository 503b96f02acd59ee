/**
 * The object store: what etcd plus the watch cache are to kube-apiserver. One global resourceVersion counter
 * (as etcd's revision), objects per resource type, and a bounded history of changes per resource type that
 * watches replay from.
 */
import * as status from "./status";
import type { KubeObject } from "./types";

/** A change, as a watch sees it. */
export interface StoreEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED";
  /** The resource type's key, e.g. `pods` or `apps/deployments`. */
  readonly resource: string;
  /** The new state; for DELETED the last state, carrying the deletion's resourceVersion. */
  readonly object: KubeObject;
  /** The state before a MODIFIED or DELETED. */
  readonly previous?: KubeObject;
  readonly rv: number;
  readonly atMs: number;
}

/** How much watch history each resource type keeps; older resourceVersions get 410 Expired. */
export interface WatchHistoryOptions {
  /**
   * Events kept per resource type.
   * @default 1000
   */
  readonly maxEvents?: number;
  /**
   * Virtual milliseconds an event stays in the history.
   * @default Infinity
   */
  readonly maxAgeMs?: number;
}

interface History {
  events: StoreEvent[];
  pruned: boolean;
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

/** The store. Objects it returns are its own: never mutate them, clone first. */
export class Store {
  private rv: number;
  private readonly tables = new Map<string, Map<string, KubeObject>>();
  private readonly histories = new Map<string, History>();
  private readonly listeners: Array<(event: StoreEvent) => void> = [];
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;

  constructor(
    private readonly now: () => number,
    history: WatchHistoryOptions = {},
    startResourceVersion = 1000,
  ) {
    this.rv = startResourceVersion;
    this.maxEvents = history.maxEvents ?? 1000;
    this.maxAgeMs = history.maxAgeMs ?? Infinity;
  }

  /** The current (latest) resourceVersion. */
  get resourceVersion(): number {
    return this.rv;
  }

  /** Registers a listener called synchronously after every change. */
  onChange(listener: (event: StoreEvent) => void): void {
    this.listeners.push(listener);
  }

  private table(resource: string): Map<string, KubeObject> {
    let table = this.tables.get(resource);
    if (!table) this.tables.set(resource, (table = new Map<string, KubeObject>()));
    return table;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.tables.get(resource)?.get(key(namespace, name));
  }

  /** Objects of a resource type, in one namespace or all, sorted by namespace and name (etcd key order). */
  list(resource: string, namespace?: string): KubeObject[] {
    const table = this.tables.get(resource);
    if (!table) return [];
    const out: KubeObject[] = [];
    for (const object of table.values()) {
      if (namespace === undefined || object.metadata.namespace === namespace) out.push(object);
    }
    return out.sort((a, b) => {
      const ka = key(a.metadata.namespace, a.metadata.name ?? "");
      const kb = key(b.metadata.namespace, b.metadata.name ?? "");
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
  }

  /** Stores a new object (its name must be set and free) and gives it the next resourceVersion. */
  create(resource: string, object: KubeObject): KubeObject {
    const k = key(object.metadata.namespace, object.metadata.name!);
    const table = this.table(resource);
    if (table.has(k)) throw new Error(`store: ${resource} ${k} already exists`);
    object.metadata.resourceVersion = String(++this.rv);
    table.set(k, object);
    this.emit({ type: "ADDED", resource, object, rv: this.rv, atMs: this.now() });
    return object;
  }

  /** Replaces a stored object with `object` (a modified copy) and gives it the next resourceVersion. */
  update(resource: string, object: KubeObject): KubeObject {
    const k = key(object.metadata.namespace, object.metadata.name!);
    const table = this.table(resource);
    const previous = table.get(k);
    if (!previous) throw new Error(`store: ${resource} ${k} does not exist`);
    object.metadata.resourceVersion = String(++this.rv);
    table.set(k, object);
    this.emit({ type: "MODIFIED", resource, object, previous, rv: this.rv, atMs: this.now() });
    return object;
  }

  /** Removes an object; the DELETED event carries its last state with the deletion's resourceVersion. */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    const k = key(namespace, name);
    const table = this.tables.get(resource);
    const previous = table?.get(k);
    if (!table || !previous) return undefined;
    table.delete(k);
    const object: KubeObject = {
      ...previous,
      metadata: { ...previous.metadata, resourceVersion: String(++this.rv) },
    };
    this.emit({ type: "DELETED", resource, object, previous, rv: this.rv, atMs: this.now() });
    return object;
  }

  private emit(event: StoreEvent): void {
    let history = this.histories.get(event.resource);
    if (!history) this.histories.set(event.resource, (history = { events: [], pruned: false }));
    history.events.push(event);
    this.prune(history);
    for (const listener of this.listeners) listener(event);
  }

  private prune(history: History): void {
    const now = this.now();
    let drop = 0;
    const events = history.events;
    while (
      drop < events.length &&
      (events.length - drop > this.maxEvents || now - events[drop].atMs > this.maxAgeMs)
    ) {
      drop++;
    }
    if (drop > 0) {
      events.splice(0, drop);
      history.pruned = true;
    }
  }

  /**
   * The changes of `resource` strictly after `rv`, or a 410 Expired ApiError when some of them are no longer
   * in the history (`too old resource version: <rv> (<oldest-1>)`, as the watch cache words it).
   */
  eventsSince(resource: string, rv: number): StoreEvent[] {
    let history = this.histories.get(resource);
    if (!history) this.histories.set(resource, (history = { events: [], pruned: false }));
    this.prune(history);
    const events = history.events;
    if (history.pruned) {
      const oldest = events.length > 0 ? events[0].rv : this.rv + 1;
      if (rv < oldest - 1) throw status.expired(`too old resource version: ${rv} (${oldest - 1})`);
    }
    let lo = 0;
    let hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid].rv > rv) hi = mid;
      else lo = mid + 1;
    }
    return events.slice(lo);
  }

  /** Drops every resource type's watch history, as a compaction would: older watches then get 410. */
  compact(): void {
    for (const resource of this.tables.keys()) {
      if (!this.histories.has(resource)) this.histories.set(resource, { events: [], pruned: false });
    }
    for (const history of this.histories.values()) {
      history.events = [];
      history.pruned = true;
    }
  }
}
