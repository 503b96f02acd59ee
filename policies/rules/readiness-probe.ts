import {
  CRON_JOB,
  JOB,
  containersOf,
  describe,
  describeContainer,
  dict,
  field,
  list,
  text,
  typeKey,
  type ContainerRef,
} from "../kube";
import type { Workload } from "../kube-index";
import type { Finding, KubeObject, Rule } from "../model";

/** Containers that serve traffic say when they are ready to. */
export const readinessProbe: Rule = {
  id: "readiness-probe",
  description:
    "Every container that declares ports, or that a Service sends traffic to, has a readiness probe (Job containers only in the second case).",
  severity: "high",
  rationale:
    "Without a readiness probe a pod counts as Ready the moment its process starts: Services send it traffic too early, and rollouts and rotations remove old pods before the new ones can serve. Jobs are neither rolled out nor rotated, so only a Service makes their readiness matter.",
  remediation:
    "Add a readinessProbe (httpGet, tcpSocket or grpc on the serving port) to every container with ports or behind a Service.",
  // A stack rule: the Services that send a container traffic are other objects.
  scope: "stack",
  tags: ["availability", "rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const workload of index.workloads()) {
      const { object, template } = workload;
      const batch = isBatch(workload);
      // Init containers run to completion before the pod serves, unless they are sidecars (restartPolicy Always).
      const refs = containersOf(template, ["initContainers", "containers"]).filter(
        (ref) => ref.list === "containers" || ref.container.restartPolicy === "Always",
      );
      const declared = new Map(refs.map((ref) => [ref, declaredPorts(ref)]));
      const services = index.servicesOf(object);
      const targeted = services.length > 0 ? serviceTargets(services, declared) : undefined;
      for (const ref of refs) {
        if (dict(ref.container.readinessProbe)) continue;
        const ports = declared.get(ref)!.map((p) => String(p.number ?? p.name));
        const reaching = targeted?.get(ref) ?? [];
        const report = (message: string, port: string) =>
          findings.push({
            ruleId: this.id,
            object,
            path: ref.path,
            message,
            fix: `Add a readinessProbe to ${describeContainer(ref)}, for example an httpGet or tcpSocket check on port ${port}.`,
          });
        if (ports.length > 0 && !batch) {
          report(
            `${describeContainer(ref)} declares port${ports.length === 1 ? "" : "s"} ${ports.join(", ")} but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.`,
            ports[0],
          );
        } else if (reaching.length > 0) {
          report(
            `${describeContainer(ref)} receives traffic from ${reaching.map((s) => s.text).join(", ")} but has no readinessProbe, so it gets traffic as soon as it starts${batch ? "" : " and rollouts treat it as Ready before it can serve"}.`,
            reaching[0].port,
          );
        }
      }
    }
    return findings;
  },
};

/** Jobs, CronJobs and the Pods of a Job: run to completion, never rolled out or rotated. */
function isBatch(workload: Workload): boolean {
  const type = typeKey(workload.object);
  return type === JOB || type === CRON_JOB || workload.controllerKind === "Job";
}

interface DeclaredPort {
  readonly number?: number;
  readonly name?: string;
}

function declaredPorts(ref: ContainerRef): DeclaredPort[] {
  return list(ref.container.ports)
    .map((raw) => dict(raw))
    .filter((p) => p !== undefined)
    .map((p) => ({
      ...(typeof p.containerPort === "number" ? { number: p.containerPort } : {}),
      ...(text(p.name) ? { name: text(p.name) } : {}),
    }))
    .filter((p) => p.number !== undefined || p.name !== undefined);
}

/**
 * Which containers each Service's ports reach: a `targetPort` (default: `port`) by name names a declared port; by
 * number it is the container that declares it, or the only container of the pod (a port receives traffic
 * whether or not it is declared).
 */
function serviceTargets(
  services: readonly KubeObject[],
  declared: ReadonlyMap<ContainerRef, readonly DeclaredPort[]>,
): Map<ContainerRef, { text: string; port: string }[]> {
  const out = new Map<ContainerRef, { text: string; port: string }[]>();
  const refs = [...declared.keys()];
  const main = refs.filter((r) => r.list === "containers");
  for (const service of services) {
    for (const raw of list(field(service, ["spec", "ports"]))) {
      const port = dict(raw);
      const target = port?.targetPort ?? port?.port;
      if (typeof target !== "number" && typeof target !== "string") continue;
      const byName = typeof target === "string" && !/^\d+$/.test(target);
      const number = byName ? undefined : Number(target);
      const declaring = refs.filter((r) =>
        declared.get(r)!.some((p) => (byName ? p.name === target : p.number === number)),
      );
      const reached = declaring.length > 0 ? declaring : !byName && main.length === 1 ? main : [];
      for (const ref of reached) {
        const entries = out.get(ref) ?? [];
        const text = `${describe(service)} (targetPort ${String(target)})`;
        if (!entries.some((e) => e.text === text)) entries.push({ text, port: String(target) });
        out.set(ref, entries);
      }
    }
  }
  return out;
}
