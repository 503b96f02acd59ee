import type { z } from "zod";
import { DURATION_RULE } from "../contract/duration";
import { DNS_LABEL } from "../contract/names";
import { show, type Problem } from "./problems";

/**
 * Turns zod issues into problems that name the value, the rule and the fix. zod's own messages ("Invalid input:
 * expected int, received number") say what is wrong but not what to write instead.
 */

const EXPECTED: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  array: "a list",
  object: "a mapping of keys to values",
  record: "a mapping of keys to values",
};

/** What fields written as text must hold, where "a string" would not help (`maxAge: 0` is not a duration). */
const EXPECTED_TEXT: Record<string, string> = {
  maxAge: DURATION_RULE,
  jitter: DURATION_RULE,
  readyTimeout: DURATION_RULE,
};

const REQUIRED_HINT: Record<string, string> = {
  image: "Add image: <registry>/<repository>:<version tag>.",
  ports: "Add ports, e.g. [{ name: http, containerPort: 8080 }].",
  name: "Add a name (lowercase letters, digits and '-', at most 15 characters), e.g. http.",
  containerPort: "Add the port number the container listens on.",
  port: "Add the port number or name to probe.",
  command: "Add the command as a list of strings.",
  namespace: "Set the namespace, e.g. namespace: shop.",
  deployment: "Set the name of the Deployment to rotate.",
  minReplicas: "Add the fewest replicas the autoscaler may run, e.g. minReplicas: 2.",
  maxReplicas: "Add the most replicas the autoscaler may run, e.g. maxReplicas: 6.",
};

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** The keys an object schema allows at `path`, for "did you mean" suggestions. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let current: z.ZodType | undefined = schema;
  for (const key of [...path, undefined]) {
    // Unwrap wrappers until an object, array or record that the next path element indexes into.
    for (let guard = 0; current && guard < 10; guard++) {
      const def = (current as unknown as { def: Record<string, unknown> & { type: string } }).def;
      if (
        def.type === "optional" ||
        def.type === "nullable" ||
        def.type === "default" ||
        def.type === "pipe"
      ) {
        current = (def.innerType ?? def.in) as z.ZodType;
      } else break;
    }
    if (!current) return [];
    const def: Record<string, unknown> & { type: string } = (
      current as unknown as { def: Record<string, unknown> & { type: string } }
    ).def;
    if (key === undefined) {
      return def.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : [];
    }
    if (def.type === "object") current = (def.shape as Record<string, z.ZodType>)[String(key)];
    else if (def.type === "array") current = def.element as z.ZodType;
    else if (def.type === "record") current = def.valueType as z.ZodType;
    else return [];
  }
  return [];
}

/** Edit distance, to suggest the field a typo meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const saved = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = saved;
    }
  }
  return row[b.length] ?? 0;
}

/** The closest known key to `key`, if it is close enough to be a typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const candidate of known) {
    const score = distance(key.toLowerCase(), candidate.toLowerCase());
    if (score < bestScore) [best, bestScore] = [candidate, score];
  }
  return best !== undefined && bestScore <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/**
 * A copy of `input` without the fields zod rejected, so the rules that need a parsed app can still check
 * everything else and one run reports every problem.
 */
export function withoutRejected(input: unknown, issues: readonly z.core.$ZodIssue[]): unknown {
  const copy: unknown = structuredClone(input);
  for (const issue of issues) {
    if (issue.code === "unrecognized_keys") {
      const target = valueAt(copy, issue.path);
      if (target && typeof target === "object")
        for (const key of issue.keys) delete (target as Record<string, unknown>)[key];
    } else if (issue.path.length > 0) {
      // A missing required field cannot be dropped: drop the object that lacks it instead.
      const missing = issue.code === "invalid_type" && valueAt(copy, issue.path) === undefined;
      const path = missing ? issue.path.slice(0, -1) : issue.path;
      const owner = valueAt(copy, path.slice(0, -1));
      const key = path[path.length - 1];
      if (key === undefined || !owner || typeof owner !== "object") continue;
      if (Array.isArray(owner)) owner.splice(Number(key), 1);
      else delete (owner as Record<PropertyKey, unknown>)[key];
    }
  }
  return copy;
}

/** Converts every zod issue of a failed parse of `input` against `schema` into problems. */
export function zodProblems(
  schema: z.ZodType,
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = issue.path as (string | number)[];
    const value = valueAt(input, path);
    const last = path[path.length - 1];
    switch (issue.code) {
      case "unrecognized_keys": {
        const known = knownKeys(schema, path);
        for (const key of issue.keys) {
          const guess = suggest(key, known);
          problems.push({
            path: [...path, key],
            message: guess
              ? `is not a known field: did you mean "${guess}"?`
              : `is not a known field. Known fields here: ${known.join(", ")}.`,
          });
        }
        break;
      }
      case "invalid_type": {
        if (value === undefined) {
          const hint = typeof last === "string" ? REQUIRED_HINT[last] : undefined;
          problems.push({ path, message: `is required.${hint ? ` ${hint}` : ""}` });
        } else {
          const text =
            issue.expected === "string" && typeof last === "string" ? EXPECTED_TEXT[last] : undefined;
          const expected = text ?? EXPECTED[issue.expected] ?? issue.expected;
          // YAML reads `"3"` as a string: say how to write the number.
          const unquote =
            (issue.expected === "number" || issue.expected === "int") &&
            typeof value === "string" &&
            value.trim() !== "" &&
            !Number.isNaN(Number(value))
              ? ` Write ${value.trim()} without quotes.`
              : issue.expected === "boolean" && (value === "true" || value === "false")
                ? ` Write ${value} without quotes.`
                : "";
          problems.push({ path, message: `(${show(value)}) must be ${expected}.${unquote}` });
        }
        break;
      }
      case "too_small": {
        const min = Number(issue.minimum);
        const hint = typeof last === "string" && REQUIRED_HINT[last] ? ` ${REQUIRED_HINT[last]}` : "";
        const message =
          issue.origin === "array"
            ? `must have at least ${min} item${min === 1 ? "" : "s"}.${hint}`
            : issue.origin === "string"
              ? `(${show(value)}) must not be empty.`
              : `(${show(value)}) must be at least ${min}.`;
        problems.push({ path, message });
        break;
      }
      case "too_big": {
        const max = Number(issue.maximum);
        const message =
          issue.origin === "string"
            ? `(${show(value)}) must be at most ${max} characters long.`
            : issue.origin === "array"
              ? `must have at most ${max} items.`
              : `(${show(value)}) must be at most ${max}.`;
        problems.push({ path, message });
        break;
      }
      case "invalid_value": {
        const allowed = issue.values.map((v) => JSON.stringify(v));
        const rule = allowed.length === 1 ? allowed[0] : `one of ${allowed.join(", ")}`;
        problems.push({ path, message: `(${show(value)}) must be ${rule}.` });
        break;
      }
      case "invalid_format":
        problems.push({ path, message: `(${show(value)}) ${formatRule(issue)}` });
        break;
      case "invalid_union":
        problems.push({ path, message: `(${show(value)}) must be a port number (1-65535) or a port name.` });
        break;
      case "invalid_key": {
        const inner = issue.issues.find((i) => i.code === "invalid_format");
        problems.push({
          path,
          message: `is not a valid name: it ${inner ? formatRule(inner) : "has the wrong form."}`,
        });
        break;
      }
      default:
        problems.push({ path, message: issue.message });
    }
  }
  return problems;
}

function formatRule(issue: z.core.$ZodIssueInvalidStringFormat): string {
  if (issue.format === "starts_with")
    return `must start with "${(issue as { prefix?: string }).prefix ?? ""}".`;
  const pattern = issue.pattern ?? "";
  // DNS labels, and the subdomains made of them.
  if (pattern.includes(DNS_LABEL.source.slice(1, -1))) {
    return "must be lowercase letters, digits and '-', starting and ending with a letter or digit.";
  }
  if (pattern.includes("-._a-zA-Z"))
    return "must be a valid environment variable name (letters, digits, '_', '-', '.'; not starting with a digit).";
  if (pattern === "^\\S+$") return "must not contain spaces.";
  return `must match ${pattern}.`;
}
