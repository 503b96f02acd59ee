// The plugin as the engine starts it (`pulumi-resource-rotor <engine address>` prints its port, then serves gRPC):
// the version and schema it announces, and its answers to requests it cannot serve. Construct needs the engine's
// resource monitor; test/provider/provider.test.ts drives it under mocks and e2e/tests/pulumi-yaml.test.ts under
// the real engine.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { packageSchema } from "../../provider/schema";
import { fromPulumi, grpcCall, startPlugin } from "../helpers/grpc-plugin";

const root = join(__dirname, "..", "..");
// The generated gRPC and protobuf modules are untyped JavaScript.
const grpc: any = fromPulumi("@grpc/grpc-js");
const providerGrpc: any = fromPulumi("./proto/provider_grpc_pb.js");
const providerPb: any = fromPulumi("./proto/provider_pb.js");
const { Struct }: any = fromPulumi("google-protobuf/google/protobuf/struct_pb.js");
const { Empty }: any = fromPulumi("google-protobuf/google/protobuf/empty_pb.js");

const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
let plugin: ChildProcess;
let client: any;

function call<T>(method: string, request: unknown): Promise<T> {
  return grpcCall<T>(client, method, request);
}

function schemaRequest(v: number): unknown {
  const request = new providerPb.GetSchemaRequest();
  request.setVersion(v);
  return request;
}

before(async () => {
  // provider/main.ts from the source tree, as bin/pulumi-resource-rotor.js runs its compiled copy.
  const args = [
    "--import",
    "tsx",
    "--eval",
    'require("./provider/main").main(process.argv.slice(1))',
    "127.0.0.1:1",
  ];
  let port: number;
  ({ process: plugin, port } = await startPlugin(args, root, "the plugin"));
  client = new providerGrpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

after(() => {
  client?.close();
  plugin?.kill();
});

describe("pulumi-resource-rotor over gRPC, as the engine calls it", () => {
  it("announces rotor's package.json version", async () => {
    const info: any = await call("getPluginInfo", new Empty());
    assert.equal(info.getVersion(), version);
  });

  it("serves the package schema generated from the zod schemas", async () => {
    const response: any = await call("getSchema", schemaRequest(0));
    assert.deepEqual(JSON.parse(response.getSchema() as string), packageSchema(version));
  });

  it("refuses a schema version it does not have", async () => {
    await assert.rejects(call("getSchema", schemaRequest(1)), { details: "unsupported schema version 1" });
  });

  it("refuses a function: rotor's package has none", async () => {
    const request = new providerPb.InvokeRequest();
    request.setTok("rotor:index:getApp");
    request.setArgs(Struct.fromJavaScript({}));
    await assert.rejects(call("invoke", request), { details: "unknown function rotor:index:getApp" });
  });
});
