import { containersOf, describeContainer, dict, list, show, text } from "../kube";
import type { Finding, Rule } from "../model";

/** Volume types the Pod Security Standards "restricted" profile allows. */
const ALLOWED_VOLUMES = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);
const GOOD_SECCOMP = new Set(["RuntimeDefault", "Localhost"]);

/** App and recycler pods meet the Pod Security Standards "restricted" profile. */
export const podSecurityRestricted: Rule = {
  id: "pod-security-restricted",
  description:
    'Pods meet Pod Security "restricted": non-root, no privilege escalation, capabilities drop ALL, seccomp RuntimeDefault, no host namespaces or hostPath.',
  severity: "high",
  rationale:
    "A rotated pod is recreated often and unattended; restricted pods limit what a compromised container can do, and namespaces enforcing the restricted level reject anything less at admission.",
  remediation:
    "Set pod securityContext runAsNonRoot: true and seccompProfile.type: RuntimeDefault; in every container allowPrivilegeEscalation: false and capabilities.drop: [ALL]; remove host namespaces and hostPath volumes.",
  scope: "object",
  tags: ["security"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const { object, template } of index.workloads()) {
      const spec = template.spec;
      const specPath = [...template.path, "spec"];
      const report = (path: Finding["path"], message: string, fix: string) =>
        findings.push({ ruleId: this.id, object, path, message, fix });
      for (const key of ["hostNetwork", "hostPID", "hostIPC"] as const) {
        if (spec[key] === true)
          report(
            [...specPath, key],
            `the pod sets ${key}: true, sharing the node's namespace.`,
            `Remove ${key} from the pod spec.`,
          );
      }
      list(spec.volumes).forEach((raw, i) => {
        const volume = dict(raw) ?? {};
        for (const type of Object.keys(volume)) {
          if (type === "name" || ALLOWED_VOLUMES.has(type)) continue;
          report(
            [...specPath, "volumes", i, type],
            `volume ${show(volume.name)} is a ${type} volume${type === "hostPath" ? ", which exposes the node's file system" : ""}; the restricted profile allows only ${[...ALLOWED_VOLUMES].join(", ")}.`,
            `Replace volume ${show(volume.name)} with an emptyDir, configMap, secret, projected or persistentVolumeClaim volume.`,
          );
        }
      });
      const podContext = dict(spec.securityContext) ?? {};
      const podContextPath = [...specPath, "securityContext"];
      const containers = containersOf(template);
      const contextOf = (c: (typeof containers)[number]) => dict(c.container.securityContext) ?? {};

      const podNonRoot = podContext.runAsNonRoot === true;
      if (podContext.runAsUser === 0)
        report(
          [...podContextPath, "runAsUser"],
          "the pod sets runAsUser: 0 (root).",
          "Remove runAsUser or set a non-zero UID.",
        );
      const seccompType = (context: Record<string, unknown>) => text(dict(context.seccompProfile)?.type);
      const podSeccomp = seccompType(podContext);
      if (podSeccomp !== undefined && !GOOD_SECCOMP.has(podSeccomp)) {
        report(
          [...podContextPath, "seccompProfile"],
          `the pod's seccompProfile.type is ${show(podSeccomp)}.`,
          "Set securityContext.seccompProfile.type: RuntimeDefault on the pod.",
        );
      }
      for (const ref of containers) {
        const context = contextOf(ref);
        const path = [...ref.path, "securityContext"];
        const who = describeContainer(ref);
        // Settings left unset are reported together; settings with a wrong value each get their own finding.
        const missing: [setting: string, where: string][] = [];
        if (context.runAsNonRoot === false) {
          report(
            [...path, "runAsNonRoot"],
            `${who} sets runAsNonRoot: false.`,
            `Set runAsNonRoot: true in ${who} (and run the image as a non-root user).`,
          );
        } else if (!podNonRoot && context.runAsNonRoot !== true) {
          missing.push(["runAsNonRoot: true", "pod"]);
        }
        if (context.runAsUser === 0)
          report(
            [...path, "runAsUser"],
            `${who} sets runAsUser: 0 (root).`,
            "Remove runAsUser or set a non-zero UID.",
          );
        const ownSeccomp = seccompType(context);
        if (ownSeccomp !== undefined && !GOOD_SECCOMP.has(ownSeccomp)) {
          report(
            [...path, "seccompProfile"],
            `${who} sets seccompProfile.type ${show(ownSeccomp)}.`,
            `Set seccompProfile.type: RuntimeDefault in ${who}, or remove it to use the pod's.`,
          );
        } else if (ownSeccomp === undefined && podSeccomp === undefined) {
          missing.push(["seccompProfile.type: RuntimeDefault", "pod"]);
        }
        if (context.privileged === true)
          report([...path, "privileged"], `${who} is privileged.`, `Remove privileged: true from ${who}.`);
        if (context.allowPrivilegeEscalation === undefined) {
          missing.push(["allowPrivilegeEscalation: false", "container"]);
        } else if (context.allowPrivilegeEscalation !== false) {
          report(
            [...path, "allowPrivilegeEscalation"],
            `${who} sets allowPrivilegeEscalation: ${show(context.allowPrivilegeEscalation)}.`,
            `Set allowPrivilegeEscalation: false in ${who}.`,
          );
        }
        const capabilities = dict(context.capabilities) ?? {};
        const drop = list(capabilities.drop);
        if (drop.length === 0) {
          missing.push(["capabilities.drop: [ALL]", "container"]);
        } else if (!drop.includes("ALL")) {
          report(
            [...path, "capabilities", "drop"],
            `${who} drops ${show(drop)} but not ALL capabilities.`,
            `Set capabilities.drop: [ALL] in ${who}.`,
          );
        }
        if (missing.length > 0) {
          const names = missing.map(([setting]) => setting);
          const onPod = missing.filter(([, where]) => where === "pod").map(([setting]) => setting);
          const onContainer = missing
            .filter(([, where]) => where === "container")
            .map(([setting]) => setting);
          report(
            ref.path,
            `${who} does not set ${names.join(", ")}, which the restricted profile requires.`,
            [
              onPod.length > 0 ? `Set ${onPod.join(" and ")} in the pod's securityContext` : "",
              onContainer.length > 0
                ? `Set ${onContainer.join(" and ")} in the securityContext of ${who}`
                : "",
            ]
              .filter(Boolean)
              .join("; ") + ".",
          );
        }
        const added = list(capabilities.add).filter((c) => c !== "NET_BIND_SERVICE");
        if (added.length > 0) {
          report(
            [...path, "capabilities", "add"],
            `${who} adds capabilities ${show(added)}; the restricted profile allows adding only NET_BIND_SERVICE.`,
            `Remove ${show(added)} from securityContext.capabilities.add in ${who}.`,
          );
        }
      }
    }
    return findings;
  },
};
