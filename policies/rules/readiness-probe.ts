import { containersOf, describeContainer, dict, list } from "../kube";
import type { Finding, Rule } from "../model";

/** Containers that serve traffic say when they are ready to. */
export const readinessProbe: Rule = {
  id: "readiness-probe",
  description: "Every container that declares ports has a readiness probe.",
  severity: "high",
  rationale:
    "Without a readiness probe a pod counts as Ready the moment its process starts: Services send it traffic too early, and rollouts and rotations remove old pods before the new ones can serve.",
  remediation:
    "Add a readinessProbe (httpGet, tcpSocket or grpc on the serving port) to every container with ports.",
  scope: "object",
  tags: ["availability", "rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const { object, template } of index.workloads()) {
      for (const ref of containersOf(template, ["initContainers", "containers"])) {
        // Init containers run to completion before the pod serves, unless they are sidecars (restartPolicy Always).
        if (ref.list === "initContainers" && ref.container.restartPolicy !== "Always") continue;
        const ports = list(ref.container.ports)
          .map((p) => dict(p)?.containerPort)
          .filter((p): p is number | string => typeof p === "number" || typeof p === "string")
          .map(String);
        if (ports.length === 0 || dict(ref.container.readinessProbe)) continue;
        findings.push({
          ruleId: this.id,
          object,
          path: ref.path,
          message: `${describeContainer(ref)} declares port${ports.length === 1 ? "" : "s"} ${ports.join(", ")} but has no readinessProbe, so it gets traffic as soon as it starts and rollouts treat it as Ready before it can serve.`,
          fix: `Add a readinessProbe to ${describeContainer(ref)}, for example an httpGet or tcpSocket check on port ${ports[0]}.`,
        });
      }
    }
    return findings;
  },
};
