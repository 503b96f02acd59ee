import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { main } from "../../recycler/main";
import {
  parseRecyclerArgs,
  resolveSettings,
  type ParsedArgs,
  type RawSettings,
  type RecyclerSettings,
  type SettingsProblem,
  type SettingsResult,
} from "../../recycler/settings";
import { parseWindow } from "../../contract/window";
import { recycle } from "../../cli/recycle";

/** The window module's own sentence for an invalid window (its wording belongs to recycler/window.ts). */
function windowProblem(text: string): string {
  const parsed = parseWindow(text);
  if (typeof parsed !== "string") throw new Error(`${text} is valid`);
  return parsed;
}

const base: RawSettings = { namespace: "shop", deployment: "web", maxAge: "24h" };

function problemsOf(r: SettingsResult | ParsedArgs): readonly SettingsProblem[] {
  if ("problems" in r) return r.problems;
  throw new Error("expected problems");
}

function settingsOf(r: ParsedArgs): RecyclerSettings {
  if (r.kind === "settings") return r.settings;
  throw new Error(`expected settings, got ${r.kind}`);
}

describe("resolveSettings", () => {
  it("applies the documented defaults", () => {
    const r = resolveSettings(base);
    assert.ok(r.ok);
    assert.deepEqual(r.settings, {
      namespace: "shop",
      deployment: "web",
      maxAgeMs: 86_400_000,
      jitterMs: 8_640_000,
      maxRotations: 1,
      windows: [],
      timeZone: "Etc/UTC",
      strategy: "evict",
      readyTimeoutMs: 600_000,
      lease: "web-recycler",
      dryRun: false,
      output: "json",
    });
  });

  it("accepts every flag", () => {
    const r = resolveSettings({
      ...base,
      jitter: "2h",
      maxRotations: "3",
      window: ["Mon-Fri 09:00-17:00", "Sat,Sun 22:00-06:00"],
      timeZone: "Europe/Berlin",
      strategy: "restart",
      readyTimeout: "5m",
      lease: "custom-lease",
      dryRun: true,
      kubeconfig: "/tmp/kc",
      context: "kind",
      output: "text",
    });
    assert.ok(r.ok);
    assert.equal(r.settings.jitterMs, 7_200_000);
    assert.equal(r.settings.maxRotations, 3);
    assert.deepEqual(
      r.settings.windows.map((w) => [w.text, [...w.days], w.start, w.end]),
      [
        ["Mon-Fri 09:00-17:00", [0, 1, 2, 3, 4], 540, 1020],
        ["Sat,Sun 22:00-06:00", [5, 6], 1320, 360],
      ],
    );
    assert.equal(r.settings.timeZone, "Europe/Berlin");
    assert.equal(r.settings.strategy, "restart");
    assert.equal(r.settings.readyTimeoutMs, 300_000);
    assert.equal(r.settings.lease, "custom-lease");
    assert.equal(r.settings.dryRun, true);
    assert.equal(r.settings.kubeconfig, "/tmp/kc");
    assert.equal(r.settings.context, "kind");
    assert.equal(r.settings.output, "text");
  });

  const cases: [string, RawSettings, string[]][] = [
    [
      "missing required flags",
      {},
      [
        '--namespace ("") is required. Pass the Deployment\'s namespace, like --namespace shop.',
        '--deployment ("") is required. Pass the name of the Deployment to rotate, like --deployment web.',
        '--max-age ("") is required. Pass the oldest a pod may get, like --max-age 24h.',
      ],
    ],
    [
      "bad namespace",
      { ...base, namespace: "Shop_1" },
      [
        "--namespace (\"Shop_1\") must be a DNS-1123 label (lowercase letters, digits and '-', at most 63 characters). Use the namespace exactly as `kubectl get namespaces` shows it.",
      ],
    ],
    [
      "bad deployment",
      { ...base, deployment: "-web" },
      [
        "--deployment (\"-web\") must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters). Use the Deployment's name exactly as `kubectl get deployments` shows it.",
      ],
    ],
    [
      "max age not a duration",
      { ...base, maxAge: "1.5h" },
      [
        '--max-age ("1.5h") must be a whole number of days, hours, minutes and seconds in that order, like 90s, 15m, 24h, 7d or 1d12h. Write it like --max-age 24h.',
      ],
    ],
    [
      "max age too short",
      { ...base, maxAge: "90s" },
      ['--max-age ("90s") must be at least 5m: pods need time to become Ready. Use a longer --max-age.'],
    ],
    [
      "jitter over max age",
      { ...base, jitter: "2d" },
      [
        '--jitter ("2d") must not exceed --max-age (1d): a pod could live more than twice its max age. Use a smaller --jitter, like a tenth of --max-age.',
      ],
    ],
    [
      "jitter not a duration",
      { ...base, jitter: "soon" },
      [
        '--jitter ("soon") must be a whole number of days, hours, minutes and seconds in that order, like 90s, 15m, 24h, 7d or 1d12h. Write it like --jitter 2h, or 0s for none.',
      ],
    ],
    [
      "max rotations zero",
      { ...base, maxRotations: "0" },
      [
        '--max-rotations ("0") must be a whole number from 1 to 1000. Pass how many pods one run may rotate, like --max-rotations 3.',
      ],
    ],
    [
      "max rotations not a number",
      { ...base, maxRotations: "2.5" },
      [
        '--max-rotations ("2.5") must be a whole number from 1 to 1000. Pass how many pods one run may rotate, like --max-rotations 3.',
      ],
    ],
    [
      "bad windows, each reported",
      { ...base, window: ["Mon-Fri 9-17", "Funday 10:00-11:00", "Mon 10:00-10:00"] },
      ["Mon-Fri 9-17", "Funday 10:00-11:00", "Mon 10:00-10:00"].map(
        (w) =>
          `--window (${JSON.stringify(w)}) ${windowProblem(w)}. Write it like --window "Mon-Fri 09:00-17:00".`,
      ),
    ],
    [
      "time zone",
      { ...base, timeZone: "Mars/Olympus" },
      [
        '--time-zone ("Mars/Olympus") is not an IANA time-zone name; use one like "Europe/Berlin", "America/New_York" or "Etc/UTC". Pass an IANA name like --time-zone Europe/Berlin.',
      ],
    ],
    [
      "time zone letter case",
      { ...base, timeZone: "europe/berlin" },
      [
        '--time-zone ("europe/berlin") has the wrong letter case: write "Europe/Berlin". Pass an IANA name like --time-zone Europe/Berlin.',
      ],
    ],
    [
      "strategy",
      { ...base, strategy: "delete" },
      [
        '--strategy ("delete") must be "evict" or "restart". Use --strategy evict (one pod at a time, the default) or --strategy restart.',
      ],
    ],
    [
      "ready timeout range",
      { ...base, readyTimeout: "5s" },
      [
        '--ready-timeout ("5s") must be from 30s to 6h. Use about twice the time a new pod takes to become Ready, like --ready-timeout 10m.',
      ],
    ],
    [
      "lease name",
      { ...base, lease: "Bad Lease" },
      [
        "--lease (\"Bad Lease\") must be a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253 characters). Leave it out to use <deployment>-recycler, or name the Lease the component created.",
      ],
    ],
    [
      "output",
      { ...base, output: "yaml" },
      ['--output ("yaml") must be "json" or "text". Use --output json or --output text.'],
    ],
  ];
  for (const [name, raw, messages] of cases) {
    it(`rejects ${name} with exact messages`, () => {
      const r = resolveSettings(raw);
      assert.equal(r.ok, false);
      assert.deepEqual(
        problemsOf(r).map((p) => p.message),
        messages,
      );
    });
  }

  it("reports every problem at once, each with field, value, rule and fix", () => {
    const r = resolveSettings({
      namespace: "A",
      deployment: "web",
      maxAge: "1m",
      strategy: "x",
      maxRotations: "-1",
    });
    assert.equal(r.ok, false);
    const problems = problemsOf(r);
    assert.deepEqual(
      problems.map((p) => [p.field, p.value]),
      [
        ["--namespace", "A"],
        ["--max-age", "1m"],
        ["--max-rotations", "-1"],
        ["--strategy", "x"],
      ],
    );
    for (const p of problems) {
      assert.ok(p.rule.length > 0 && p.fix.length > 0);
    }
  });

  it("uses the service account's namespace as the default", () => {
    const r = resolveSettings({ deployment: "web", maxAge: "1d" }, { namespace: "from-file" });
    assert.ok(r.ok);
    assert.equal(r.settings.namespace, "from-file");
  });
});

describe("parseRecyclerArgs", () => {
  it("parses the CronJob's args", () => {
    const r = parseRecyclerArgs([
      "--namespace",
      "shop",
      "--deployment=web",
      "--max-age",
      "7d",
      "--window",
      "Mon-Fri 09:00-17:00",
      "--window",
      "Sat 10:00-12:00",
      "--dry-run",
    ]);
    assert.equal(r.kind, "settings");
    const s = settingsOf(r);
    assert.deepEqual(
      s.windows.map((w) => w.text),
      ["Mon-Fri 09:00-17:00", "Sat 10:00-12:00"],
    );
    assert.equal(s.dryRun, true);
    assert.equal(s.maxAgeMs, 7 * 86_400_000);
  });

  it("returns help for --help", () => {
    assert.deepEqual(parseRecyclerArgs(["--deployment", "web", "--help"]), { kind: "help" });
  });

  it("reports unknown flags, stray arguments, missing values and repeats together with invalid values", () => {
    const r = parseRecyclerArgs([
      "extra",
      "--max-age",
      "1h",
      "--bogus",
      "x",
      "--max-age",
      "2h",
      "--dry-run=yes",
      "--deployment",
      "web",
      "--namespace",
      "shop",
      "--lease",
    ]);
    assert.equal(r.kind, "invalid");
    assert.deepEqual(
      problemsOf(r).map((p) => p.message),
      [
        'argument ("extra") is not a flag. Every setting is a --flag value pair; see --help.',
        '--bogus ("x") is not a recycler flag. See --help for the flags.',
        '--max-age ("2h") is given twice. Pass --max-age once.',
        '--dry-run ("yes") takes no value. Write just --dry-run.',
        '--lease ("") needs a value. Write it like --lease <value>; see --help.',
      ],
    );
  });
});

describe("invalid settings exit 2 before any request", () => {
  it("the bundle entry exits 2 and prints every problem as a JSON line", async () => {
    const lines: string[] = [];
    // A server would be needed for any request; the unreachable address proves none is attempted.
    const code = await main(
      ["--deployment", "web", "--max-age", "1m", "--strategy", "x", "--kubeconfig", "/nonexistent"],
      {
        env: {},
        write: (l) => lines.push(l),
        serviceAccountDir: "/nonexistent",
      },
    );
    assert.equal(code, 2);
    const entries = lines.map((l) => JSON.parse(l) as { level: string; field?: string });
    assert.deepEqual(
      entries.map((e) => e.field),
      ["--namespace", "--max-age", "--strategy", undefined],
    );
    assert.ok(entries.every((e) => e.level === "error"));
  });

  it("rotor recycle exits 2 with the same messages on stderr", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await recycle(
      { namespace: "shop", deployment: "web", maxAge: "2m", window: ["Mon 25:00-26:00"] },
      { out: (l) => out.push(l), err: (l) => err.push(l), env: {} },
    );
    assert.equal(code, 2);
    assert.deepEqual(out, []);
    assert.deepEqual(err, [
      'error: --max-age ("2m") must be at least 5m: pods need time to become Ready. Use a longer --max-age.',
      `error: --window ("Mon 25:00-26:00") ${windowProblem("Mon 25:00-26:00")}. Write it like --window "Mon-Fri 09:00-17:00".`,
      "rotor recycle: 2 invalid setting(s); nothing was changed",
    ]);
  });
});
