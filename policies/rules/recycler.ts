import { MAX_AGE_ANNOTATION, TARGET_ANNOTATION } from "../../contract/annotations";
import { DURATION_RULE, parseDuration } from "../../contract/duration";
import { COMPONENT_LABEL, RECYCLER_COMPONENT } from "../../contract/labels";
import { DEFAULT_MAX_POD_AGE } from "../../contract/max-age";
import { checkTimeZone } from "../../contract/window";
import {
  CRON_JOB,
  DEPLOYMENT,
  annotationsOf,
  containersOf,
  describe,
  field,
  list,
  nameOf,
  namespaceOf,
  podTemplateOf,
  show,
} from "../kube";
import type { Finding, KubeObject, Rule } from "../model";

const RECYCLER_SHAPE = `a CronJob labelled ${COMPONENT_LABEL}: ${RECYCLER_COMPONENT} with annotation ${TARGET_ANNOTATION}`;

/** Every Deployment has a recycler that rotates its pods. */
export const deploymentHasRecycler: Rule = {
  id: "deployment-has-recycler",
  description: `Every Deployment has a recycler: ${RECYCLER_SHAPE} naming it, in the same namespace.`,
  severity: "medium",
  rationale:
    "Pods that are never replaced accumulate leaks, stale connections and unpatched runtime state; a recycler replaces them one at a time, within the PodDisruptionBudget, before they get old.",
  remediation:
    "Deploy the app with rotor (RotatingApp or `rotor render`), which adds `<name>-recycler`, or add such a CronJob by hand.",
  scope: "stack",
  tags: ["rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const deployment of index.ofType(DEPLOYMENT)) {
      if (index.recyclersOf(deployment).length > 0) continue;
      const name = nameOf(deployment);
      const namespace = namespaceOf(deployment);
      const near = index
        .ofType(CRON_JOB)
        .filter((c) => annotationsOf(c)[TARGET_ANNOTATION] === name)
        .map((c) =>
          namespaceOf(c) !== namespace
            ? `${describe(c)} names it but is in another namespace`
            : `${describe(c)} names it but lacks the label ${COMPONENT_LABEL}: ${RECYCLER_COMPONENT}`,
        );
      findings.push({
        ruleId: this.id,
        object: deployment,
        path: ["metadata", "name"],
        message: `no recycler rotates its pods: rotor expects ${RECYCLER_SHAPE}: ${name} in namespace ${namespace}.${near.length > 0 ? ` ${near.join("; ")}.` : ""}`,
        fix: `Deploy ${name} with rotor, which adds CronJob ${namespace}/${name}-recycler, or create a CronJob in namespace ${namespace} with that label and annotation.`,
      });
    }
    return findings;
  },
};

/** Each recycler names a Deployment that exists next to it. */
export const recyclerTargetsDeployment: Rule = {
  id: "recycler-targets-deployment",
  description: `A recycler CronJob's ${TARGET_ANNOTATION} names a Deployment in its own namespace.`,
  severity: "medium",
  rationale:
    "A recycler whose target is missing or misspelt runs on schedule and rotates nothing, while the real Deployment goes unrotated.",
  remediation: `Set ${TARGET_ANNOTATION} to the name of the Deployment in the CronJob's namespace.`,
  scope: "stack",
  tags: ["rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const cronJob of index.recyclers()) {
      const target = annotationsOf(cronJob)[TARGET_ANNOTATION];
      const namespace = namespaceOf(cronJob);
      if (target && index.find(DEPLOYMENT, namespace, target)) continue;
      findings.push({
        ruleId: this.id,
        object: cronJob,
        path: ["metadata", "annotations"],
        message: target
          ? `${TARGET_ANNOTATION} is ${show(target)}, but there is no Deployment ${namespace}/${target}.`
          : `${TARGET_ANNOTATION} is missing, so the recycler does not know which Deployment to rotate.`,
        fix: `Set annotation ${TARGET_ANNOTATION} to the name of the Deployment this CronJob rotates, in namespace ${namespace}.`,
      });
    }
    return findings;
  },
};

/** The recycler's advertised max pod age is valid, bounded, and what its container is told. */
export const recyclerMaxPodAge: Rule = {
  id: "recycler-max-pod-age",
  description: `A recycler's ${MAX_AGE_ANNOTATION} is a duration no longer than a ceiling (default ${DEFAULT_MAX_POD_AGE}) and matches its --max-age.`,
  severity: "medium",
  rationale:
    "The max pod age is the promise the recycler keeps; an unparseable or very long age means pods effectively never rotate, and an annotation that disagrees with --max-age misleads whoever reads it.",
  remediation: `Set ${MAX_AGE_ANNOTATION} (and the container's --max-age) to a duration like 24h, at most the ceiling.`,
  scope: "object",
  tags: ["rotation"],
  defaultLevel: "mandatory",
  settings: {
    maxPodAge: {
      type: "duration",
      default: DEFAULT_MAX_POD_AGE,
      description: "The longest max pod age a recycler may declare, as a duration like 24h, 7d or 1d12h.",
    },
  },
  check({ index, settings }) {
    const ceilingText = settings.maxPodAge as string;
    const ceiling = parseDuration(ceilingText) ?? Number.POSITIVE_INFINITY;
    const findings: Finding[] = [];
    for (const cronJob of index.recyclers()) {
      const report = (path: Finding["path"], message: string, fix: string) =>
        findings.push({ ruleId: this.id, object: cronJob, path, message, fix });
      const annotated = annotationsOf(cronJob)[MAX_AGE_ANNOTATION];
      const annotationPath = ["metadata", "annotations", MAX_AGE_ANNOTATION];
      const fix = `Set annotation ${MAX_AGE_ANNOTATION} and the container's --max-age to the same duration, at most ${ceilingText}, like "24h".`;
      if (annotated === undefined) {
        report(
          ["metadata", "annotations"],
          `${MAX_AGE_ANNOTATION} is missing, so nobody can tell how old its pods may get.`,
          fix,
        );
        continue;
      }
      const ms = parseDuration(annotated);
      if (ms === undefined || ms <= 0) {
        report(
          annotationPath,
          `${MAX_AGE_ANNOTATION} is ${show(annotated)}: it must be ${DURATION_RULE}, and more than 0.`,
          fix,
        );
        continue;
      }
      if (ms > ceiling) {
        report(
          annotationPath,
          `${MAX_AGE_ANNOTATION} is ${show(annotated)}, longer than the ceiling of ${ceilingText}.`,
          fix,
        );
      }
      const flag = maxAgeFlag(cronJob);
      if (flag && parseDuration(flag.value) !== ms) {
        report(
          flag.path,
          `the container runs with --max-age ${flag.value}, but ${MAX_AGE_ANNOTATION} says ${annotated}.`,
          fix,
        );
      }
    }
    return findings;
  },
};

/** Finds `--max-age <d>` or `--max-age=<d>` in the args or command of the job's containers. */
function maxAgeFlag(cronJob: KubeObject): { value: string; path: Finding["path"] } | undefined {
  const template = podTemplateOf(cronJob);
  if (!template) return undefined;
  for (const ref of containersOf(template, ["containers"])) {
    for (const key of ["command", "args"] as const) {
      const words = list(ref.container[key]);
      for (let i = 0; i < words.length; i++) {
        const word = words[i];
        if (word === "--max-age" && typeof words[i + 1] === "string")
          return { value: words[i + 1] as string, path: [...ref.path, key, i] };
        if (typeof word === "string" && word.startsWith("--max-age="))
          return { value: word.slice(10), path: [...ref.path, key, i] };
      }
    }
  }
  return undefined;
}

/** The recycler's CronJob runs at most once at a time, catches up after outages and knows its time zone. */
export const recyclerCronJobSettings: Rule = {
  id: "recycler-cronjob-settings",
  description:
    "A recycler CronJob sets concurrencyPolicy: Forbid, a startingDeadlineSeconds and a valid IANA timeZone.",
  severity: "medium",
  rationale:
    "The default concurrencyPolicy Allow lets two runs rotate at once; without startingDeadlineSeconds a CronJob that missed 100 schedules stops for good; without timeZone the schedule and windows follow the controller's zone.",
  remediation:
    "Set spec.concurrencyPolicy: Forbid, spec.startingDeadlineSeconds (e.g. 300) and spec.timeZone (e.g. Etc/UTC).",
  scope: "object",
  tags: ["rotation"],
  defaultLevel: "mandatory",
  settings: {},
  check({ index }) {
    const findings: Finding[] = [];
    for (const cronJob of index.recyclers()) {
      const spec = field(cronJob, ["spec"]);
      const report = (key: string, message: string, fix: string) =>
        findings.push({
          ruleId: this.id,
          object: cronJob,
          path: field(spec, [key]) === undefined ? ["spec"] : ["spec", key],
          message,
          fix,
        });
      const concurrency = field(spec, ["concurrencyPolicy"]);
      if (concurrency !== "Forbid") {
        report(
          "concurrencyPolicy",
          `spec.concurrencyPolicy is ${concurrency === undefined ? "unset (Allow)" : show(concurrency)}, so a slow run and the next one can rotate pods at the same time.`,
          "Set spec.concurrencyPolicy: Forbid.",
        );
      }
      const deadline = field(spec, ["startingDeadlineSeconds"]);
      if (!(typeof deadline === "number" && Number.isInteger(deadline) && deadline > 0)) {
        report(
          "startingDeadlineSeconds",
          deadline === undefined
            ? "spec.startingDeadlineSeconds is unset: after more than 100 missed schedules (an outage, a suspended CronJob) the controller stops scheduling it."
            : `spec.startingDeadlineSeconds is ${show(deadline)}; it must be a positive integer.`,
          "Set spec.startingDeadlineSeconds to a few minutes, like 300.",
        );
      }
      const timeZone = field(spec, ["timeZone"]);
      const zoneError =
        timeZone === undefined
          ? "is unset, so the schedule follows the kube-controller-manager's time zone"
          : typeof timeZone === "string"
            ? zoneProblem(timeZone)
            : "must be a string";
      if (zoneError) {
        report(
          "timeZone",
          `spec.timeZone${timeZone === undefined ? "" : ` (${show(timeZone)})`} ${zoneError}.`,
          'Set spec.timeZone to an IANA time-zone name like "Etc/UTC" or "Europe/Berlin".',
        );
      }
    }
    return findings;
  },
};

const zoneProblems = new Map<string, string | undefined>();

/** `checkTimeZone`, remembered per name: a thousand recyclers share a handful of zones. */
function zoneProblem(name: string): string | undefined {
  if (!zoneProblems.has(name)) zoneProblems.set(name, checkTimeZone(name));
  return zoneProblems.get(name);
}
