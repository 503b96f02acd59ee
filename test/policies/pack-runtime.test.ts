import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { KubeObject } from "../../policies/model";
import { fromPulumi, grpcCall, startPlugin } from "../helpers/grpc-plugin";
import { hangGuard } from "../helpers/hang-guard";
import { objects } from "./helpers";
import { resourceFor } from "./pulumi-args";

/**
 * Starts policy-pack/ the way `pulumi preview --policy-pack policy-pack` does (the CLI's `pulumi-analyzer-policy`
 * shim resolves `@pulumi/pulumi/cmd/run-policy-pack` from the pack directory and runs it there with the engine
 * address and "."), then talks to it over gRPC like the engine: GetAnalyzerInfo, Analyze and AnalyzeStack.
 * Only the Pulumi CLI itself is missing.
 */

const packDir = join(__dirname, "..", "..", "policy-pack");
// The generated gRPC and protobuf modules are untyped JavaScript.
/* eslint-disable @typescript-eslint/no-unsafe-return */
const grpc: any = fromPulumi("@grpc/grpc-js");
const analyzerGrpc: any = fromPulumi("./proto/analyzer_grpc_pb.js");
const analyzerPb: any = fromPulumi("./proto/analyzer_pb.js");
const { Struct }: any = fromPulumi("google-protobuf/google/protobuf/struct_pb.js");
const { Empty }: any = fromPulumi("google-protobuf/google/protobuf/empty_pb.js");

let pack: ChildProcess;
let client: any;

function call<T>(method: string, request: unknown): Promise<T> {
  return grpcCall<T>(client, method, request);
}

function options(): unknown {
  return new analyzerPb.AnalyzerResourceOptions();
}

interface Diagnostic {
  readonly policy: string;
  readonly level: number;
  readonly message: string;
  readonly urn: string;
}

function diagnostics(response: any): Diagnostic[] {
  return response.getDiagnosticsList().map((d: any) => ({
    policy: d.getPolicyname(),
    level: d.getEnforcementlevel(),
    message: d.getMessage(),
    urn: d.getUrn(),
  }));
}

async function analyze(object: KubeObject): Promise<Diagnostic[]> {
  const resource = resourceFor(object);
  const request = new analyzerPb.AnalyzeRequest();
  request.setType(resource.type);
  request.setUrn(resource.urn);
  request.setName(resource.name);
  request.setProperties(Struct.fromJavaScript(resource.props));
  request.setOptions(options());
  return diagnostics(await call("analyze", request));
}

async function analyzeStack(all: readonly KubeObject[]): Promise<Diagnostic[]> {
  const request = new analyzerPb.AnalyzeStackRequest();
  request.setResourcesList(
    all.map(resourceFor).map((r) => {
      const resource = new analyzerPb.AnalyzerResource();
      resource.setType(r.type);
      resource.setUrn(r.urn);
      resource.setName(r.name);
      resource.setProperties(Struct.fromJavaScript(r.props));
      resource.setOptions(options());
      return resource;
    }),
  );
  return diagnostics(await call("analyzeStack", request));
}

const runner = fromPulumi.resolve("@pulumi/pulumi/cmd/run-policy-pack");

before(async () => {
  let port: number;
  ({ process: pack, port } = await startPlugin([runner, "127.0.0.1:0", "."], packDir, "the policy pack"));
  client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

after(() => {
  client?.close();
  pack?.kill();
});

// EnforcementLevel in the analyzer protocol: ADVISORY = 0, MANDATORY = 1.
const MANDATORY = 1;

describe("policy pack under the policy runtime (gRPC, as the Pulumi engine calls it)", () => {
  test("announces the pack, every rule as a policy, and the config schemas", async () => {
    const info: any = await call("getAnalyzerInfo", new Empty());
    assert.equal(info.getName(), "rotor");
    assert.equal(info.getVersion(), "0.1.0");
    const policies = info.getPoliciesList();
    assert.equal(policies.length, 14);
    const minReplicas = policies.find((p: any) => p.getName() === "deployment-min-replicas");
    assert.equal(minReplicas.getEnforcementlevel(), MANDATORY);
    assert.deepEqual(minReplicas.getConfigschema().getProperties().toJavaScript().minReplicas, {
      type: "integer",
      minimum: 1,
      default: 2,
      description: "The fewest replicas a Deployment may run.",
    });
  });

  test("Analyze: a one-replica Deployment violates deployment-min-replicas", async () => {
    const one = objects("replicas").find((o) => (o.metadata as { name: string }).name === "one")!;
    const found = (await analyze(one)).filter((d) => d.policy === "deployment-min-replicas");
    assert.deepEqual(found, [
      {
        policy: "deployment-min-replicas",
        level: MANDATORY,
        message:
          "Deployments run at least 2 replicas (configurable).\nDeployment replicas/one: spec.replicas is 1; at least 2 are needed so that one pod can be replaced while the others serve. Fix: Set spec.replicas to 2 or more.",
        urn: "",
      },
    ]);
  });

  test("Analyze and AnalyzeStack: the reference set has no violations", async () => {
    const reference = objects("reference");
    for (const object of reference)
      assert.deepEqual(await analyze(object), [], JSON.stringify(object.metadata));
    assert.deepEqual(await analyzeStack(reference), []);
  });

  test("AnalyzeStack: a budget in another namespace is reported against the Deployment's URN", async () => {
    const found = (await analyzeStack(objects("pdb-coverage"))).filter(
      (d) => d.policy === "deployment-has-pdb",
    );
    assert.deepEqual(
      found.map((d) => d.urn),
      [
        "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::missing-app",
        "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::elsewhere-lonely",
        "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::double-app",
        "urn:pulumi:dev::rotor::kubernetes:apps/v1:Deployment::empty-budget-app",
      ],
    );
    assert.match(
      found[1].message,
      /PodDisruptionBudget other\/lonely matches its labels, but a budget only covers pods in its own namespace\./,
    );
  });
});

/** Runs `program` under the policy runtime from `cwd`, as the engine would run a pack there; its exit code and stderr. */
function runUnderPolicyRuntime(
  cwd: string,
  program: string,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [runner, "127.0.0.1:0", program], {
    cwd,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return hangGuard(
    new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr }))),
    `the policy runtime to compile ${program}`,
    () => stderr,
  );
}

describe("policy pack under the engine's TypeScript compiler", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotor-pack-strict-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // An unused local (noUnusedLocals) and an implicit any (strict): both pass a compiler without the project's options.
  const probe = join(dir, "probe.ts");
  writeFileSync(probe, "const unused = 1;\nexport function f(x) {\n  return x;\n}\n");

  test("compiles with the project's strict options from policy-pack/tsconfig.json", async () => {
    const { code, stderr } = await runUnderPolicyRuntime(packDir, probe);
    assert.notEqual(code, 0, stderr);
    const errors = stderr.match(/error TS\d+: .*/g) ?? [];
    assert.deepEqual(errors, [
      "error TS6133: 'unused' is declared but its value is never read.",
      "error TS7006: Parameter 'x' implicitly has an 'any' type.",
    ]);
  });

  test("without a tsconfig.json the same program compiles, so the pack's file is what makes it strict", async () => {
    const { code, stderr } = await runUnderPolicyRuntime(dir, probe);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, "");
  });
});
