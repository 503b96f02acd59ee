import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  DNS_LABEL,
  DNS_LABEL_MAX,
  DNS_SUBDOMAIN_MAX,
  recyclerScriptName,
  SHARED_SCRIPT_PREFIX,
} from "../contract/names";
import { recyclerBundle } from "../recycler/bundle";
import { lift, problemsMessage, resolveSpec } from "./inputs";
import type { Problem } from "./problems";
import { buildRecyclerScript } from "./recycler-manifests";
import { zodProblems } from "./zod-problems";

/** Arguments of {@link RecyclerScript}. */
export interface RecyclerScriptArgs {
  /** Namespace of the ConfigMap: the namespace of the recyclers that mount it. */
  readonly namespace: pulumi.Input<string>;
  /** The ConfigMap is named `<namePrefix>-<first 8 hex digits of the script's sha256>`. @default "rotor-recycler" */
  readonly namePrefix?: pulumi.Input<string>;
}

/** The shape of RecyclerScript's args; rotor's Pulumi package schema (provider/schema.ts) is generated from it. */
export const scriptSchema = z.strictObject({
  namespace: z
    .string()
    .regex(DNS_LABEL)
    .max(DNS_LABEL_MAX)
    .meta({ description: "Namespace of the ConfigMap: the namespace of the recyclers that mount it." }),
  // A DNS subdomain once "-<8 hex digits>" is appended.
  namePrefix: z
    .string()
    .regex(DNS_LABEL)
    .max(DNS_SUBDOMAIN_MAX - 9)
    .optional()
    .meta({
      description:
        "The ConfigMap is named <namePrefix>-<first 8 hex digits of the script's sha256>. Default: rotor-recycler.",
    }),
});

/** Validates RecyclerScript args; the ConfigMap's namespace and name. */
export function resolveRecyclerScript(input: unknown): {
  spec?: { namespace: string; name: string };
  problems: Problem[];
} {
  const parsed = scriptSchema.safeParse(input);
  if (!parsed.success) return { problems: zodProblems(scriptSchema, input, parsed.error.issues) };
  const prefix = parsed.data.namePrefix ?? SHARED_SCRIPT_PREFIX;
  return {
    problems: [],
    spec: { namespace: parsed.data.namespace, name: recyclerScriptName(recyclerBundle(), prefix) },
  };
}

/**
 * The recycler script in one ConfigMap per namespace, mounted by every PodRecycler there (pass `configMapName` as
 * their `scriptConfigMap`), so a rotor upgrade changes one ConfigMap instead of one per app. The name carries the
 * script's hash: an upgrade creates a new ConfigMap, the CronJobs switch to it, and the old one is deleted.
 */
export class RecyclerScript extends pulumi.ComponentResource {
  /** Name of the ConfigMap: `<namePrefix>-<hash>`. */
  public readonly configMapName: pulumi.Output<string>;
  public readonly configMap: k8s.core.v1.ConfigMap;

  constructor(name: string, args: RecyclerScriptArgs, opts?: pulumi.ComponentResourceOptions) {
    // Args stay out of super(): registering Output-valued component inputs leaks promises (pulumi/pulumi#23953).
    super("rotor:index:RecyclerScript", name, {}, opts);
    const spec = resolveSpec(
      args,
      resolveRecyclerScript,
      (problems) => new pulumi.ResourceError(problemsMessage("RecyclerScript", name, problems), this),
    );
    const configMap = lift(spec, (s) => buildRecyclerScript(s.namespace, s.name, recyclerBundle()));
    this.configMap = new k8s.core.v1.ConfigMap(
      `${name}-configmap`,
      {
        metadata: lift(configMap, (c) => c.metadata as k8s.types.input.meta.v1.ObjectMeta),
        immutable: true,
        data: lift(configMap, (c) => c.data as Record<string, string>),
      },
      { parent: this, ...(opts?.dependsOn ? { dependsOn: opts.dependsOn } : {}) },
    );
    this.configMapName = pulumi.output(lift(spec, (s) => s.name));
    this.registerOutputs({ configMapName: this.configMapName });
  }
}
