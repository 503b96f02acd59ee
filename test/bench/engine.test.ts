import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { engineCatalog, engineSizes, nodesFor } from "../../bench/engine-catalog";
import { engineTable, ratio, type EngineRow } from "../../bench/engine-table";
import { selectSections } from "../../bench/select";
import { loadEnvironmentByName } from "../../catalog";
import type { Registration } from "../helpers/pulumi-mocks";

const root = join(__dirname, "..", "..");

const BASE_2 = `apiVersion: rotor.dev/v1alpha1
kind: Catalog
description: 2 generated apps for npm run bench.
defaults:
  replicas: 2
  minReadySeconds: 0
  resources:
    requests:
      cpu: 10m
      memory: 16Mi
    limits:
      memory: 32Mi
  readinessProbe:
    httpGet:
      path: /ready
      port: http
    periodSeconds: 5
  rotation:
    schedule: "*/15 * * * *"
    suspend: true
apps:
  app-0000:
    image: registry.example.com/team-0/app-0:1.0.0
    namespace: b2-team-00
    ports:
      - name: http
        containerPort: 8080
        servicePort: 80
      - name: metrics
        containerPort: 9090
    env:
      APP_INDEX: "0"
      LOG_LEVEL: info
    rotation:
      maxAge: 12h
  app-0001:
    image: registry.example.com/team-0/app-1:1.1.1
    namespace: b2-team-00
    ports:
      - name: http
        containerPort: 8080
        servicePort: 80
    env:
      APP_INDEX: "1"
      LOG_LEVEL: debug
    rotation:
      maxAge: 24h
`;

describe("the engine bench's generated catalog", () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  function written(apps: number, prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), "rotor-bench-catalog-"));
    dirs.push(dir);
    for (const [file, text] of Object.entries(engineCatalog(apps, prefix).files))
      writeFileSync(join(dir, file), text);
    return dir;
  }

  it("is a base.yaml of the apps and an environment file extending it, exactly, for 2 apps", () => {
    const c = engineCatalog(2, "b2");
    assert.deepEqual(c.files, {
      "base.yaml": BASE_2,
      "bench.yaml":
        "apiVersion: rotor.dev/v1alpha1\nkind: Catalog\nextends: base.yaml\ndescription: The bench environment.\nnamespace: b2-team-00\n",
    });
    assert.deepEqual(c.namespaces, ["b2-team-00"]);
    assert.equal(c.resources, 25);
    assert.equal(c.pods, 4);
  });

  it("puts 25 apps in a namespace: 26 apps are two teams, and 10, 100, 1,000 apps are 1, 4 and 40", () => {
    const c = engineCatalog(26, "b26");
    assert.deepEqual(c.namespaces, ["b26-team-00", "b26-team-01"]);
    assert.equal(c.resources, 2 + 3 * 2 + 10 * 26);
    const env = loadEnvironmentByName(written(26, "b26"), "bench");
    const byNamespace: Record<string, number> = {};
    for (const app of env.apps) byNamespace[app.spec.namespace] = (byNamespace[app.spec.namespace] ?? 0) + 1;
    assert.deepEqual(byNamespace, { "b26-team-00": 25, "b26-team-01": 1 });
    assert.deepEqual(
      [10, 100, 1000].map((n) => engineCatalog(n, "x").namespaces.length),
      [1, 4, 40],
    );
  });

  it("loads as a valid environment: replicas 2, small requests, no wait for minReadySeconds, recyclers suspended", () => {
    const env = loadEnvironmentByName(written(3, "b3"), "bench");
    assert.deepEqual(
      env.apps.map((a) => [
        a.name,
        a.spec.replicas,
        a.spec.minReadySeconds,
        a.spec.rotation.suspend,
        a.spec.rotation.maxAge,
      ]),
      [
        ["app-0000", 2, 0, true, "12h"],
        ["app-0001", 2, 0, true, "24h"],
        ["app-0002", 2, 0, true, "48h"],
      ],
    );
  });

  it("registers under the stack program as many resources as it says up creates, less the stack itself", () => {
    // stack-provider.ts runs rotorStack under mocks, which register no Stack resource (the engine's up creates one).
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        join(root, "test", "fixtures", "programs", "stack-provider.ts"),
        "bench",
        written(26, "b26"),
      ],
      { cwd: root, encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    const { registrations } = JSON.parse(run.stdout) as { registrations: Registration[] };
    assert.equal(registrations.length, engineCatalog(26, "b26").resources - 1);
    const namespaces = registrations
      .filter((r) => r.type === "kubernetes:core/v1:Namespace")
      .map((r) => r.name);
    assert.deepEqual(namespaces, ["namespace-b26-team-00", "namespace-b26-team-01"]);
  });

  it("measures 10, 100 and 1,000 apps unless ROTOR_BENCH_ENGINE_SIZES names others", () => {
    assert.deepEqual(engineSizes(undefined), [10, 100, 1000]);
    assert.deepEqual(engineSizes(" "), [10, 100, 1000]);
    assert.deepEqual(engineSizes("10, 100"), [10, 100]);
  });

  it("refuses a size that is not a whole number of apps, naming the variable, the value and the fix", () => {
    for (const given of ["10,", "0", "1e1x", "2.5"]) {
      assert.throws(() => engineSizes(given), {
        message: `ROTOR_BENCH_ENGINE_SIZES="${given}": every size must be a whole number of apps, at least 1; write e.g. ROTOR_BENCH_ENGINE_SIZES=10,100`,
      });
    }
  });

  it("asks for a fake node per 110 pods, and a spare one", () => {
    assert.deepEqual([nodesFor(20), nodesFor(110), nodesFor(111), nodesFor(2000)], [2, 2, 3, 20]);
  });
});

describe("the engine bench's table", () => {
  const rows: EngineRow[] = [
    { apps: 10, resources: 105, previewSeconds: 4.08, upSeconds: 23.93, mocksSeconds: 2.154 },
    { apps: 100, resources: 1014, previewSeconds: 12, upSeconds: 60, mocksSeconds: 3 },
    { apps: 1000, resources: 10122, previewSeconds: 150, upSeconds: 780, mocksSeconds: 30 },
  ];

  it("prints apps, resources, preview, up and mocks per size, the ratios, and the targets met or not", () => {
    assert.deepEqual(engineTable(rows), [
      " apps resources preview s      up s   mocks s",
      "   10       105       4.1      23.9      2.15",
      "  100      1014      12.0      60.0      3.00",
      " 1000     10122     150.0     780.0     30.00",
      "1,000/100           12.50     13.00     10.00",
      "ratio 1,000/100 of preview 12.50, of up 13.00 (target at most 12: NOT met)",
      "1,000-app preview in 150.0 s (target under 180 s: met)",
    ]);
  });

  it("meets the ratio target at exactly 12 and misses the preview target at exactly 180 s", () => {
    const lines = engineTable([
      { apps: 100, previewSeconds: 15, upSeconds: 10 },
      { apps: 1000, previewSeconds: 180, upSeconds: 120 },
    ]);
    assert.deepEqual(lines.slice(-2), [
      "ratio 1,000/100 of preview 12.00, of up 12.00 (target at most 12: met)",
      "1,000-app preview in 180.0 s (target under 180 s: NOT met)",
    ]);
  });

  it("shows a dash for what was not measured and says the targets were not measured, never met", () => {
    assert.deepEqual(
      engineTable([
        { apps: 10, mocksSeconds: 2 },
        { apps: 100, mocksSeconds: 3 },
      ]),
      [
        " apps resources preview s      up s   mocks s",
        "   10         —         —         —      2.00",
        "  100         —         —         —      3.00",
        "1,000/100               —         —         —",
        "ratio 1,000/100 of preview and up (target at most 12): not measured",
        "1,000-app preview (target under 180 s): not measured",
      ],
    );
  });

  it("has a ratio only when both the 1,000-app and the 100-app figures exist", () => {
    assert.equal(ratio(rows, "upSeconds"), 13);
    assert.equal(ratio(rows.slice(0, 2), "upSeconds"), undefined);
    assert.equal(ratio([{ apps: 100 }, { apps: 1000, upSeconds: 5 }], "upSeconds"), undefined);
  });
});

describe("npm run bench's sections", () => {
  const names = ["catalog", "construct", "engine"];

  it("runs every section when none is named", () => {
    assert.deepEqual(selectSections(names, [], undefined), names);
    assert.deepEqual(selectSections(names, [], ""), names);
  });

  it("runs those named on the command line, else in ROTOR_BENCH, in the bench's own order", () => {
    assert.deepEqual(selectSections(names, ["engine", "catalog"], "construct"), ["catalog", "engine"]);
    assert.deepEqual(selectSections(names, [], "engine, construct"), ["construct", "engine"]);
  });

  it("refuses an unknown section, saying where it came from and which sections there are", () => {
    assert.throws(() => selectSections(names, ["engin"], undefined), {
      message:
        'unknown bench section "engin": the sections are catalog, construct, engine; run e.g. `npm run bench -- engine` or `ROTOR_BENCH=engine npm run bench`',
    });
    assert.throws(() => selectSections(names, [], "engine,mocks"), {
      message:
        'unknown bench section "mocks" in ROTOR_BENCH: the sections are catalog, construct, engine; run e.g. `npm run bench -- engine` or `ROTOR_BENCH=engine npm run bench`',
    });
  });
});
