import { createHash } from "node:crypto";
import type * as Sarif from "sarif";
import { WAIVER_PREFIX } from "../contract/annotations";
import { formatSourceProblem, problemText, type SourceProblem } from "../source";
import { findingStatement, findingText } from "./finding-text";
import { nameOf, namespaceOf, showPath } from "./kube";
import type { Rule, Severity } from "./model";
import type { CheckResult, LocatedFinding } from "./run-check";

/** The three report formats of `rotor check`. */
export type ReportFormat = "text" | "json" | "sarif";
export const REPORT_FORMATS: readonly ReportFormat[] = ["text", "json", "sarif"];

/** Formats a check result. */
export function formatReport(result: CheckResult, format: ReportFormat, toolVersion: string): string {
  if (format === "json") return formatJson(result, toolVersion);
  if (format === "sarif") return formatSarif(result, toolVersion);
  return formatText(result);
}

function where(location: { file: string; line?: number; column?: number } | undefined): string {
  if (!location) return "(unknown location)";
  return location.line === undefined
    ? location.file
    : `${location.file}:${location.line}:${location.column ?? 1}`;
}

/** Describes an input problem for stderr: `file:line:col: message`. */
export function formatProblem(problem: SourceProblem): string {
  return formatSourceProblem(problem);
}

/**
 * Human-readable report: one `file:line:col: level rule: object: message` line per active finding with its fix
 * on the next line, then a summary. Waived findings are counted, not listed.
 */
export function formatText(result: CheckResult): string {
  const lines: string[] = [];
  const active = result.findings.filter((f) => f.waivedBecause === undefined);
  for (const f of active) {
    lines.push(`${where(f.location)}: ${f.level} ${f.ruleId}: ${findingStatement(f)}`);
    lines.push(`  fix: ${f.fix}`);
  }
  lines.push(summary(result));
  return `${lines.join("\n")}\n`;
}

/** The one-line summary of a check. */
export function summary(result: CheckResult): string {
  const active = result.findings.filter((f) => f.waivedBecause === undefined);
  const waived = result.findings.length - active.length;
  const mandatory = active.filter((f) => f.level === "mandatory").length;
  const scope = `${plural(result.objects, "object")} in ${plural(result.files, "file")}`;
  const found =
    active.length === 0
      ? "no findings"
      : `${plural(active.length, "finding")} (${mandatory} mandatory, ${active.length - mandatory} advisory)`;
  const parts = [`${scope}: ${found}${waived > 0 ? `, ${waived} waived` : ""}.`];
  const skipped: string[] = [];
  if (result.skipped.notKubernetes > 0) {
    const one = result.skipped.notKubernetes === 1;
    skipped.push(
      `${plural(result.skipped.notKubernetes, "document")} that ${one ? "is not a Kubernetes object" : "are not Kubernetes objects"}`,
    );
  }
  const unknown = [...result.skipped.unknownKinds].sort(([a], [b]) => (a < b ? -1 : 1));
  if (unknown.length > 0) {
    const total = unknown.reduce((n, [, c]) => n + c, 0);
    skipped.push(
      `${plural(total, "object")} of kinds rotor has no rules for: ${unknown.map(([k, c]) => `${k} ×${c}`).join(", ")}`,
    );
  }
  if (skipped.length > 0) parts.push(`Skipped ${skipped.join("; ")}.`);
  if (result.problems.length > 0) parts.push(`${plural(result.problems.length, "input error")} (see above).`);
  return parts.join(" ");
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function objectRef(f: LocatedFinding) {
  const namespace = namespaceOf(f.object);
  return {
    apiVersion: f.object.apiVersion,
    kind: f.object.kind,
    ...(namespace ? { namespace } : {}),
    name: nameOf(f.object),
  };
}

/** Machine-readable report with every finding (waived ones flagged), input errors and counts. */
export function formatJson(result: CheckResult, toolVersion: string): string {
  const report = {
    tool: { name: "rotor", version: toolVersion },
    summary: {
      files: result.files,
      documents: result.documents,
      objects: result.objects,
      findings: result.findings.filter((f) => f.waivedBecause === undefined).length,
      waived: result.findings.filter((f) => f.waivedBecause !== undefined).length,
      skipped: {
        notKubernetes: result.skipped.notKubernetes,
        unknownKinds: Object.fromEntries(result.skipped.unknownKinds),
      },
      inputErrors: result.problems.length,
      exitCode: result.exitCode,
    },
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      level: f.level,
      severity: f.severity,
      object: objectRef(f),
      file: f.location?.file,
      line: f.location?.line,
      column: f.location?.column,
      field: showPath(f.path),
      message: f.message,
      fix: f.fix,
      ...(f.waivedBecause !== undefined ? { waived: { reason: f.waivedBecause } } : {}),
    })),
    errors: result.problems.map((p) => ({
      file: p.file,
      line: p.line,
      column: p.column,
      message: problemText(p),
    })),
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
};

function sarifRule(rule: Rule, result: CheckResult): Sarif.ReportingDescriptor {
  const level = result.config.levelOf(rule);
  const security = rule.tags.includes("security");
  const settings = Object.entries(result.config.settingsOf(rule));
  const markdown = [
    `**${rule.description}**`,
    "",
    rule.rationale,
    "",
    `**Fix:** ${rule.remediation}`,
    "",
    `Waive for one object with the annotation \`${WAIVER_PREFIX}${rule.id}: "<reason>"\`.`,
    ...(settings.length > 0
      ? ["", `Settings: ${settings.map(([k, v]) => `\`${k}: ${String(v)}\``).join(", ")}.`]
      : []),
  ].join("\n");
  return {
    id: rule.id,
    name: rule.id
      .split("-")
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join(""),
    shortDescription: { text: rule.description },
    fullDescription: { text: rule.rationale },
    help: { text: `${rule.rationale} Fix: ${rule.remediation}`, markdown },
    defaultConfiguration:
      level === "disabled"
        ? { enabled: false, level: "none" }
        : { level: level === "mandatory" ? "error" : "warning" },
    properties: {
      tags: ["kubernetes", ...rule.tags],
      precision: "very-high",
      ...(security
        ? { "security-severity": SECURITY_SEVERITY[rule.severity] }
        : {
            "problem.severity":
              rule.severity === "high" || rule.severity === "critical" ? "error" : "warning",
          }),
    },
  };
}

function artifactUri(file: string): string {
  return file.split("\\").join("/").split("/").map(encodeURIComponent).join("/");
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one rule per catalog entry, one result per finding with a physical
 * location (`startLine` and `startColumn`), a logical location naming the object, a stable fingerprint that
 * survives line shifts, and waived findings as in-source suppressions with the waiver's reason.
 */
export function formatSarif(result: CheckResult, toolVersion: string): string {
  const ruleIndex = new Map(result.rules.map((r, i) => [r.id, i]));
  const results: Sarif.Result[] = result.findings.map((f) => {
    const fingerprint = createHash("sha256")
      .update(
        [
          f.ruleId,
          f.object.apiVersion,
          f.object.kind,
          namespaceOf(f.object),
          nameOf(f.object),
          showPath(f.path),
        ].join("\n"),
      )
      .digest("hex");
    return {
      ruleId: f.ruleId,
      ruleIndex: ruleIndex.get(f.ruleId),
      level: f.level === "mandatory" ? "error" : "warning",
      message: { text: findingText(f) },
      locations: [
        {
          ...(f.location
            ? {
                physicalLocation: {
                  artifactLocation: { uri: artifactUri(f.location.file) },
                  region: { startLine: f.location.line, startColumn: f.location.column },
                },
              }
            : {}),
          logicalLocations: [
            {
              name: nameOf(f.object) || "(unnamed)",
              fullyQualifiedName: `${f.object.kind}/${namespaceOf(f.object) ? `${namespaceOf(f.object)}/` : ""}${nameOf(f.object)}`,
              kind: "resource",
            },
          ],
        },
      ],
      partialFingerprints: { "rotorFinding/v1": fingerprint },
      properties: { field: showPath(f.path), fix: f.fix, severity: f.severity },
      ...(f.waivedBecause !== undefined
        ? { suppressions: [{ kind: "inSource", justification: f.waivedBecause }] }
        : {}),
    };
  });
  const log: Sarif.Log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "rotor",
            semanticVersion: toolVersion,
            version: toolVersion,
            rules: result.rules.map((r) => sarifRule(r, result)),
          },
        },
        invocations: [
          {
            executionSuccessful: result.problems.length === 0,
            toolExecutionNotifications: result.problems.map((p) => ({
              level: "error",
              message: { text: problemText(p) },
              ...(p.line !== undefined
                ? {
                    locations: [
                      {
                        physicalLocation: {
                          artifactLocation: { uri: artifactUri(p.file) },
                          region: { startLine: p.line, startColumn: p.column ?? 1 },
                        },
                      },
                    ],
                  }
                : {}),
            })),
          },
        ],
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
