import * as pulumi from "@pulumi/pulumi";
import { rotorVersion } from "../cli/version";
import { resolveApp } from "../components/app-spec";
import { containsEventual, problemsMessage, withoutUndefined } from "../components/inputs";
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

  construct(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): Promise<pulumi.provider.ConstructResult> {
    // async only in its result: the components throw synchronously for plain invalid args.
    try {
      return Promise.resolve(this.constructNow(name, type, inputs, options));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private constructNow(
    name: string,
    type: string,
    inputs: pulumi.Inputs,
    options: pulumi.ComponentResourceOptions,
  ): pulumi.provider.ConstructResult {
    switch (type) {
      case token("RotatingApp"): {
        // The script ConfigMap is wiring between components, not a field of the app: PodRecycler checks it.
        const app = Object.fromEntries(
          Object.entries(inputs).filter(([k]) => k !== "recyclerScriptConfigMap"),
        );
        plainInputs("RotatingApp", name, inputs, ["rotation", "autoscaling"]);
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
        precheck("PodRecycler", name, inputs, (plain) => resolveRecycler(name, plain));
        const component = new PodRecycler(name, inputs as PodRecyclerArgs, options);
        return { urn: component.urn, state: { cronJobName: component.cronJobName } };
      }
      case token("RecyclerScript"): {
        precheck("RecyclerScript", name, inputs, resolveRecyclerScript);
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
 * Validates plain inputs before the component registers anything, so an invalid input fails `pulumi preview` with
 * the component's own message and leaves neither the component nor a child in the stack. Inputs that hold
 * outputs of other resources are validated by the component once they resolve, as in a Node.js program.
 */
function precheck(
  kind: string,
  name: string,
  inputs: pulumi.Inputs,
  resolve: (plain: unknown) => { problems: readonly Problem[] },
): void {
  if (containsEventual(inputs)) return;
  const { problems } = resolve(withoutUndefined(inputs));
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
