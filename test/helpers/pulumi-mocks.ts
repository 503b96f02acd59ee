import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";

/** One resource registration seen by the mock monitor, components included. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly custom: boolean;
  readonly provider?: string;
  /** URN of the parent resource. */
  readonly parent: string;
  /** Property paths the engine is told to ignore in diffs. */
  readonly ignoreChanges: readonly string[];
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getIgnorechangesList(): string[];
}

/**
 * Installs Pulumi's mock runtime for project "rotor" and records every registration. Call before importing the
 * stack program or constructing components. Config keys are namespaced, as in Pulumi.<stack>.yaml
 * (`rotor:environment`).
 */
export async function installMocks(
  options: { stack?: string; config?: Record<string, string>; record?: boolean } = {},
): Promise<Registration[]> {
  // record: false keeps only type and name (benchmarks: holding every input would measure this harness).
  const record = options.record ?? true;
  const registrations: Registration[] = [];
  const requests = new Map<string, RegisterRequest>();
  pulumi.runtime.setAllConfig(options.config ?? {});
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        if (!record) {
          registrations.push({
            type: args.type,
            name: args.name,
            inputs: {},
            custom: args.custom ?? true,
            parent: "",
            ignoreChanges: [],
          });
          return { id: `${args.name}-id`, state: {} };
        }
        const request = requests.get(`${args.type}::${args.name}`);
        registrations.push({
          parent: request?.getParent() ?? "",
          ignoreChanges: request?.getIgnorechangesList() ?? [],
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          custom: args.custom ?? true,
          ...(args.provider ? { provider: args.provider } : {}),
        });
        // Explicit metadata.name means no autonaming, so the created object's state is exactly its inputs.
        return { id: `${args.name}-id`, state: args.inputs as Record<string, unknown> };
      },
      call(args) {
        return args.inputs as Record<string, unknown>;
      },
    },
    "rotor",
    options.stack ?? "test",
    false,
  );
  if (!record) return registrations;
  // The mock monitor hands newResource only part of each request; keep the rest (parent, ignoreChanges).
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    registerResource(req: RegisterRequest, callback: unknown): unknown;
  };
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    requests.set(`${req.getType()}::${req.getName()}`, req);
    return register(req, callback);
  };
  return registrations;
}

/** Waits until every pending registration has reached the mock monitor. */
export async function settled(): Promise<void> {
  // waitForRPCs is internal to @pulumi/pulumi, but it is exactly "every registration issued so far is done".
  await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Resolves an Output in a test (rejects if the Output fails). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** The registrations of one Kubernetes kind, e.g. "kubernetes:apps/v1:Deployment". */
export function ofType(registrations: readonly Registration[], type: string): Registration[] {
  return registrations.filter((r) => r.type === type);
}
