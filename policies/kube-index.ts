import {
  CLUSTER_ROLE_BINDING,
  CRON_JOB,
  ROLE_BINDING,
  list,
  DEPLOYMENT,
  HPA,
  PDB,
  REPLICA_SET,
  SERVICE,
  STATEFUL_SET,
  REPLICATION_CONTROLLER,
  annotationsOf,
  describe,
  dict,
  field,
  controllerOf,
  hasPodTemplate,
  identityOf,
  labelsOf,
  mapSelectorMatches,
  nameOf,
  namespaceOf,
  podTemplateOf,
  selectorMatches,
  stringMap,
  typeKey,
  type PodTemplate,
} from "./kube";
import type { KubeObject } from "./kube-object";
import { TARGET_ANNOTATION } from "../contract/annotations";
import { COMPONENT_LABEL, RECYCLER_COMPONENT } from "../contract/labels";

/**
 * A workload: an object with pods whose controller is not in the input (most have none; a ReplicaSet from
 * `kubectl get -o yaml` may name a Deployment that was not exported with it), and its pod template.
 */
export interface Workload {
  readonly object: KubeObject;
  readonly namespace: string;
  readonly template: PodTemplate;
  /**
   * What the workload belongs to, for counting workloads: the object's identity, or its absent controller's
   * (three Pods of one ReplicaSet are one workload).
   */
  readonly owner: string;
  /** How messages name `owner`: `Deployment shop/web`, or `ReplicaSet shop/web-7c9d (not in the input)`. */
  readonly ownerName: string;
  /** The controller's kind when the object has one that is not in the input (`Job` for a Job's Pods). */
  readonly controllerKind?: string;
}

/**
 * The objects one check run looks at, with the lookups cross-object rules need built once and lazily. Selector
 * lookups go through an index of pod-template labels, so matching every Service and PodDisruptionBudget against
 * every workload stays linear in practice rather than quadratic.
 */
export class KubeIndex {
  private readonly types = new Map<string, KubeObject[]>();
  private workloadList?: Workload[];
  private workloadByObject?: Map<KubeObject, Workload>;
  private byLabel?: Map<string, Workload[]>;
  private byNamespace?: Map<string, Workload[]>;
  private pdbMap?: Map<string, KubeObject[]>;
  private serviceMap?: Map<KubeObject, KubeObject[]>;
  private recyclerMap?: Map<string, KubeObject[]>;
  private recyclerList?: readonly KubeObject[];
  private bindingMap?: Map<string, KubeObject[]>;
  private autoscalerMap?: Map<string, KubeObject>;
  private readonly named = new Map<string, Map<string, KubeObject>>();

  constructor(readonly objects: readonly KubeObject[]) {
    for (const object of objects) {
      const key = typeKey(object);
      let bucket = this.types.get(key);
      if (!bucket) this.types.set(key, (bucket = []));
      bucket.push(object);
    }
  }

  /** Every object of a `group/Kind`, in input order. */
  ofType(type: string): readonly KubeObject[] {
    return this.types.get(type) ?? [];
  }

  /** The object of a type with this namespace and name (the first one, if the input repeats it). */
  find(type: string, namespace: string, name: string): KubeObject | undefined {
    let byName = this.named.get(type);
    if (!byName) {
      byName = new Map();
      for (const object of this.ofType(type)) {
        const key = `${namespaceOf(object)}/${nameOf(object)}`;
        if (!byName.has(key)) byName.set(key, object);
      }
      this.named.set(type, byName);
    }
    return byName.get(`${namespace}/${name}`);
  }

  /** Every object with pods that is not controlled by another object in the input. */
  workloads(): readonly Workload[] {
    if (!this.workloadList) {
      this.workloadList = [];
      this.workloadByObject = new Map();
      this.byLabel = new Map();
      this.byNamespace = new Map();
      for (const [type, objects] of this.types) {
        if (!hasPodTemplate(type)) continue;
        for (const object of objects) {
          const template = podTemplateOf(object);
          if (!template) continue;
          const namespace = namespaceOf(object);
          const controller = controllerOf(object);
          // Checked through its controller when that is in the input; otherwise nothing would check it.
          if (controller && this.find(controller.type, namespace, controller.name)) continue;
          const workload: Workload = controller
            ? {
                object,
                namespace,
                template,
                owner: `${controller.type}/${namespace}/${controller.name}`,
                ownerName: `${controller.kind} ${namespace}/${controller.name} (not in the input)`,
                controllerKind: controller.kind,
              }
            : { object, namespace, template, owner: identityOf(object), ownerName: describe(object) };
          this.workloadList.push(workload);
          this.workloadByObject.set(object, workload);
          push(this.byNamespace, workload.namespace, workload);
          for (const [k, v] of Object.entries(template.labels))
            push(this.byLabel, `${workload.namespace}\0${k}\0${v}`, workload);
        }
      }
    }
    return this.workloadList;
  }

  workloadOf(object: KubeObject): Workload | undefined {
    this.workloads();
    return this.workloadByObject!.get(object);
  }

  /**
   * The workloads in `namespace` whose pod labels a selector accepts, each object once however often the input
   * repeats it. `first` is one label pair the selector requires (if it has any), used to pick candidates from
   * the index; `matches` decides.
   */
  selectWorkloads(
    namespace: string,
    first: readonly [string, string] | undefined,
    matches: (labels: Readonly<Record<string, string>>) => boolean,
  ): Workload[] {
    this.workloads();
    const candidates = first
      ? (this.byLabel!.get(`${namespace}\0${first[0]}\0${first[1]}`) ?? [])
      : (this.byNamespace!.get(namespace) ?? []);
    const matched = candidates.filter((w) => matches(w.template.labels));
    if (matched.length < 2) return matched;
    const seen = new Set<string>();
    return matched.filter((w) => {
      const identity = identityOf(w.object);
      if (seen.has(identity)) return false;
      seen.add(identity);
      return true;
    });
  }

  /** The workloads a PodDisruptionBudget selects (same namespace only, as Kubernetes does). */
  selectedByPdb(pdb: KubeObject): Workload[] {
    const selector = field(pdb, ["spec", "selector"]);
    const first = Object.entries(stringMap(dict(selector)?.matchLabels))[0];
    return this.selectWorkloads(namespaceOf(pdb), first, (labels) => selectorMatches(selector, labels));
  }

  /** The PodDisruptionBudgets that select a workload's pods, each once however often the input repeats it. */
  pdbsOf(object: KubeObject): readonly KubeObject[] {
    if (!this.pdbMap) {
      this.pdbMap = new Map();
      const seen = new Set<string>();
      for (const pdb of this.ofType(PDB)) {
        if (seen.has(identityOf(pdb))) continue;
        seen.add(identityOf(pdb));
        for (const w of this.selectedByPdb(pdb)) push(this.pdbMap, identityOf(w.object), pdb);
      }
    }
    return this.pdbMap.get(identityOf(object)) ?? [];
  }

  /** The Services (with a selector, not ExternalName) whose selector matches a workload's pods. */
  servicesOf(object: KubeObject): readonly KubeObject[] {
    if (!this.serviceMap) {
      this.serviceMap = new Map();
      for (const service of this.ofType(SERVICE))
        for (const w of this.selectedByService(service)) push(this.serviceMap, w.object, service);
    }
    return this.serviceMap.get(object) ?? [];
  }

  /** The workloads a Service sends traffic to: none for ExternalName Services and Services without a selector. */
  selectedByService(service: KubeObject): Workload[] {
    if (field(service, ["spec", "type"]) === "ExternalName") return [];
    const selector = stringMap(field(service, ["spec", "selector"]));
    const first = Object.entries(selector)[0];
    if (!first) return [];
    return this.selectWorkloads(namespaceOf(service), first, (labels) =>
      mapSelectorMatches(selector, labels),
    );
  }

  /** The recycler CronJobs (by label) whose target annotation names `deployment` in its namespace. */
  recyclersOf(deployment: KubeObject): readonly KubeObject[] {
    if (!this.recyclerMap) {
      this.recyclerMap = new Map();
      for (const cronJob of this.recyclers()) {
        const target = annotationsOf(cronJob)[TARGET_ANNOTATION];
        if (target) push(this.recyclerMap, `${namespaceOf(cronJob)}/${target}`, cronJob);
      }
    }
    return this.recyclerMap.get(`${namespaceOf(deployment)}/${nameOf(deployment)}`) ?? [];
  }

  /** CronJobs labelled `app.kubernetes.io/component: pod-recycler`. */
  recyclers(): readonly KubeObject[] {
    return (this.recyclerList ??= this.ofType(CRON_JOB).filter(isRecycler));
  }

  /**
   * The RoleBindings (`namespaced`) or ClusterRoleBindings that name ServiceAccount `namespace/name` as a
   * subject; a subject without a namespace means the binding's own.
   */
  bindingsOf(namespace: string, name: string): readonly KubeObject[] {
    if (!this.bindingMap) {
      this.bindingMap = new Map();
      for (const type of [ROLE_BINDING, CLUSTER_ROLE_BINDING]) {
        for (const binding of this.ofType(type)) {
          const seen = new Set<string>();
          for (const raw of list(field(binding, ["subjects"]))) {
            const subject = dict(raw);
            if (subject?.kind !== "ServiceAccount" || typeof subject.name !== "string") continue;
            const ns =
              (typeof subject.namespace === "string" && subject.namespace) ||
              namespaceOf(binding) ||
              "default";
            const key = `${ns}/${subject.name}`;
            if (!seen.has(key)) push(this.bindingMap, key, binding);
            seen.add(key);
          }
        }
      }
    }
    return this.bindingMap.get(`${namespace}/${name}`) ?? [];
  }

  /**
   * The HorizontalPodAutoscaler that scales a workload: same namespace, `spec.scaleTargetRef` naming its kind and
   * name in its API group (the first one, if the input has several).
   */
  autoscalerOf(object: KubeObject): KubeObject | undefined {
    if (!this.autoscalerMap) {
      this.autoscalerMap = new Map();
      for (const hpa of this.ofType(HPA)) {
        const target = dict(field(hpa, ["spec", "scaleTargetRef"])) ?? {};
        if (typeof target.kind !== "string" || typeof target.name !== "string") continue;
        const group =
          typeof target.apiVersion === "string" && target.apiVersion.includes("/")
            ? target.apiVersion.split("/")[0]
            : "core";
        const key = `${group}/${target.kind}|${namespaceOf(hpa)}/${target.name}`;
        if (!this.autoscalerMap.has(key)) this.autoscalerMap.set(key, hpa);
      }
    }
    return this.autoscalerMap.get(`${typeKey(object)}|${namespaceOf(object)}/${nameOf(object)}`);
  }

  /**
   * The fewest pods a workload runs when healthy: its autoscaler's `minReplicas` (default 1) when one scales it,
   * since budgets must hold at the bottom of the range, and {@link KubeIndex.replicasOf} otherwise.
   */
  fewestReplicasOf(object: KubeObject): number {
    const hpa = this.autoscalerOf(object);
    if (!hpa) return KubeIndex.replicasOf(object);
    const min = field(hpa, ["spec", "minReplicas"]);
    return typeof min === "number" && Number.isInteger(min) && min >= 1 ? min : 1;
  }

  /** How many pods a workload runs when healthy (`spec.replicas`, default 1; DaemonSets and Pods count 1). */
  static replicasOf(object: KubeObject): number {
    const type = typeKey(object);
    if (
      type === DEPLOYMENT ||
      type === STATEFUL_SET ||
      type === REPLICA_SET ||
      type === REPLICATION_CONTROLLER
    ) {
      const replicas = field(object, ["spec", "replicas"]);
      return typeof replicas === "number" && Number.isInteger(replicas) && replicas >= 0 ? replicas : 1;
    }
    return 1;
  }
}

/** Whether a CronJob is a rotor recycler (by its component label). */
export function isRecycler(object: KubeObject): boolean {
  return typeKey(object) === CRON_JOB && labelsOf(object)[COMPONENT_LABEL] === RECYCLER_COMPONENT;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const bucket = map.get(key);
  if (bucket) bucket.push(value);
  else map.set(key, [value]);
}
