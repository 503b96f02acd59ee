import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { Resvg } from "@resvg/resvg-js";
import { runPlan, type PlanOptions } from "../../cli/plan";
import { captureIo } from "../helpers/capture-io";

const NOW = () => Date.parse("2024-10-24T00:00:30Z");

function plan(options: Partial<PlanOptions>) {
  const io = captureIo();
  const code = runPlan(
    { env: "plan", catalogDir: "test/fixtures/catalog", format: "text", days: "7", runs: "2", ...options },
    io,
    NOW,
  );
  return { code, out: io.out(), err: io.err() };
}

function block(text: string, app: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`${app} (namespace`));
  const end = lines.indexOf("", start);
  return lines.slice(start, end);
}

describe("rotor plan --format text", () => {
  it("names a doubled fall-back run and the exact bound, aligned", () => {
    const { code, out } = plan({});
    assert.equal(code, 1, "an app over the ceiling makes the plan fail");
    assert.deepEqual(block(out, "nightly"), [
      "nightly (namespace plan-test, 2 replicas)",
      "  status           rotating",
      "  max age          1d, plus up to 2h24m of per-pod jitter",
      "  schedule         at 02:30 (Europe/Berlin); a run may start up to 5m late (startingDeadlineSeconds 300)",
      "  windows          none: every run may rotate",
      "  per run          2 evictions; 2 pods need 1 run",
      "  runs             8 scheduled in the horizon, 8 usable",
      "  next runs        Thu 2024-10-24 02:30 +02:00   2024-10-24T00:30:00Z",
      "                   Fri 2024-10-25 02:30 +02:00   2024-10-25T00:30:00Z",
      "  DST              2024-10-27 03:00 → 02:00 (+02:00 → +01:00): runs 02:30 twice (once at each offset)",
      "  lifetime bound   2d2h29m (2 days 2 hours 29 minutes) = maxAge 1d + jitter 2h24m + wait 1d for 1 usable run + start deadline 5m",
      "                   worst case: a pod due just after the run at Thu 2024-10-24 02:30 waits for the run at Fri 2024-10-25 02:30 (Europe/Berlin)",
      "  policy           within the 7d ceiling",
    ]);
  });

  it("flags an app whose bound exceeds the recycler-max-pod-age ceiling, with why and a fix", () => {
    const lines = block(plan({}).out, "weekly");
    assert.deepEqual(lines.slice(-4), [
      "  lifetime bound   14d16h53m (14 days 16 hours 53 minutes) = maxAge 7d + jitter 16h48m + wait 7d for 1 usable run + start deadline 5m",
      "                   worst case: a pod due just after the run at Mon 2024-10-28 09:00 waits for the run at Mon 2024-11-04 09:00 (Europe/Berlin)",
      "  policy           FLAGGED: pods can live up to 14d16h53m, longer than the 7d ceiling of rule recycler-max-pod-age: maxAge 7d + jitter 16h48m + 7d waiting for 1 usable run (due Mon 2024-10-28 09:00, rotated by Mon 2024-11-04 09:00 Europe/Berlin) + 5m start deadline.",
      "                   fix: Widen apps.weekly.rotation.windows or run the schedule more often, so the longest wait (7 days) shrinks.",
    ]);
  });

  it("ends with a summary table: suspended and disabled apps have no bound", () => {
    const lines = plan({}).out.split("\n");
    const table = lines.findIndex((l) => l.startsWith("APP "));
    assert.deepEqual(lines.slice(table, table + 5), [
      "APP      STATUS     BOUND      CEILING 7d  NEXT RUN (UTC)        DST CHANGES",
      "nightly  rotating   2d2h29m    ok          2024-10-24T00:30:00Z  1: runs skipped or doubled",
      "paused   suspended  never      FLAGGED     -                     1: runs skipped or doubled",
      "static   disabled   never      -           -                     -",
      "weekly   rotating   14d16h53m  FLAGGED     2024-10-28T08:00:00Z  1: no run affected",
    ]);
  });

  it("names the runs a spring-forward change skips, and whether a window loses them", () => {
    const lines = plan({ env: "staging", catalogDir: "environments", from: "2024-03-28" }).out.split("\n");
    assert.ok(
      lines.includes(
        "  DST              2024-03-31 02:00 → 03:00 (+01:00 → +02:00): skips 4 runs (02:00, 02:15, 02:30, 02:45: that time does not exist), none inside a window",
      ),
    );
  });

  it("counts the fall-back hour in prod's weekend gap: 6d1h5m instead of 6d5m", () => {
    const before = plan({ env: "prod", catalogDir: "environments", from: "2024-10-24", format: "json" });
    const across = plan({ env: "prod", catalogDir: "environments", from: "2024-10-31", format: "json" });
    const bound = (json: string) =>
      (JSON.parse(json) as { apps: { name: string; bound: { total: { text: string } } }[] }).apps.map(
        (a) => `${a.name} ${a.bound.total.text}`,
      );
    assert.deepEqual(bound(before.out), ["catalog-api 5d23h45m", "order-worker 6d5m", "storefront 6d5m"]);
    assert.deepEqual(bound(across.out), ["catalog-api 6d45m", "order-worker 6d1h5m", "storefront 6d1h5m"]);
  });
});

describe("rotor plan --format json", () => {
  it("has the documented shape", () => {
    const doc = JSON.parse(plan({ format: "json" }).out);
    assert.deepEqual(Object.keys(doc), [
      "kind",
      "version",
      "environment",
      "files",
      "horizon",
      "ceiling",
      "assumptions",
      "apps",
    ]);
    assert.equal(doc.kind, "RotationPlan");
    assert.equal(doc.version, 1);
    assert.deepEqual(doc.horizon, { from: "2024-10-24T00:00:00Z", to: "2024-10-31T00:00:00Z", days: 7 });
    assert.deepEqual(doc.ceiling, { rule: "recycler-max-pod-age", ms: 604_800_000, text: "7d" });
    const nightly = doc.apps[0];
    assert.deepEqual(Object.keys(nightly), [
      "name",
      "namespace",
      "replicas",
      "status",
      "rotation",
      "runs",
      "dst",
      "bound",
      "flagged",
      "finding",
    ]);
    assert.deepEqual(nightly.dst[0].doubled, [
      { time: "02:30", inWindow: true, at: ["2024-10-27T00:30:00Z", "2024-10-27T01:30:00Z"] },
    ]);
    assert.deepEqual(nightly.bound.total, { ms: 181_740_000, text: "2d2h29m" });
    assert.deepEqual(nightly.bound.worst, {
      dueAt: { utc: "2024-10-24T00:30:00Z", local: "2024-10-24T02:30:00+02:00" },
      rotatedBy: { utc: "2024-10-25T00:30:00Z", local: "2024-10-25T02:30:00+02:00" },
    });
    const weekly = doc.apps[3];
    assert.equal(weekly.flagged, true);
    assert.equal(weekly.bound.total.ms, 7 * 86_400_000 + 16.8 * 3_600_000 + 7 * 86_400_000 + 300_000);
    assert.equal(doc.apps[2].bound, null);
    assert.equal(doc.apps[2].rotation, null);
  });
});

describe("rotor plan --format svg", () => {
  it("draws one lane per app with its windows, runs, DST changes and bound, and renders to PNG", () => {
    const { out } = plan({ format: "svg" });
    const count = (cls: string) => out.split(`class="${cls}"`).length - 1;
    // nightly: 8 runs; paused (suspended) and static (disabled): none; weekly: Monday 28 October 09:00.
    assert.deepEqual(
      {
        lanes: count("lane"),
        windows: count("window"),
        runs: count("run"),
        dst: count("dst"),
        wait: count("wait"),
      },
      { lanes: 4, windows: 3, runs: 9, dst: 3, wait: 1 },
    );
    assert.match(out, /times in Europe\/Berlin/);
    const image = new Resvg(out, {
      font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
    }).render();
    assert.deepEqual([image.width, image.height], [1400, 460]);
    // The flagged bound is drawn in red (#c62828), the legend's swatch included.
    const pixels = image.pixels;
    let red = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      if (pixels[i] === 0xc6 && pixels[i + 1] === 0x28 && pixels[i + 2] === 0x28) red++;
    }
    assert.ok(red > 264, `only ${red} red pixels: the legend swatch alone has 264`);
    assert.ok(image.asPng().length > 10_000);
  });
});

describe("rotor plan: bad input", () => {
  const cases: [Partial<PlanOptions>, string][] = [
    [
      { env: "nope", catalogDir: "environments" },
      'rotor plan: --env: environment "nope" has no catalog file. Known environments: dev, prod, staging. Create environments/nope.yaml or pick an existing environment.\n',
    ],
    [
      { from: "yesterday" },
      'rotor plan: --from ("yesterday") must be an RFC 3339 time with a zone, like 2024-03-25T09:00:00Z or 2024-03-25T09:00:00+01:00, or a date like 2024-03-25 (midnight UTC).\n',
    ],
    [
      { from: "2024-03-25T10:00" },
      'rotor plan: --from ("2024-03-25T10:00") must be an RFC 3339 time with a zone, like 2024-03-25T09:00:00Z or 2024-03-25T09:00:00+01:00, or a date like 2024-03-25 (midnight UTC).\n',
    ],
    [
      { from: "2024-02-30" },
      'rotor plan: --from ("2024-02-30") must be an RFC 3339 time with a zone, like 2024-03-25T09:00:00Z or 2024-03-25T09:00:00+01:00, or a date like 2024-03-25 (midnight UTC).\n',
    ],
    [
      { days: "0" },
      'rotor plan: --days ("0") must be a whole number of days from 1 to 366. Use for example --days 7.\n',
    ],
    [
      { days: "1.5" },
      'rotor plan: --days ("1.5") must be a whole number of days from 1 to 366. Use for example --days 7.\n',
    ],
    [
      { days: "367" },
      'rotor plan: --days ("367") must be a whole number of days from 1 to 366. Use for example --days 7.\n',
    ],
    [
      { format: "yaml" },
      'rotor plan: --format ("yaml") must be one of text, json, svg. Use --format text.\n',
    ],
    [
      { runs: "-1" },
      'rotor plan: --runs ("-1") must be a whole number from 1 to 1000. Use for example --runs 5.\n',
    ],
  ];
  for (const [options, message] of cases) {
    it(`refuses ${JSON.stringify(options)} with one line and exit 2`, () => {
      const { code, out, err } = plan(options);
      assert.equal(code, 2);
      assert.equal(err, message);
      assert.equal(out, "");
    });
  }

  it("reports every bad option at once", () => {
    const { err } = plan({ days: "0", format: "yaml" });
    assert.deepEqual(
      err.split("\n").map((l) => l.slice(0, 24)),
      ['rotor plan: --format ("y', 'rotor plan: --days ("0")', ""],
    );
  });

  it("prints no stack trace from the real command", () => {
    const run = spawnSync(
      process.execPath,
      ["--import", "tsx", "cli/main.ts", "plan", "--env", "prod", "--days", "x"],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 2);
    assert.equal(
      run.stderr,
      'rotor plan: --days ("x") must be a whole number of days from 1 to 366. Use for example --days 7.\n',
    );
  });

  it("accepts a date, an offset and the defaults", () => {
    assert.equal(plan({ env: "dev", catalogDir: "environments", from: "2024-03-25T09:00:00+01:00" }).code, 0);
    const dflt = plan({ env: "dev", catalogDir: "environments" });
    assert.match(dflt.out, /^horizon: 2024-10-24T00:00:00Z to 2024-10-31T00:00:00Z \(7 days\)/m);
  });
});
