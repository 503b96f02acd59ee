import * as pulumi from "@pulumi/pulumi";
import { rotorVersion } from "../cli/version";
import { resolveApp } from "../components/app-spec";
import { problemsMessage, withoutUndefined } from "../components/inputs";
import { PodRecycler, resolveRecycler, type PodRecyclerArgs } from "../components/pod-recycler";
import type { Problem } from "../components/problems";
import {
  RecyclerScript,
  resolveRecyclerScript,
  type RecyclerScriptArgs,
} from "../components/recycler-script";
import { RotatingApp, type RotatingAppArgs } from "../components/rotating-app";
import { packageSchema, RESOURCE_TOKENS, token } from "./schema";

/**
 * rotor's component provider: what `pulumi-resource-rotor` serves to the Pulumi engine, so programs in every
 * Pulumi language (YAML, Python, Go, C#, Java) can declare rotor's components. `construct` creates the same
 * TypeScript components a Node.js program does, in this process, with the options the program gave (its
 * Kubernetes provider among them), and answers with the component's URN and registered outputs.
 */
export class RotorProvider implements pulumi.provider.Provider {
  readonly version: string;
  readonly schema: string;

  constructor(version = rotorVersion()) {
    this.version = version;
    this.schema = JSON.stringify(packageSchema(version));
  }

  async construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<pulumi.provider.ConstructResult> {
    return this.constructNow(name, type, inputs, await knownValue(inputs), options);
  }

  private constructNow(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    known: Record<string, unknown> | undefined,
    options: pulumi.ComponentResourceOptions,
  ): pulumi.provider.ConstructResult {
    switch (type) {
      case token("RotatingApp"): {
        // The script ConfigMap is wiring between components, not a field of the app: PodRecycler checks it.
        plainInputs("RotatingApp", name, inputs, ["rotation", "autoscaling"]);
        const app =
          known && Object.fromEntries(Object.entries(known).filter(([k]) => k !== "recyclerScriptConfigMap"));
        precheck("RotatingApp", name, app, (plain) => resolveApp(name, plain));
        const component = new RotatingApp(name, inputs as RotatingAppArgs, options);
        return {
          urn: component.urn,
          state: {
            namespace: component.namespace,
            serviceHost: component.serviceHost,
            podSelector: component.podSelector,
          },
        };
      }
      case token("PodRecycler"): {
        precheck("PodRecycler", name, known, (plain) => resolveRecycler(name, plain));
        const component = new PodRecycler(name, inputs as PodRecyclerArgs, options);
        return { urn: component.urn, state: { cronJobName: component.cronJobName } };
      }
      case token("RecyclerScript"): {
        precheck("RecyclerScript", name, known, resolveRecyclerScript);
        const component = new RecyclerScript(name, inputs as RecyclerScriptArgs, options);
        return { urn: component.urn, state: { configMapName: component.configMapName } };
      }
      default:
        throw new Error(
          `rotor ${this.version} has no resource type ${JSON.stringify(type)}: it serves ${RESOURCE_TOKENS.join(", ")}. Check the type token in your program (and that it asks for this version of rotor).`,
        );
    }
  }
}

/**
 * The inputs' values, or undefined while some are unknown (a preview, before a resource they refer to exists).
 * The engine hands inputs that refer to other resources over as Outputs; at `pulumi up` their values are known.
 */
async function knownValue(inputs: pulumi.Inputs): Promise<Record<string, unknown> | undefined> {
  // isKnown and promise are the Output's own, internal to @pulumi/pulumi: public apply never runs on an unknown.
  const all = pulumi.output(inputs) as unknown as { isKnown: Promise<boolean>; promise(): Promise<unknown> };
  const [isKnown, value] = await Promise.all([all.isKnown, all.promise()]);
  return isKnown ? (value as Record<string, unknown>) : undefined;
}

/**
 * Validates the inputs' values before the component registers anything, so an invalid input fails the construct
 * (`pulumi preview`, `pulumi up`) with the component's own message and leaves neither the component nor a child in
 * the stack. While some are unknown, the component validates them once they resolve, as in a Node.js program.
 */
function precheck(
  kind: string,
  name: string,
  known: Record<string, unknown> | undefined,
  resolve: (plain: unknown) => { problems: readonly Problem[] },
): void {
  if (known === undefined) return;
  const { problems } = resolve(withoutUndefined(known));
  if (problems.length > 0) throw new Error(problemsMessage(kind, name, problems));
}

/**
 * The inputs the package schema marks plain: they decide which resources exist, so an output of another resource
 * (which the engine hands over as an Output) cannot be waited for. One error naming them, with the fix.
 */
function plainInputs(kind: string, name: string, inputs: pulumi.Inputs, keys: readonly string[]): void {
  const problems: Problem[] = keys
    .filter((k) => pulumi.Output.isInstance(inputs[k]))
    .map((k) => ({
      path: [k],
      message: `is an output of another resource (or a secret), but it must be a plain value: it decides which resources ${kind} creates. Write its fields as values in the program.`,
    }));
  if (problems.length > 0) throw new Error(problemsMessage(kind, name, problems));
}
