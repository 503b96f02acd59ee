// The entry point of `pulumi-resource-rotor`: the engine starts it with its address as the argument, reads the
// port it prints, and talks to the provider over gRPC (@pulumi/pulumi's provider server).
import * as pulumi from "@pulumi/pulumi";
import { RotorProvider } from "./provider";

export function main(args: readonly string[]): Promise<void> {
  return pulumi.provider.main(new RotorProvider(), [...args]);
}
