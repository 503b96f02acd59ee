/**
 * `rotor recycle` in-process, and the bundled recycler as its own node process, both against the simulator
 * through kubeconfigs it writes.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { recycle, recycleCommand } from "../../cli/recycle";
import { recyclerBundle } from "../../recycler/bundle";
import type { RecyclerReport } from "../../recycler/report";
import { KubeSimulator, SystemSimClock } from "../../simulator";
import { HANG_GUARD_MS } from "../helpers/hang-guard";
import { DAY, HOUR, NS, seedApp, startHarness } from "./harness";

const run = promisify(execFile);

describe("rotor recycle", () => {
  it("prints text on a terminal: the connection, each step and the summary", async () => {
    const h = await startHarness({});
    try {
      seedApp(h, { replicas: 3, podAgesMs: [3 * DAY, 2 * DAY, HOUR] });
      const out: string[] = [];
      const err: string[] = [];
      const kubeconfig = h.kubeconfig();
      const [code] = await h.clock.runActors([
        () =>
          recycle(
            { namespace: NS, deployment: "web", maxAge: "1d", jitter: "0s", maxRotations: "5", kubeconfig },
            { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, isTTY: true, clock: h.clock },
          ),
      ]);
      assert.equal(code, 0);
      assert.deepEqual(err, []);
      assert.match(
        out[0],
        new RegExp(
          `^connecting to ${h.sim.url} \\(kubeconfig ${kubeconfig} \\(context rotor-simulator\\)\\)$`,
        ),
      );
      assert.match(
        out[1],
        /^10:00:00 info {2}run started {2}identity=\S+ strategy=evict maxAge=1d jitter=0s maxRotations=5 dryRun=false$/,
      );
      assert.ok(out.some((l) => /^10:00:00 info {2}evicting pod \[web-\S+\] {2}age=3d overdue=2d$/.test(l)));
      assert.ok(
        out.some((l) =>
          /^10:00:05 info {2}pod rotated \[web-\S+\] {2}replacement=web-\S+ tookMs=5000$/.test(l),
        ),
      );
      const lines = out.flatMap((l) => l.split("\n"));
      const summary = lines.slice(lines.findIndex((l) => l.startsWith("shop/web: ")));
      assert.match(summary[0], /^shop\/web: rotated \(rotated 2 pod\(s\): web-\S+, web-\S+\)$/);
      assert.match(summary[1], /^plan \(evict\):$/);
      assert.match(
        summary[2],
        /^ {2}1\. web-\S+ {2}age 3d, due since 2026-01-03T10:00:00.000Z \(2d overdue\), node sim-node-\w$/,
      );
      assert.match(summary[4], /^rotated web-\S+ \(age 3d\) -> web-\S+ Ready after 5s$/);
      assert.match(summary.at(-1)!, /^14 API requests, 10s$/);
    } finally {
      await h.close();
    }
  });

  it("prints JSON lines otherwise, ending with the report", async () => {
    const h = await startHarness({});
    try {
      seedApp(h, { podAgesMs: [HOUR, HOUR, HOUR] });
      const out: string[] = [];
      const [code] = await h.clock.runActors([
        () =>
          recycle(
            { namespace: NS, deployment: "web", maxAge: "1d", kubeconfig: h.kubeconfig(), dryRun: true },
            { out: (l) => out.push(l), err: () => {}, env: {}, isTTY: false, clock: h.clock },
          ),
      ]);
      assert.equal(code, 0);
      const lines = out.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const l of lines) assert.deepEqual(Object.keys(l).slice(0, 3), ["time", "level", "msg"]);
      const report = lines.at(-1) as unknown as RecyclerReport & { msg: string };
      assert.equal(report.msg, "report");
      assert.equal(report.result, "dry-run");
      assert.equal(report.wouldBe, "nothing-to-do");
    } finally {
      await h.close();
    }
  });

  it("a kubeconfig problem exits 2 before any request", async () => {
    const err: string[] = [];
    const code = await recycle(
      { namespace: NS, deployment: "web", maxAge: "1d", kubeconfig: "/nonexistent/kubeconfig" },
      { out: () => {}, err: (l) => err.push(l), env: {}, isTTY: false },
    );
    assert.equal(code, 2);
    assert.match(err[0], /^error: cannot read kubeconfig \/nonexistent\/kubeconfig: /);
  });

  it("the commander command maps every flag and reports invalid settings with exit code 2", async () => {
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string) => {
      written.push(String(chunk));
      return true;
    };
    const before = process.exitCode;
    try {
      await recycleCommand()
        .exitOverride()
        .parseAsync(
          [
            "--namespace",
            "shop",
            "--deployment",
            "web",
            "--max-age",
            "1m",
            "--window",
            "Mon 09:00-10:00",
            "--window",
            "Xyz 09:00-10:00",
            "--strategy",
            "nope",
          ],
          { from: "user" },
        );
      assert.equal(process.exitCode, 2);
    } finally {
      process.stderr.write = original;
      process.exitCode = before;
    }
    assert.deepEqual(
      written.map((l) => l.replace(/\n$/, "").replace(/ \(".*$/, "")),
      [
        "error: --max-age",
        "error: --window",
        "error: --strategy",
        "rotor recycle: 3 invalid setting(s); nothing was changed",
      ],
    );
  });
});

describe("the bundled recycler as its own process", () => {
  it("dry-runs and then rotates against a real-time simulator through a JSON kubeconfig", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-bundle-run-"));
    const sim = await KubeSimulator.start({
      clock: new SystemSimClock(),
      token: "admin",
      tls: true,
      pdbSyncDelayMs: 10,
    });
    try {
      seedApp({ sim } as Parameters<typeof seedApp>[0], {
        replicas: 3,
        podAgesMs: [3 * DAY, 2 * DAY, HOUR],
        startupMs: 50,
        readyDelayMs: 50,
        terminationMs: 20,
      });
      const file = join(dir, "recycler.js");
      writeFileSync(file, recyclerBundle().code);
      const jsonPath = sim.writeKubeconfig(join(dir, "kubeconfig.json"), { namespace: NS, format: "json" });
      const args = [
        file,
        "--kubeconfig",
        jsonPath,
        "--namespace",
        NS,
        "--deployment",
        "web",
        "--max-age",
        "1d",
        "--jitter",
        "0s",
        "--max-rotations",
        "3",
      ];
      const env = { PATH: process.env.PATH ?? "", POD_NAME: "web-recycler-28391-abcde" };
      // Real time on both sides: the recycler's own bounds (30 s per request, 10m per replacement) apply, and a
      // run that hangs past the guard is killed.
      const options = { env, timeout: HANG_GUARD_MS };

      const dry = await run(process.execPath, [...args, "--dry-run"], options);
      const dryLines = dry.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const dryReport = dryLines.at(-1) as unknown as RecyclerReport;
      assert.equal(dryReport.result, "dry-run");
      assert.equal(dryReport.plan?.length, 2);
      assert.equal(sim.log.requests.filter((r) => r.method !== "GET").length, 0);

      const real = await run(process.execPath, args, options);
      const report = real.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .at(-1) as unknown as RecyclerReport;
      assert.equal(report.result, "rotated", report.reason);
      assert.deepEqual(
        report.rotated,
        dryReport.plan?.map((p) => p.pod),
      );
      assert.match(report.identity, /^web-recycler-28391-abcde-[0-9a-f]{8}$/);
      assert.deepEqual(sim.monitor.violations, []);
    } finally {
      await sim.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
