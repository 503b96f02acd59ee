/**
 * The recycler's settings: one flag grammar shared by the in-cluster bundle (parsed with `node:util` parseArgs)
 * and `rotor recycle` (parsed by commander), one validation that reports every problem at once with the field,
 * the value, the rule and the fix.
 */
import { parseArgs } from "node:util";
import { DURATION_RULE, formatDuration, parseDuration } from "../contract/duration";
import { MIN_MAX_AGE_MS } from "../contract/max-age";
import { DNS_LABEL, DNS_LABEL_MAX, DNS_SUBDOMAIN, DNS_SUBDOMAIN_MAX, recyclerName } from "../contract/names";
import { checkTimeZone, parseWindow, type Window } from "../contract/window";

export type Strategy = "evict" | "restart";
export type OutputFormat = "json" | "text";

/** Validated settings of one recycler run. */
export interface RecyclerSettings {
  readonly namespace: string;
  readonly deployment: string;
  readonly maxAgeMs: number;
  readonly jitterMs: number;
  readonly maxRotations: number;
  readonly windows: readonly Window[];
  readonly timeZone: string;
  readonly strategy: Strategy;
  readonly readyTimeoutMs: number;
  readonly lease: string;
  readonly dryRun: boolean;
  /** Only for runs from a laptop; the in-cluster bundle connects through the service account. */
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly output: OutputFormat;
}

/** Settings as text, exactly as given on a command line; absent means not given. */
export interface RawSettings {
  namespace?: string;
  deployment?: string;
  maxAge?: string;
  jitter?: string;
  maxRotations?: string;
  window?: readonly string[];
  timeZone?: string;
  strategy?: string;
  readyTimeout?: string;
  lease?: string;
  dryRun?: boolean;
  kubeconfig?: string;
  context?: string;
  output?: string;
}

/** One invalid setting, with everything a person needs to fix it. */
export interface SettingsProblem {
  readonly field: string;
  readonly value: string;
  readonly rule: string;
  readonly fix: string;
  readonly message: string;
}

export type SettingsResult =
  | { readonly ok: true; readonly settings: RecyclerSettings }
  | { readonly ok: false; readonly problems: readonly SettingsProblem[] };

/** Exit code for invalid settings, shared with the CLI. */
export const EXIT_INVALID_SETTINGS = 2;

export const MIN_READY_TIMEOUT_MS = 30_000;
export const MAX_READY_TIMEOUT_MS = 6 * 3_600_000;
export const MAX_ROTATIONS_LIMIT = 1000;
export const DEFAULT_READY_TIMEOUT = "10m";
export const DEFAULT_TIME_ZONE = "Etc/UTC";

/** The flags in the order `--help` lists them, with their descriptions. */
export const FLAG_HELP: readonly (readonly [string, string])[] = [
  ["--namespace <ns>", "namespace of the Deployment (in-cluster default: the pod's own namespace)"],
  ["--deployment <name>", "the Deployment to rotate (required)"],
  ["--max-age <duration>", "rotate pods older than this, like 24h or 7d (required, at least 5m)"],
  [
    "--jitter <duration>",
    "spread each pod's deadline by up to this, from its UID (default: a tenth of max-age)",
  ],
  ["--max-rotations <n>", "rotate at most this many pods per run (default 1)"],
  ['--window "<days> <HH:MM>-<HH:MM>"', "allowed time window, repeatable (default: always)"],
  ["--time-zone <IANA>", `time zone of the windows (default ${DEFAULT_TIME_ZONE})`],
  ["--strategy evict|restart", "evict one pod at a time (default) or restart the Deployment"],
  [
    "--ready-timeout <duration>",
    `how long a replacement may take to become Ready (default ${DEFAULT_READY_TIMEOUT})`,
  ],
  ["--lease <name>", "Lease that keeps runs apart (default <deployment>-recycler)"],
  ["--dry-run", "print the plan and change nothing"],
  ["--kubeconfig <file>", "kubeconfig to use instead of the in-cluster service account"],
  ["--context <name>", "kubeconfig context (default: its current-context)"],
  ["--output json|text", "log format (default json)"],
  ["--help", "print this help"],
];

function problem(field: string, value: string, rule: string, fix: string): SettingsProblem {
  return { field, value, rule, fix, message: `${field} (${JSON.stringify(value)}) ${rule}. ${fix}` };
}

function missing(field: string, fix: string): SettingsProblem {
  return problem(field, "", "is required", fix);
}

/**
 * Validates raw settings and applies defaults. Every problem is collected; nothing stops at the first.
 * `defaults.namespace` is the fallback namespace (the service account's, in-cluster).
 */
export function resolveSettings(raw: RawSettings, defaults: { namespace?: string } = {}): SettingsResult {
  const problems: SettingsProblem[] = [];

  const namespace = raw.namespace ?? defaults.namespace;
  if (namespace === undefined || namespace === "") {
    problems.push(missing("--namespace", "Pass the Deployment's namespace, like --namespace shop."));
  } else if (namespace.length > DNS_LABEL_MAX || !DNS_LABEL.test(namespace)) {
    problems.push(
      problem(
        "--namespace",
        namespace,
        `must be a DNS-1123 label (lowercase letters, digits and '-', at most ${DNS_LABEL_MAX} characters)`,
        "Use the namespace exactly as `kubectl get namespaces` shows it.",
      ),
    );
  }

  const deployment = raw.deployment;
  if (deployment === undefined || deployment === "") {
    problems.push(
      missing("--deployment", "Pass the name of the Deployment to rotate, like --deployment web."),
    );
  } else if (deployment.length > DNS_SUBDOMAIN_MAX || !DNS_SUBDOMAIN.test(deployment)) {
    problems.push(
      problem(
        "--deployment",
        deployment,
        `must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most ${DNS_SUBDOMAIN_MAX} characters)`,
        "Use the Deployment's name exactly as `kubectl get deployments` shows it.",
      ),
    );
  }

  let maxAgeMs: number | undefined;
  if (raw.maxAge === undefined || raw.maxAge === "") {
    problems.push(missing("--max-age", "Pass the oldest a pod may get, like --max-age 24h."));
  } else {
    maxAgeMs = parseDuration(raw.maxAge);
    if (maxAgeMs === undefined) {
      problems.push(
        problem("--max-age", raw.maxAge, `must be ${DURATION_RULE}`, "Write it like --max-age 24h."),
      );
    } else if (maxAgeMs < MIN_MAX_AGE_MS) {
      problems.push(
        problem(
          "--max-age",
          raw.maxAge,
          `must be at least ${formatDuration(MIN_MAX_AGE_MS)}: pods need time to become Ready`,
          "Use a longer --max-age.",
        ),
      );
      maxAgeMs = undefined;
    }
  }

  let jitterMs: number | undefined;
  if (raw.jitter !== undefined) {
    jitterMs = parseDuration(raw.jitter);
    if (jitterMs === undefined) {
      problems.push(
        problem(
          "--jitter",
          raw.jitter,
          `must be ${DURATION_RULE}`,
          "Write it like --jitter 2h, or 0s for none.",
        ),
      );
    } else if (maxAgeMs !== undefined && jitterMs > maxAgeMs) {
      problems.push(
        problem(
          "--jitter",
          raw.jitter,
          `must not exceed --max-age (${formatDuration(maxAgeMs)}): a pod could live more than twice its max age`,
          "Use a smaller --jitter, like a tenth of --max-age.",
        ),
      );
      jitterMs = undefined;
    }
  } else if (maxAgeMs !== undefined) {
    jitterMs = Math.floor(maxAgeMs / 10);
  }

  let maxRotations = 1;
  if (raw.maxRotations !== undefined) {
    const text = raw.maxRotations.trim();
    const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > MAX_ROTATIONS_LIMIT) {
      problems.push(
        problem(
          "--max-rotations",
          raw.maxRotations,
          `must be a whole number from 1 to ${MAX_ROTATIONS_LIMIT}`,
          "Pass how many pods one run may rotate, like --max-rotations 3.",
        ),
      );
    } else {
      maxRotations = n;
    }
  }

  const windows: Window[] = [];
  (raw.window ?? []).forEach((text) => {
    const parsed = parseWindow(text);
    if (typeof parsed === "string") {
      problems.push(problem("--window", text, parsed, 'Write it like --window "Mon-Fri 09:00-17:00".'));
    } else {
      windows.push(parsed);
    }
  });

  const timeZone = raw.timeZone ?? DEFAULT_TIME_ZONE;
  const zoneProblem = checkTimeZone(timeZone);
  if (zoneProblem) {
    problems.push(
      problem("--time-zone", timeZone, zoneProblem, "Pass an IANA name like --time-zone Europe/Berlin."),
    );
  }

  const strategy = raw.strategy ?? "evict";
  if (strategy !== "evict" && strategy !== "restart") {
    problems.push(
      problem(
        "--strategy",
        strategy,
        'must be "evict" or "restart"',
        "Use --strategy evict (one pod at a time, the default) or --strategy restart.",
      ),
    );
  }

  const readyTimeoutText = raw.readyTimeout ?? DEFAULT_READY_TIMEOUT;
  let readyTimeoutMs = parseDuration(readyTimeoutText);
  if (readyTimeoutMs === undefined) {
    problems.push(
      problem(
        "--ready-timeout",
        readyTimeoutText,
        `must be ${DURATION_RULE}`,
        "Write it like --ready-timeout 10m.",
      ),
    );
  } else if (readyTimeoutMs < MIN_READY_TIMEOUT_MS || readyTimeoutMs > MAX_READY_TIMEOUT_MS) {
    problems.push(
      problem(
        "--ready-timeout",
        readyTimeoutText,
        `must be from ${formatDuration(MIN_READY_TIMEOUT_MS)} to ${formatDuration(MAX_READY_TIMEOUT_MS)}`,
        "Use about twice the time a new pod takes to become Ready, like --ready-timeout 10m.",
      ),
    );
    readyTimeoutMs = undefined;
  }

  const lease = raw.lease ?? (deployment ? recyclerName(deployment) : "");
  if (
    raw.lease !== undefined &&
    (lease === "" || lease.length > DNS_SUBDOMAIN_MAX || !DNS_SUBDOMAIN.test(lease))
  ) {
    problems.push(
      problem(
        "--lease",
        lease,
        `must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most ${DNS_SUBDOMAIN_MAX} characters)`,
        "Leave it out to use <deployment>-recycler, or name the Lease the component created.",
      ),
    );
  }

  const output = raw.output ?? "json";
  if (output !== "json" && output !== "text") {
    problems.push(
      problem("--output", output, 'must be "json" or "text"', "Use --output json or --output text."),
    );
  }

  if (raw.context !== undefined && raw.context === "") {
    problems.push(
      problem("--context", "", "must not be empty", "Leave it out to use the kubeconfig's current-context."),
    );
  }
  if (raw.kubeconfig !== undefined && raw.kubeconfig === "") {
    problems.push(
      problem("--kubeconfig", "", "must not be empty", "Pass a kubeconfig file path or leave it out."),
    );
  }

  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    settings: {
      namespace: namespace as string,
      deployment: deployment as string,
      maxAgeMs: maxAgeMs as number,
      jitterMs: jitterMs as number,
      maxRotations,
      windows,
      timeZone,
      strategy: strategy as Strategy,
      readyTimeoutMs: readyTimeoutMs as number,
      lease,
      dryRun: raw.dryRun === true,
      ...(raw.kubeconfig !== undefined ? { kubeconfig: raw.kubeconfig } : {}),
      ...(raw.context !== undefined ? { context: raw.context } : {}),
      output: output as OutputFormat,
    },
  };
}

const STRING_FLAGS = {
  namespace: "namespace",
  deployment: "deployment",
  "max-age": "maxAge",
  jitter: "jitter",
  "max-rotations": "maxRotations",
  "time-zone": "timeZone",
  strategy: "strategy",
  "ready-timeout": "readyTimeout",
  lease: "lease",
  kubeconfig: "kubeconfig",
  context: "context",
  output: "output",
} as const satisfies Record<string, keyof RawSettings>;

export type ParsedArgs =
  | { readonly kind: "help" }
  | { readonly kind: "settings"; readonly settings: RecyclerSettings }
  | { readonly kind: "invalid"; readonly problems: readonly SettingsProblem[] };

/**
 * Parses the recycler's command line (the CronJob's args) with `node:util` parseArgs. Unknown flags, missing
 * values and stray arguments are problems like any invalid value, reported together.
 */
export function parseRecyclerArgs(
  argv: readonly string[],
  defaults: { namespace?: string } = {},
): ParsedArgs {
  const options: Record<string, { type: "string" | "boolean"; multiple?: boolean }> = {
    window: { type: "string", multiple: true },
    "dry-run": { type: "boolean" },
    help: { type: "boolean" },
  };
  for (const flag of Object.keys(STRING_FLAGS)) options[flag] = { type: "string" };
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const raw: RawSettings = {};
  const windows: string[] = [];
  const problems: SettingsProblem[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token) continue;
    if (token.kind === "positional") {
      problems.push(
        problem(
          "argument",
          token.value,
          "is not a flag",
          "Every setting is a --flag value pair; see --help.",
        ),
      );
      continue;
    }
    if (token.kind !== "option") continue;
    const name = token.name;
    if (name === "help") return { kind: "help" };
    if (name === "dry-run") {
      if (token.value !== undefined) {
        problems.push(problem("--dry-run", token.value, "takes no value", "Write just --dry-run."));
      } else {
        raw.dryRun = true;
      }
      continue;
    }
    const value = token.value;
    if (!(name in options)) {
      // An unknown flag's value is left as a positional token: report the pair once.
      let shown = value ?? "";
      const next = tokens[i + 1];
      if (value === undefined && next?.kind === "positional") {
        shown = next.value;
        i++;
      }
      problems.push(problem(token.rawName, shown, "is not a recycler flag", "See --help for the flags."));
      continue;
    }
    if (value === undefined) {
      problems.push(
        problem(token.rawName, "", "needs a value", `Write it like ${token.rawName} <value>; see --help.`),
      );
      continue;
    }
    if (name === "window") {
      windows.push(value);
      continue;
    }
    const key = STRING_FLAGS[name as keyof typeof STRING_FLAGS];
    if (raw[key] !== undefined) {
      problems.push(problem(token.rawName, value, "is given twice", `Pass ${token.rawName} once.`));
      continue;
    }
    raw[key] = value;
  }
  if (windows.length > 0) raw.window = windows;
  const resolved = resolveSettings(raw, defaults);
  if (!resolved.ok) problems.push(...resolved.problems);
  if (problems.length > 0) return { kind: "invalid", problems };
  return { kind: "settings", settings: (resolved as { settings: RecyclerSettings }).settings };
}

/** The `--help` text of the in-cluster recycler. */
export function recyclerUsage(): string {
  const width = Math.max(...FLAG_HELP.map(([flag]) => flag.length));
  return [
    "Usage: recycler --deployment <name> --max-age <duration> [flags]",
    "",
    "Rotates the old pods of one Deployment, one at a time, never below its capacity.",
    "",
    ...FLAG_HELP.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    "",
  ].join("\n");
}
