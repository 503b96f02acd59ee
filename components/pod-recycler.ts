import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { LAST_RUN_ANNOTATION } from "../contract/annotations";
import {
  CRONJOB_NAME_MAX,
  DNS_LABEL,
  DNS_LABEL_MAX,
  DNS_SUBDOMAIN,
  DNS_SUBDOMAIN_MAX,
  recyclerScriptName,
} from "../contract/names";
import { recyclerBundle } from "../recycler/bundle";
import { rotationSchema } from "./app-schema";
import { lift, problemsMessage, resolveSpec } from "./inputs";
import { show, type Problem } from "./problems";
import { buildRecyclerManifests, type RecyclerManifests, type RecyclerSpec } from "./recycler-manifests";
import { RecyclerScript } from "./recycler-script";
import { resolveRotation } from "./rotation";
import { zodProblems, withoutRejected } from "./zod-problems";

/** How a recycler rotates; shared by {@link PodRecyclerArgs} and RotatingApp's `rotation`. Durations look like 90s, 15m, 24h, 7d, 1d12h. */
export interface RecyclerRotationArgs {
  /** Maximum pod age before rotation. @default "24h" */
  readonly maxAge?: pulumi.Input<string>;
  /** Largest per-pod delay added to maxAge, derived from the pod UID. @default a tenth of maxAge */
  readonly jitter?: pulumi.Input<string>;
  /** Cron schedule of runs. @see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax @default "*\/15 * * * *" */
  readonly schedule?: pulumi.Input<string>;
  /** IANA time zone of the schedule and windows. @default "Etc/UTC" */
  readonly timeZone?: pulumi.Input<string>;
  /** Allowed windows like "Mon-Fri 09:00-17:00", re-checked at run time; none means always. @default [] */
  readonly windows?: pulumi.Input<pulumi.Input<string>[]>;
  /** @default 1 */
  readonly maxRotationsPerRun?: pulumi.Input<number>;
  /** evict one pod at a time, or restart as `kubectl rollout restart` does. @default "evict" */
  readonly strategy?: pulumi.Input<"evict" | "restart">;
  /** How long a replacement may take to become Ready. @default "10m" */
  readonly readyTimeout?: pulumi.Input<string>;
  /** Plan and report, never evict. @default false */
  readonly dryRun?: pulumi.Input<boolean>;
  /** Suspend the CronJob. @default false */
  readonly suspend?: pulumi.Input<boolean>;
  /** Node.js image the recycler runs in, pinned by version. @default "docker.io/library/node:24.11.1-alpine3.22" */
  readonly image?: pulumi.Input<string>;
}

/** Arguments of {@link PodRecycler}: the Deployment to rotate and how. */
export interface PodRecyclerArgs extends RecyclerRotationArgs {
  /** Namespace of the Deployment; the recycler's objects live there too. */
  readonly namespace: pulumi.Input<string>;
  /** Name of the Deployment to rotate. */
  readonly deployment: pulumi.Input<string>;
  /**
   * Replicas the Deployment runs, when known: enables the checks that maxAge and the schedule can keep up.
   * @default unset: those checks are skipped (RotatingApp passes its replicas, or autoscaling.maxReplicas)
   */
  readonly replicas?: pulumi.Input<number>;
  /** Value of app.kubernetes.io/part-of. @default the Deployment name */
  readonly partOf?: pulumi.Input<string>;
  /**
   * ConfigMap with the recycler script in the namespace, shared with other recyclers: a RecyclerScript's
   * `configMapName`. @default a RecyclerScript of its own, named `<name>-<hash>`
   */
  readonly scriptConfigMap?: pulumi.Input<string>;
}

/** The shape of PodRecycler's args; rotor's Pulumi package schema (provider/schema.ts) is generated from it. */
export const recyclerSchema = rotationSchema.omit({ enabled: true }).extend({
  namespace: z
    .string()
    .regex(DNS_LABEL)
    .max(DNS_LABEL_MAX)
    .meta({ description: "Namespace of the Deployment; the recycler's objects live there too." }),
  deployment: z
    .string()
    .regex(DNS_SUBDOMAIN)
    .max(DNS_SUBDOMAIN_MAX)
    .meta({ description: "Name of the Deployment to rotate." }),
  replicas: z.number().int().min(1).optional().meta({
    description:
      "Replicas the Deployment runs, when known: enables the checks that maxAge and the schedule can keep up.",
  }),
  partOf: z
    .string()
    .min(1)
    .max(DNS_LABEL_MAX)
    .optional()
    .meta({ description: "app.kubernetes.io/part-of. Default: the Deployment name." }),
  scriptConfigMap: z.string().regex(DNS_SUBDOMAIN).max(DNS_SUBDOMAIN_MAX).optional().meta({
    description:
      "ConfigMap with the recycler script in the namespace, shared with other recyclers: a RecyclerScript's configMapName. Default: a RecyclerScript of its own.",
  }),
});

// The args and the schema must name the same fields; this fails to compile when they drift.
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : never;
const argsMatchSchema: SameKeys<PodRecyclerArgs, z.infer<typeof recyclerSchema>> = true;
void argsMatchSchema;

/** Validates recycler args and applies defaults; reports every problem at once. */
export function resolveRecycler(name: string, input: unknown): { spec?: RecyclerSpec; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!DNS_LABEL.test(name) || name.length > CRONJOB_NAME_MAX) {
    problems.push({
      path: [],
      message: `name ${show(name)} is not valid: it names the recycler's CronJob, so it must be lowercase letters, digits and '-', at most ${CRONJOB_NAME_MAX} characters. Choose a shorter name.`,
    });
  }
  let parsed = recyclerSchema.safeParse(input);
  if (!parsed.success) {
    problems.push(...zodProblems(recyclerSchema, input, parsed.error.issues));
    parsed = recyclerSchema.safeParse(withoutRejected(input, parsed.error.issues));
    if (!parsed.success) return { problems };
  }
  const { namespace, deployment, replicas, partOf, scriptConfigMap, ...rotationInput } = parsed.data;
  const rotation = resolveRotation(rotationInput, replicas === undefined ? {} : { replicas });
  problems.push(...rotation.problems);
  if (!rotation.spec || problems.length > 0) return { problems };
  return {
    problems,
    spec: {
      name,
      namespace,
      deployment,
      partOf: partOf ?? deployment,
      rotation: rotation.spec,
      scriptConfigMap: scriptConfigMap ?? recyclerScriptName(recyclerBundle(), name),
    },
  };
}

/**
 * Rotates the pods of an existing Deployment: a CronJob that runs rotor's recycler with its own least-privilege
 * identity (ServiceAccount, Role, RoleBinding) and the Lease that keeps two runs from overlapping. The script comes
 * from the ConfigMap `scriptConfigMap` names (shared by the namespace's recyclers), or from a RecyclerScript of its
 * own when none is given. Usable on its own or as a child of RotatingApp.
 */
export class PodRecycler extends pulumi.ComponentResource {
  private readonly resolved: RecyclerSpec | pulumi.Output<RecyclerSpec>;
  private specOutput?: pulumi.Output<RecyclerSpec>;
  /** Name of the CronJob (and of every other object of the recycler). */
  public readonly cronJobName: pulumi.Output<string>;
  public readonly serviceAccount: k8s.core.v1.ServiceAccount;
  public readonly role: k8s.rbac.v1.Role;
  public readonly roleBinding: k8s.rbac.v1.RoleBinding;
  /** The recycler's own script ConfigMap, when no `scriptConfigMap` was given. */
  public readonly script?: RecyclerScript;
  public readonly lease: k8s.coordination.v1.Lease;
  public readonly cronJob: k8s.batch.v1.CronJob;

  /** The settings with every default applied (built on first use). */
  public get spec(): pulumi.Output<RecyclerSpec> {
    this.specOutput ??= pulumi.output(this.resolved) as pulumi.Output<RecyclerSpec>;
    return this.specOutput;
  }

  constructor(name: string, args: PodRecyclerArgs, opts?: pulumi.ComponentResourceOptions) {
    // Args stay out of super(): registering Output-valued component inputs leaks promises (pulumi/pulumi#23953).
    super("rotor:index:PodRecycler", name, {}, opts);
    const spec = resolveSpec(
      args,
      (plain) => resolveRecycler(name, plain),
      (problems) => new pulumi.ResourceError(problemsMessage("PodRecycler", name, problems), this),
    );
    const manifests = lift(spec, buildRecyclerManifests);
    const pick = <U>(f: (m: RecyclerManifests) => U) => lift(manifests, f) as pulumi.Input<U>;
    const meta = (o: { metadata?: unknown }) => o.metadata as k8s.types.input.meta.v1.ObjectMeta;
    // dependsOn given to the component holds for each child (Pulumi does not pass it down by itself).
    const parent: pulumi.CustomResourceOptions = {
      parent: this,
      ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}),
    };

    this.serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      { metadata: pick((m) => meta(m.serviceAccount)) },
      parent,
    );
    this.role = new k8s.rbac.v1.Role(
      `${name}-role`,
      {
        metadata: pick((m) => meta(m.role)),
        rules: pick((m) => m.role.rules as k8s.types.input.rbac.v1.PolicyRule[]),
      },
      parent,
    );
    this.roleBinding = new k8s.rbac.v1.RoleBinding(
      `${name}-rolebinding`,
      {
        metadata: pick((m) => meta(m.roleBinding)),
        roleRef: pick((m) => m.roleBinding.roleRef as k8s.types.input.rbac.v1.RoleRef),
        subjects: pick((m) => m.roleBinding.subjects as k8s.types.input.rbac.v1.Subject[]),
      },
      { ...parent, dependsOn: [this.role, this.serviceAccount] },
    );
    if (args.scriptConfigMap === undefined) {
      this.script = new RecyclerScript(
        `${name}-script`,
        { namespace: args.namespace, namePrefix: name },
        parent,
      );
    }
    // The recycler owns the Lease's spec (holder, renew time); Pulumi only makes sure it exists.
    this.lease = new k8s.coordination.v1.Lease(
      `${name}-lease`,
      { metadata: pick((m) => meta(m.lease)), spec: {} },
      { ...parent, ignoreChanges: ["spec", `metadata.annotations["${LAST_RUN_ANNOTATION}"]`] },
    );
    this.cronJob = new k8s.batch.v1.CronJob(
      `${name}-cronjob`,
      {
        metadata: pick((m) => meta(m.cronJob)),
        spec: pick((m) => m.cronJob.spec as k8s.types.input.batch.v1.CronJobSpec),
      },
      {
        ...parent,
        dependsOn: [this.roleBinding, this.lease, ...(this.script ? [this.script] : [])],
      },
    );
    this.resolved = spec;
    this.cronJobName = pulumi.output(lift(spec, (s) => s.name));
    this.registerOutputs({ cronJobName: this.cronJobName });
  }
}
