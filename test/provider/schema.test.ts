import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { z } from "zod";
import { appSchema } from "../../components/app-schema";
import { recyclerSchema } from "../../components/pod-recycler";
import { scriptSchema } from "../../components/recycler-script";
import {
  COMPONENTS,
  packageSchema,
  rotatingAppInputSchema,
  type ComponentSchema,
} from "../../provider/schema";

const schema = packageSchema("0.1.0");
const app = schema.resources["rotor:index:RotatingApp"];
const recycler = schema.resources["rotor:index:PodRecycler"];
const script = schema.resources["rotor:index:RecyclerScript"];

describe("rotor's Pulumi package schema", () => {
  it("names the package rotor and serves three components at the version it is given", () => {
    assert.equal(schema.name, "rotor");
    assert.equal(schema.version, "0.1.0");
    assert.deepEqual(Object.keys(schema.resources), [
      "rotor:index:RotatingApp",
      "rotor:index:PodRecycler",
      "rotor:index:RecyclerScript",
    ]);
    for (const r of Object.values(schema.resources)) assert.equal(r.isComponent, true);
  });

  it("turns every string union of the zod schemas into an enum type, and nothing else", () => {
    const enums = Object.entries(schema.types).flatMap(([name, t]) =>
      "enum" in t ? [[name, t.enum.map((e) => e.value)]] : [],
    );
    assert.deepEqual(enums, [
      ["rotor:index:ContainerPortProtocol", ["TCP", "UDP", "SCTP"]],
      ["rotor:index:ProbeHttpGetScheme", ["HTTP", "HTTPS"]],
      ["rotor:index:RotationStrategy", ["evict", "restart"]],
      ["rotor:index:ServiceType", ["ClusterIP", "NodePort", "LoadBalancer"]],
      ["rotor:index:SpreadMode", ["ScheduleAnyway", "DoNotSchedule", "Off"]],
      ["rotor:index:UnhealthyPodEvictionPolicy", ["AlwaysAllow", "IfHealthyBudget"]],
    ]);
    assert.deepEqual(schema.types["rotor:index:ContainerPortProtocol"], {
      type: "string",
      enum: [{ value: "TCP" }, { value: "UDP" }, { value: "SCTP" }],
    });
    assert.deepEqual(app?.inputProperties.serviceType, {
      $ref: "#/types/rotor:index:ServiceType",
      description: "Default: ClusterIP.",
    });
    // PodRecycler's strategy is the same enum as RotatingApp's rotation.strategy, defined once.
    assert.deepEqual(recycler?.inputProperties.strategy, {
      $ref: "#/types/rotor:index:RotationStrategy",
      description: "evict one pod at a time (default) or roll the Deployment (kubectl rollout restart).",
    });
    assert.deepEqual(schema.types["rotor:index:TopologySpread"], {
      type: "object",
      properties: {
        nodes: { $ref: "#/types/rotor:index:SpreadMode" },
        zones: { $ref: "#/types/rotor:index:SpreadMode" },
      },
    });
  });

  it("makes a nested object a type of its own, with its required fields, ints kept integers", () => {
    assert.deepEqual(app?.requiredInputs, ["image", "ports"]);
    assert.deepEqual(app?.inputProperties.ports, {
      type: "array",
      items: { $ref: "#/types/rotor:index:ContainerPort" },
      description: "Container ports; the Service exposes each one.",
    });
    assert.deepEqual(schema.types["rotor:index:ContainerPort"], {
      type: "object",
      properties: {
        name: {
          type: "string",
          description: "IANA service name of the port (lowercase, at most 15 characters), e.g. http.",
        },
        containerPort: { type: "integer", description: "Port the container listens on." },
        servicePort: { type: "integer", description: "Port the Service exposes. Default: containerPort." },
        protocol: { $ref: "#/types/rotor:index:ContainerPortProtocol", description: "Default: TCP." },
      },
      required: ["name", "containerPort"],
    });
    assert.deepEqual(app?.inputProperties.env, {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Environment variables as NAME: value.",
    });
    assert.deepEqual(app?.inputProperties.replicas, {
      type: "integer",
      description: "Default: 2. Not with autoscaling, which owns the count.",
    });
  });

  it("writes a port number-or-name and a quantity as oneOf, keeping both members", () => {
    assert.deepEqual(schema.types["rotor:index:ProbeHttpGet"]?.type, "object");
    const httpGet = schema.types["rotor:index:ProbeHttpGet"] as { properties: Record<string, unknown> };
    assert.deepEqual(httpGet.properties.port, {
      oneOf: [{ type: "integer" }, { type: "string" }],
      description: "Container port number or name.",
    });
    assert.deepEqual(schema.types["rotor:index:ProbeTcpSocket"], {
      type: "object",
      properties: { port: { oneOf: [{ type: "integer" }, { type: "string" }] } },
      required: ["port"],
    });
    // requests and limits share one type; the zod schema reads `cpu: 1` as "1".
    assert.deepEqual(schema.types["rotor:index:ResourceList"], {
      type: "object",
      properties: {
        cpu: { oneOf: [{ type: "string" }, { type: "number" }] },
        memory: { oneOf: [{ type: "string" }, { type: "number" }] },
      },
    });
  });

  it("marks plain the inputs that decide which resources exist, as the TypeScript args do", () => {
    assert.deepEqual(app?.inputProperties.rotation, { $ref: "#/types/rotor:index:Rotation", plain: true });
    assert.equal(app?.inputProperties.autoscaling?.plain, true);
    const rotation = schema.types["rotor:index:Rotation"] as { properties: Record<string, unknown> };
    assert.deepEqual(rotation.properties.enabled, {
      type: "boolean",
      description: "Create the PodRecycler. Default: true.",
      plain: true,
    });
  });

  it("carries zod's descriptions, on the property and on a named type (Probe)", () => {
    assert.deepEqual(app?.inputProperties.readinessProbe, {
      $ref: "#/types/rotor:index:Probe",
      description: "Default: a TCP check on the first port.",
    });
    assert.equal(
      schema.types["rotor:index:Probe"]?.description,
      "A Kubernetes probe with exactly one handler (https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/).",
    );
  });

  it("declares each component's registered outputs as its required properties", () => {
    assert.deepEqual(app?.required, ["namespace", "serviceHost", "podSelector"]);
    assert.deepEqual(app?.properties.podSelector, {
      type: "object",
      additionalProperties: { type: "string" },
      description: "Labels that select the app's pods.",
    });
    assert.deepEqual(recycler?.required, ["cronJobName"]);
    assert.deepEqual(recycler?.requiredInputs, ["namespace", "deployment"]);
    assert.deepEqual(script?.required, ["configMapName"]);
    assert.deepEqual(script?.requiredInputs, ["namespace"]);
  });

  it("has exactly the zod schemas' fields as inputs: it cannot drift from them", () => {
    const keys = (s: z.ZodObject) => Object.keys(s.shape).sort();
    assert.deepEqual(Object.keys(app?.inputProperties ?? {}).sort(), keys(rotatingAppInputSchema));
    assert.deepEqual(keys(rotatingAppInputSchema), [...keys(appSchema), "recyclerScriptConfigMap"].sort());
    assert.deepEqual(Object.keys(recycler?.inputProperties ?? {}).sort(), keys(recyclerSchema));
    assert.deepEqual(Object.keys(script?.inputProperties ?? {}).sort(), keys(scriptSchema));
  });

  it("follows a change of the zod schema: a new field, a new enum", () => {
    const changed: ComponentSchema[] = COMPONENTS.map((c) =>
      c.name === "RotatingApp"
        ? {
            ...c,
            schema: rotatingAppInputSchema.extend({
              dnsPolicy: z.enum(["ClusterFirst", "Default"]).optional().meta({ description: "DNS." }),
            }),
          }
        : c,
    );
    const next = packageSchema("0.2.0", changed);
    assert.deepEqual(next.resources["rotor:index:RotatingApp"]?.inputProperties.dnsPolicy, {
      $ref: "#/types/rotor:index:DnsPolicy",
      description: "DNS.",
    });
    assert.deepEqual(next.types["rotor:index:DnsPolicy"], {
      type: "string",
      enum: [{ value: "ClusterFirst" }, { value: "Default" }],
    });
  });

  // Each schema Pulumi cannot express is refused with the path and the fix, never written half-right.
  const refused: [string, z.ZodType, string][] = [
    [
      "a tuple",
      z.strictObject({ pair: z.tuple([z.string(), z.number()]) }),
      "Pulumi schema: Bad.pair is an array without one type for its items (a tuple), which Pulumi schemas cannot express.",
    ],
    [
      "a value of any type",
      z.strictObject({ anything: z.unknown() }),
      "Pulumi schema: Bad.anything has a JSON Schema Pulumi schemas cannot express: {}.",
    ],
    [
      "a number enum",
      z.strictObject({ level: z.union([z.literal(1), z.literal(2)]) }),
      "Pulumi schema: Bad.level|0 is a literal or a non-string enum, which Pulumi schemas cannot express: use a z.enum of strings.",
    ],
    [
      "two different types of one name",
      // b.a derives the name BA, as bA does.
      z.strictObject({
        b: z.strictObject({ a: z.strictObject({ x: z.string() }) }),
        bA: z.strictObject({ x: z.number() }),
      }),
      "Pulumi schema: type rotor:index:BA (for Bad.bA) differs from an earlier type of that name; give it its own name in TYPE_NAMES.",
    ],
  ];
  for (const [what, bad, message] of refused) {
    it(`refuses ${what} with a message naming the field`, () => {
      assert.throws(() => packageSchema("0.1.0", [{ name: "Bad", schema: bad, description: "bad" }]), {
        message,
      });
    });
  }
});
