// The stack program: `pulumi up -s <env>` deploys environments/<env>.yaml, one RotatingApp per app. Its body is
// stack/program.ts, which the Automation API can also run as an inline program.
import * as pulumi from "@pulumi/pulumi";
import { resolve } from "node:path";
import { rotorStack } from "./stack/program";

/** The program Pulumi runs; what it returns becomes the stack's outputs. */
export = async () => {
  const config = new pulumi.Config();
  return rotorStack({
    environment: config.get("environment") ?? pulumi.getStack(),
    catalogDir: resolve(__dirname, config.get("catalogDir") ?? "environments"),
    stackTraces: config.getBoolean("stackTraces") ?? false,
  });
};
