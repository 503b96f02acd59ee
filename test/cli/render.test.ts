import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { parseAllDocuments } from "yaml";
import { runDemo } from "../../cli/demo";
import { runRender } from "../../cli/render";
import { captureIo } from "../helpers/capture-io";

/** Runs the real CLI in its own process, as a user would. */
function rotor(...args: string[]) {
  return spawnSync(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], { encoding: "utf8" });
}

describe("rotor render", () => {
  it("writes the environment and says how much", () => {
    const out = join(mkdtempSync(join(tmpdir(), "rotor-cli-")), "dev");
    const io = captureIo();
    assert.equal(runRender({ env: "dev", catalogDir: "environments", out }, io), 0);
    assert.equal(io.out(), `rendered 26 objects for 3 apps of dev into ${out}\n`);
    assert.equal(io.err(), "");
    // In the order `kubectl apply -f` reads them (by name): the Namespace, the script, then the apps.
    assert.deepEqual(readdirSync(out).sort(), [
      ".rotor-render",
      "00-namespaces.yaml",
      "01-recycler-shop-dev.yaml",
      "Kustomization",
      "app-catalog-api.yaml",
      "app-order-worker.yaml",
      "app-storefront.yaml",
    ]);
  });

  it("prints one YAML stream with --stdout", () => {
    const io = captureIo();
    assert.equal(runRender({ env: "staging", catalogDir: "environments", stdout: true }, io), 0);
    const docs = parseAllDocuments(io.out()) as { toJS(): { kind: string } }[];
    assert.equal(docs.length, 26);
    assert.equal(docs.filter((d) => d.toJS().kind === "CronJob").length, 3);
  });

  it("exits 2 with the catalog's problems and writes nothing when the catalog is invalid", () => {
    const parent = mkdtempSync(join(tmpdir(), "rotor-cli-"));
    const io = captureIo();
    const code = runRender(
      { env: "impossible", catalogDir: "test/fixtures/catalog", out: join(parent, "out") },
      io,
    );
    assert.equal(code, 2);
    assert.equal(
      io.err(),
      "rotor: catalog test/fixtures/catalog/impossible.yaml has 1 problem:\n  test/fixtures/catalog/impossible.yaml:11:7: apps.web.disruptionBudget.minAvailable (3) allows no voluntary disruption with 3 replicas: every eviction is refused, so rotation and node drains block forever. Use at most 2, or maxUnavailable: 1.\n",
    );
    assert.deepEqual(readdirSync(parent), []);
  });

  it("renders the same bytes in a fresh process as in this one", () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-cli-"));
    const run = rotor("render", "--env", "prod", "--out", dir);
    assert.equal(run.status, 0, run.stderr);
    const io = captureIo();
    runRender({ env: "prod", catalogDir: "environments", stdout: true }, io);
    const files = [
      "00-namespaces.yaml",
      "01-recycler-shop-prod.yaml",
      "app-catalog-api.yaml",
      "app-order-worker.yaml",
      "app-storefront.yaml",
    ];
    const header =
      "# Rendered by rotor from environments/base.yaml, environments/prod.yaml. Do not edit: change the catalog and render again.\n";
    assert.equal(
      files.map((f) => readFileSync(join(dir, f), "utf8").slice(header.length)).join(""),
      io.out().split(header).join(""),
    );
  });

  it("refuses unknown flags and a missing --env with exit code 2", () => {
    const unknown = rotor("render", "--env", "dev", "--colour");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /error: unknown option '--colour'/);
    const missing = rotor("render");
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /error: required option '--env <name>' not specified/);
  });
});

describe("rotor render --check", () => {
  const rendered = (out: string) => {
    assert.equal(runRender({ env: "dev", catalogDir: "environments", out }, captureIo()), 0);
    return Object.fromEntries(readdirSync(out).map((f) => [f, readFileSync(join(out, f), "utf8")]));
  };

  it("exits 0 and writes nothing when the committed render is identical", () => {
    const out = join(mkdtempSync(join(tmpdir(), "rotor-check-")), "dev");
    const before = rendered(out);
    const io = captureIo();
    assert.equal(runRender({ env: "dev", catalogDir: "environments", out, check: true }, io), 0);
    assert.equal(io.out(), `${out} is up to date with the catalog (7 files)\n`);
    assert.equal(io.err(), "");
    assert.deepEqual(rendered(out), before);
  });

  it("exits 1 with a unified diff of each changed line, and writes nothing", () => {
    const out = join(mkdtempSync(join(tmpdir(), "rotor-check-")), "dev");
    const files = rendered(out);
    const storefront = files["app-storefront.yaml"] ?? "";
    const edited = storefront.replace(
      "image: ghcr.io/acme/storefront:2.15.0-rc.1",
      "image: ghcr.io/acme/storefront:2.14.0",
    );
    assert.notEqual(edited, storefront);
    writeFileSync(join(out, "app-storefront.yaml"), edited);
    writeFileSync(join(out, "app-gone.yaml"), "kind: Gone\n");
    writeFileSync(join(out, ".rotor-render"), files[".rotor-render"] + "app-gone.yaml\n");
    const io = captureIo();
    assert.equal(runRender({ env: "dev", catalogDir: "environments", out, check: true }, io), 1);
    assert.equal(
      io.out(),
      [
        "--- a/app-storefront.yaml",
        "+++ b/app-storefront.yaml",
        "@@ -64,7 +64,7 @@",
        "             - pod-template-hash",
        "       containers:",
        "         - name: storefront",
        "-          image: ghcr.io/acme/storefront:2.14.0",
        "+          image: ghcr.io/acme/storefront:2.15.0-rc.1",
        "           ports:",
        "             - name: http",
        "               containerPort: 8080",
        "--- a/.rotor-render",
        "+++ b/.rotor-render",
        "@@ -4,4 +4,3 @@",
        " app-order-worker.yaml",
        " app-storefront.yaml",
        " Kustomization",
        "-app-gone.yaml",
        "--- a/app-gone.yaml",
        "+++ /dev/null",
        "@@ -1,1 +0,0 @@",
        "-kind: Gone",
        "",
      ].join("\n"),
    );
    assert.equal(
      io.err(),
      `rotor: ${out} is out of date: 3 files differ from a fresh render (app-storefront.yaml, .rotor-render, app-gone.yaml). Run \`rotor render --env dev --out ${out}\` and commit the result.\n`,
    );
    assert.equal(readFileSync(join(out, "app-storefront.yaml"), "utf8"), edited);
    assert.ok(readdirSync(out).includes("app-gone.yaml"));
  });

  it("counts every file as new when --out does not exist, and creates nothing", () => {
    const parent = mkdtempSync(join(tmpdir(), "rotor-check-"));
    const io = captureIo();
    const code = runRender(
      { env: "dev", catalogDir: "environments", out: join(parent, "dev"), check: true },
      io,
    );
    assert.equal(code, 1);
    assert.match(io.out(), /^--- \/dev\/null\n\+\+\+ b\/00-namespaces\.yaml\n@@ -0,0 \+1,11 @@\n/);
    assert.match(
      io.err(),
      /is out of date: 7 files differ from a fresh render \(00-namespaces\.yaml, 01-recycler-shop-dev\.yaml, app-catalog-api\.yaml, app-order-worker\.yaml, app-storefront\.yaml, Kustomization, \.rotor-render\)/,
    );
    assert.deepEqual(readdirSync(parent), []);
  });

  it("shortens the recycler script's long line in the diff", () => {
    const out = join(mkdtempSync(join(tmpdir(), "rotor-check-")), "dev");
    const files = rendered(out);
    const script = files["01-recycler-shop-dev.yaml"] ?? "";
    writeFileSync(
      join(out, "01-recycler-shop-dev.yaml"),
      script.replace('"use strict";var', '"use strict";let'),
    );
    const io = captureIo();
    assert.equal(runRender({ env: "dev", catalogDir: "environments", out, check: true }, io), 1);
    const changed = io
      .out()
      .split("\n")
      .filter((l) => /^[-+] /.test(l));
    assert.equal(changed.length, 2);
    for (const l of changed)
      assert.match(l, /^[-+] {4}"use strict";(var|let).{179}\.\.\. \(\d+ more characters\)$/);
  });

  it("refuses --check with --stdout, and runs as a flag of the real CLI", () => {
    const io = captureIo();
    assert.equal(runRender({ env: "dev", catalogDir: "environments", stdout: true, check: true }, io), 2);
    assert.equal(
      io.err(),
      "rotor: --check compares a directory with a fresh render, so it cannot go with --stdout. Drop one of them.\n",
    );
    const out = join(mkdtempSync(join(tmpdir(), "rotor-check-")), "dev");
    rendered(out);
    const run = rotor("render", "--env", "dev", "--out", out, "--check");
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout, `${out} is up to date with the catalog (7 files)\n`);
  });
});

describe("rotor demo (npm start)", () => {
  it("renders the default environment and summarises each app in words", () => {
    const out = join(mkdtempSync(join(tmpdir(), "rotor-demo-")), "dev");
    const io = captureIo();
    assert.equal(
      runDemo({ env: "dev", catalogDir: "environments", out }, io, () => Date.parse("2024-03-28T09:30:20Z")),
      0,
    );
    const lines = io.out().split("\n");
    assert.equal(lines[0], "rotor: environment dev (environments/base.yaml + environments/dev.yaml)");
    assert.equal(lines[1], `rendered 26 objects for 3 apps into ${out}/ (Kustomization lists the files)`);
    const storefront = lines.indexOf(
      "storefront (namespace shop-dev, image ghcr.io/acme/storefront:2.15.0-rc.1)",
    );
    assert.ok(storefront > 0);
    assert.deepEqual(lines.slice(storefront + 1, storefront + 6), [
      "  replicas           2; updates add 1 new pod before removing any",
      "  disruption budget  at most 1 of 2 pods down at a time; unready pods can always be replaced",
      "  rotation           every 10 minutes (Etc/UTC); 1 eviction per run",
      "  max pod age        6 hours plus up to 36 minutes of per-pod jitter",
      // 6h + 36m jitter + 20m for the 2 runs that rotate 2 pods one at a time + a 5m late start.
      "  max pod lifetime   7 hours 1 minute (over a year, DST included: age, jitter, the longest wait for 2 usable runs and a late start)",
    ]);
    const plan = lines.indexOf(
      "plan for the next 7 days from 2024-03-28T09:30:00Z (rotor plan --env dev for runs, windows and DST):",
    );
    assert.deepEqual(lines.slice(plan + 1, plan + 5), [
      "  APP           STATUS    BOUND  CEILING 7d  NEXT RUN (UTC)        DST CHANGES",
      "  catalog-api   rotating  7h1m   ok          2024-03-28T09:30:00Z  -",
      "  order-worker  rotating  7h1m   ok          2024-03-28T09:30:00Z  -",
      "  storefront    rotating  7h1m   ok          2024-03-28T09:30:00Z  -",
    ]);
  });

  it("describes budgets given as minAvailable and rotation windows", () => {
    const io = captureIo();
    runDemo(
      { env: "prod", catalogDir: "environments", out: join(mkdtempSync(join(tmpdir(), "rotor-demo-")), "p") },
      io,
    );
    const lines = io.out().split("\n");
    const api = lines.indexOf("catalog-api (namespace shop-prod, image ghcr.io/acme/catalog-api:1.31.2)");
    assert.deepEqual(lines.slice(api + 2, api + 4), [
      "  disruption budget  at least 3 of 4 pods up (1 down at a time); unready pods can always be replaced",
      "  rotation           every 20 minutes, Monday through Thursday (America/New_York), only Mon-Thu 09:00-16:00; 2 evictions per run",
    ]);
  });
});
