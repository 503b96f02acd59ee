/**
 * Label and field selectors, with the syntax and semantics of k8s.io/apimachinery's `labels.Parse` and
 * `fields.ParseSelector`: equality (`=`, `==`), `!=`, `in (...)`, `notin (...)`, `key` (exists), `!key`
 * (does not exist), and `>`/`<` on integers. `!=` and `notin` also match objects without the label.
 */
import { badRequest } from "./status";
import type { KubeObject, LabelSelector } from "./types";

export type LabelOperator = "=" | "!=" | "in" | "notin" | "exists" | "!" | ">" | "<";

/** One requirement of a parsed label selector. */
export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

const KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(key: string): string {
  const name = key.includes("/") ? key.slice(key.indexOf("/") + 1) : key;
  if (!KEY.test(key) || name.length > 63) {
    throw badRequest(
      `unable to parse requirement: invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
  return key;
}

function checkValue(value: string): string {
  if (!VALUE.test(value) || value.length > 63) {
    throw badRequest(
      `unable to parse requirement: invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
  return value;
}

/** Splits on commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      terms.push(text.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(text.slice(start));
  return terms;
}

/** Parses a label selector string (`app=web,tier in (a,b),!canary`); throws a 400 ApiError when malformed. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  if (text.trim() === "") return [];
  return splitTerms(text).map((raw) => {
    const term = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = /^!\s*([^\s=!<>(),]+)$/.exec(term))) return { key: checkKey(m[1]), operator: "!", values: [] };
    if ((m = /^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term))) {
      const values = m[3].split(",").map((v) => checkValue(v.trim()));
      return { key: checkKey(m[1]), operator: m[2] as "in" | "notin", values };
    }
    if ((m = /^([^\s=!<>(),]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/.exec(term))) {
      return { key: checkKey(m[1]), operator: m[2] === "!=" ? "!=" : "=", values: [checkValue(m[3])] };
    }
    if ((m = /^([^\s=!<>(),]+)\s*([<>])\s*(-?\d+)$/.exec(term))) {
      return { key: checkKey(m[1]), operator: m[2] as ">" | "<", values: [m[3]] };
    }
    if ((m = /^([^\s=!<>(),]+)$/.exec(term))) return { key: checkKey(m[1]), operator: "exists", values: [] };
    throw badRequest(
      `unable to parse requirement: found '${term}', expected: key, !key, key=value, key!=value, key in (...), key notin (...)`,
    );
  });
}

/** Converts a metav1.LabelSelector (matchLabels, matchExpressions) into requirements. */
export function labelSelectorRequirements(selector: LabelSelector | undefined): LabelRequirement[] {
  if (!selector) return [];
  const out: LabelRequirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({
    key,
    operator: "=" as const,
    values: [value],
  }));
  for (const e of selector.matchExpressions ?? []) {
    const operator = ({ In: "in", NotIn: "notin", Exists: "exists", DoesNotExist: "!" } as const)[e.operator];
    out.push({ key: e.key, operator, values: e.values ?? [] });
  }
  return out;
}

/** True when every requirement holds for `labels` (an empty list matches everything). */
export function matchesLabels(
  requirements: readonly LabelRequirement[],
  labels: Record<string, string> | undefined,
): boolean {
  const set = labels ?? {};
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(set, r.key);
    const value = set[r.key];
    switch (r.operator) {
      case "=":
        return has && value === r.values[0];
      case "!=":
        return !has || value !== r.values[0];
      case "in":
        return has && r.values.includes(value);
      case "notin":
        return !has || !r.values.includes(value);
      case "exists":
        return has;
      case "!":
        return !has;
      case ">":
      case "<": {
        if (!has || !/^-?\d+$/.test(value)) return false;
        return r.operator === ">" ? Number(value) > Number(r.values[0]) : Number(value) < Number(r.values[0]);
      }
    }
    return false;
  });
}

/** True when `selector` (a metav1.LabelSelector) matches `labels`; an empty selector matches everything. */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  return matchesLabels(labelSelectorRequirements(selector), labels);
}

/** True for a nil selector or one with neither matchLabels nor matchExpressions. */
export function selectorIsEmpty(selector: LabelSelector | undefined): boolean {
  return labelSelectorRequirements(selector).length === 0;
}

/** Formats a selector as `labels.Selector.String()` does (requirements sorted by key), as the scale subresource reports it. */
export function formatSelector(selector: LabelSelector | undefined): string {
  return labelSelectorRequirements(selector)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.operator) {
        case "=":
          return `${r.key}=${r.values[0]}`;
        case "in":
        case "notin":
          return `${r.key} ${r.operator} (${[...r.values].sort().join(",")})`;
        case "exists":
          return r.key;
        case "!":
          return `!${r.key}`;
        default:
          return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(",");
}

/** One term of a parsed field selector. */
export interface FieldRequirement {
  field: string;
  operator: "=" | "!=";
  value: string;
}

/** Parses a field selector (`metadata.name=web,status.phase!=Failed`) and checks the fields are supported. */
export function parseFieldSelector(text: string, supported: readonly string[]): FieldRequirement[] {
  if (text.trim() === "") return [];
  return text.split(",").map((raw) => {
    const m = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${raw}'`);
    if (!supported.includes(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
    return { field: m[1], operator: m[2] === "!=" ? "!=" : "=", value: m[3] };
  });
}

/** The exact name a field selector requires (`metadata.name=x`), as RBAC uses it for list and watch. */
export function requiredName(requirements: readonly FieldRequirement[]): string | undefined {
  const names = requirements.filter((r) => r.field === "metadata.name" && r.operator === "=");
  return names.length === 1 ? names[0].value : undefined;
}

/** Reads a dotted field path of an object as a string, as field selectors compare them. */
export function fieldValue(object: KubeObject, field: string): string {
  let value: unknown = object;
  for (const part of field.split(".")) {
    if (value === null || typeof value !== "object") return "";
    value = (value as Record<string, unknown>)[part];
  }
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** True when every field requirement holds for `object`. */
export function matchesFields(requirements: readonly FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => (fieldValue(object, r.field) === r.value) === (r.operator === "="));
}
