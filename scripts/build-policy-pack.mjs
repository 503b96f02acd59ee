// The policy pack as the package ships it, beside its compiled entry (tsc writes dist/policy-pack/index.js):
// PulumiPolicy.yaml, and a package.json whose main is the compiled file. policy-pack/ itself runs rotor's
// TypeScript sources, compiled on load with ../tsconfig.json, which a checkout has and an installed package does
// not: a consumer runs `pulumi preview --policy-pack node_modules/rotor/dist/policy-pack` (see the README).
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const out = join(root, "dist", "policy-pack");
copyFileSync(join(root, "policy-pack", "PulumiPolicy.yaml"), join(out, "PulumiPolicy.yaml"));
const pkg = JSON.parse(readFileSync(join(root, "policy-pack", "package.json"), "utf8"));
writeFileSync(join(out, "package.json"), `${JSON.stringify({ ...pkg, main: "index.js" }, null, 2)}\n`);
