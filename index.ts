// The stack program: `pulumi up -s <env>` deploys environments/<env>.yaml, one RotatingApp per app. Its body is
// stack/program.ts, which the Automation API can also run as an inline program.
import * as pulumi from "@pulumi/pulumi";
import { stackOptions } from "./stack/config";
import { rotorStack } from "./stack/program";

/** The program Pulumi runs; what it returns becomes the stack's outputs. A wrong config stops it before anything is declared. */
export = async () => rotorStack(stackOptions(pulumi.runtime.allConfig(), pulumi.getStack(), __dirname));
