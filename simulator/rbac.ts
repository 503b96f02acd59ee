/**
 * RBAC as kube-apiserver's authorizer applies a Role's rules (rbac/validation RuleAllows): a rule allows a
 * request when its verbs, apiGroups, resources (`pods/eviction`, `*`, `*\/scale`) and resourceNames all
 * match. A list or watch has a name only through a `metadata.name=` field selector, and a create of a new
 * object has none, so `resourceNames` can restrict get/update/patch/delete and subresource creates
 * (`pods/eviction` on a named pod) but never a plain create, nor a list without that field selector.
 */
import type { RequestInfo } from "./resources";
import type { PolicyRule } from "./types";

/** A restricted identity: requests bearing `token` are authorized against `rules`. */
export interface Principal {
  /** The bearer token that identifies this principal. */
  readonly token: string;
  /**
   * The user name shown in Forbidden messages.
   * @default "system:serviceaccount:default:rotor-recycler"
   */
  readonly user?: string;
  /** The rules of the principal's Role (or ClusterRole). */
  readonly rules: readonly PolicyRule[];
  /**
   * The namespace of the Role and RoleBinding: the rules apply only to requests in it. Unset means a
   * ClusterRole bound by a ClusterRoleBinding (every namespace).
   */
  readonly namespace?: string;
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.some((v) => v === "*" || v === verb);
}

function groupMatches(rule: PolicyRule, group: string): boolean {
  return (rule.apiGroups ?? []).some((g) => g === "*" || g === group);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  return (rule.resources ?? []).some((r) => {
    if (r === "*" || r === combined) return true;
    return subresource !== "" && r === `*/${subresource}`;
  });
}

function nameMatches(rule: PolicyRule, name: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  return name !== "" && names.includes(name);
}

function nonResourceMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.slice(0, -1))),
  );
}

/** True when one of `rules` allows the request. */
export function rulesAllow(rules: readonly PolicyRule[], info: RequestInfo): boolean {
  if (!info.isResourceRequest) {
    return rules.some((rule) => verbMatches(rule, info.verb) && nonResourceMatches(rule, info.path));
  }
  const combined = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  return rules.some(
    (rule) =>
      verbMatches(rule, info.verb) &&
      groupMatches(rule, info.apiGroup) &&
      resourceMatches(rule, combined, info.subresource) &&
      nameMatches(rule, info.name),
  );
}

/** True when `principal` may make the request (namespace of its Role included). */
export function principalAllows(principal: Principal, info: RequestInfo): boolean {
  if (principal.namespace !== undefined && info.isResourceRequest && info.namespace !== principal.namespace) {
    return false;
  }
  return rulesAllow(principal.rules, info);
}

/** The message of a denial, as the Forbidden response writer words it. */
export function forbiddenMessage(user: string, info: RequestInfo): string {
  if (!info.isResourceRequest) return `User "${user}" cannot ${info.verb} path "${info.path}"`;
  const resource = info.subresource ? `${info.resource}/${info.subresource}` : info.resource;
  if (info.namespace !== undefined) {
    return `User "${user}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}" in the namespace "${info.namespace}"`;
  }
  return `User "${user}" cannot ${info.verb} resource "${resource}" in API group "${info.apiGroup}" at the cluster scope`;
}
