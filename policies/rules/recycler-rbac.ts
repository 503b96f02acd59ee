import {
  CLUSTER_ROLE,
  CLUSTER_ROLE_BINDING,
  ROLE,
  ROLE_BINDING,
  describe,
  dict,
  field,
  list,
  nameOf,
  namespaceOf,
  podTemplateOf,
  show,
  text,
  typeKey,
} from "../kube";
import type { Finding, KubeObject, Rule } from "../model";
import { recyclerRoleRules, type PolicyRule } from "../../contract/rbac";

/** One Role as remediation text, e.g. "pods list/watch, leases get/update (resourceNames: the lease)". */
export function describeRoleRules(rules: readonly PolicyRule[]): string {
  return rules
    .map((rule) => {
      const names = rule.resourceNames ? ` (resourceNames: ${rule.resourceNames.join(", ")})` : "";
      return `${rule.resources.join(", ")} ${rule.verbs.join("/")}${names}`;
    })
    .join(", ");
}

/** The recycler's permissions are what rotation needs and nothing that could hurt the cluster. */
export const recyclerRbacLeastPrivilege: Rule = {
  id: "recycler-rbac-least-privilege",
  description:
    "The recycler runs under its own ServiceAccount whose Role has no wildcards, no pod delete, nothing on secrets and no escalate, bind or impersonate.",
  severity: "high",
  rationale:
    "The recycler only needs to read pods and evict them through the Eviction API (which honours PodDisruptionBudgets); anything more turns a scheduled job into a way to delete workloads, read secrets or grant itself more.",
  // Written from the Role rotor renders, so the advice cannot drift from what the recycler is granted.
  remediation: `Bind a namespaced Role to a dedicated ServiceAccount with exactly: ${describeRoleRules(recyclerRoleRules("the app", "the lease"))}.`,
  scope: "stack",
  tags: ["security", "rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    const checkedRoles = new Set<KubeObject>();
    for (const cronJob of index.recyclers()) {
      const namespace = namespaceOf(cronJob);
      const podSpec = podTemplateOf(cronJob)?.spec ?? {};
      const account = text(podSpec.serviceAccountName) || text(podSpec.serviceAccount) || "default";
      const specPath = ["spec", "jobTemplate", "spec", "template", "spec"];
      if (account === "default") {
        findings.push({
          ruleId: this.id,
          object: cronJob,
          path: specPath,
          message: `runs as the namespace's default ServiceAccount, so every permission it needs is shared with every other pod that uses the default account.`,
          fix: `Create a ServiceAccount ${nameOf(cronJob)} and set spec.jobTemplate.spec.template.spec.serviceAccountName to it.`,
        });
      }
      const granted = index.bindingsOf(namespace, account);
      for (const binding of granted.filter((b) => typeKey(b) === CLUSTER_ROLE_BINDING)) {
        findings.push({
          ruleId: this.id,
          object: binding,
          path: ["subjects"],
          message: `grants ServiceAccount ${namespace}/${account} (the recycler of ${describe(cronJob)}) ClusterRole ${show(field(binding, ["roleRef", "name"]))} in every namespace.`,
          fix: "Remove the recycler's ServiceAccount from this ClusterRoleBinding; grant it a Role in its own namespace with a RoleBinding.",
        });
      }
      const bindings = granted.filter((b) => typeKey(b) === ROLE_BINDING && namespaceOf(b) === namespace);
      if (bindings.length === 0) {
        findings.push({
          ruleId: this.id,
          object: cronJob,
          path: specPath,
          message: `no RoleBinding in namespace ${namespace} grants ServiceAccount ${account} a Role, so its permissions cannot be checked (and the recycler cannot read or evict pods).`,
          fix: `Add a Role and a RoleBinding in namespace ${namespace} for ServiceAccount ${account}, as rotor renders them.`,
        });
        continue;
      }
      for (const binding of bindings) {
        const kind = field(binding, ["roleRef", "kind"]);
        const roleName = text(field(binding, ["roleRef", "name"])) ?? "";
        const role =
          kind === "ClusterRole"
            ? index.find(CLUSTER_ROLE, "", roleName)
            : index.find(ROLE, namespace, roleName);
        if (!role) {
          findings.push({
            ruleId: this.id,
            object: binding,
            path: ["roleRef"],
            message: `binds ${String(kind)} ${show(roleName)}, which is not among the checked objects, so the recycler's permissions cannot be verified.`,
            fix: `Check the ${String(kind)} together with this RoleBinding, or bind a Role defined next to the recycler.`,
          });
          continue;
        }
        if (checkedRoles.has(role)) continue;
        checkedRoles.add(role);
        findings.push(...roleProblems(this.id, role));
      }
    }
    return findings;
  },
};

/** What a Role or ClusterRole grants beyond least privilege, one finding per rule entry and problem. */
export function roleProblems(ruleId: string, role: KubeObject): Finding[] {
  const findings: Finding[] = [];
  const entries = list(field(role, ["rules"]));
  for (let i = 0; i < entries.length; i++) {
    const entry = dict(entries[i]) ?? {};
    const verbs = strings(entry.verbs);
    const resources = strings(entry.resources);
    const groups = strings(entry.apiGroups);
    const lists = { apiGroups: groups, resources, verbs };
    for (const key of ["apiGroups", "resources", "verbs"] as const) {
      if (!lists[key].some((v) => v.includes("*"))) continue;
      findings.push({
        ruleId,
        object: role,
        path: ["rules", i, key],
        message: `rules[${i}] has a wildcard in ${key} (${show(lists[key])}), which grants whatever exists now and anything added later.`,
        fix: `List the exact ${key} the recycler needs instead of "*".`,
      });
    }
    const core = groups.includes("") || groups.includes("*");
    const deletes = verbs.filter((v) => v === "delete" || v === "deletecollection");
    if (core && resources.includes("pods") && deletes.length > 0) {
      findings.push({
        ruleId,
        object: role,
        path: ["rules", i, "verbs"],
        message: `rules[${i}] lets it ${deletes.join(" and ")} pods, which bypasses PodDisruptionBudgets; the recycler only evicts.`,
        fix: 'Remove delete and deletecollection on pods; grant create on "pods/eviction" instead.',
      });
    }
    if (core && resources.some((r) => r === "secrets" || r.startsWith("secrets/"))) {
      findings.push({
        ruleId,
        object: role,
        path: ["rules", i, "resources"],
        message: `rules[${i}] grants access to secrets, which the recycler never reads.`,
        fix: "Remove secrets from this rule.",
      });
    }
    const dangerous = verbs.filter((v) => v === "escalate" || v === "bind" || v === "impersonate");
    if (dangerous.length > 0) {
      findings.push({
        ruleId,
        object: role,
        path: ["rules", i, "verbs"],
        message: `rules[${i}] grants ${dangerous.join(" and ")}: verbs that let it give itself or others more permissions.`,
        fix: `Remove ${dangerous.join(", ")} from verbs.`,
      });
    }
  }
  return findings;
}

function strings(value: unknown): string[] {
  return list(value).filter((v): v is string => typeof v === "string");
}
