/**
 * `rotor recycle` in-process, and the bundled recycler as its own node process, both against the simulator
 * through kubeconfigs it writes.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { DEFAULT_OUTPUT, recycle, recycleCommand, type RecycleIo } from "../../cli/recycle";
import type { Clock } from "../../recycler/clock";
import { recyclerBundle } from "../../recycler/bundle";
import type { RecyclerReport } from "../../recycler/report";
import { KubeSimulator, SystemSimClock } from "../../simulator";
import { HANG_GUARD_MS } from "../helpers/hang-guard";
import { ADMIN, DAY, HOUR, NS, seedApp, startHarness } from "./harness";

const run = promisify(execFile);

/** Captures what `recycle` prints. */
function capture(clock?: Clock): { io: RecycleIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, ...(clock ? { clock } : {}) },
    out,
    err,
  };
}

/**
 * A clock whose waits take no time and are recorded: a test can see every backoff the run would sleep through
 * without waiting for any of it (and without a real-time race).
 */
function recordingClock(): Clock & { readonly sleeps: number[] } {
  let now = Date.parse("2026-01-05T10:00:00Z");
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep(ms) {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    withTimeout: (operation) => operation,
  };
}

/** A kubeconfig for a loopback port where nothing listens (bound, then closed). */
async function closedPortKubeconfig(dir: string): Promise<{ file: string; server: string }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const file = join(dir, "closed.yaml");
  writeFileSync(
    file,
    [
      "apiVersion: v1",
      "kind: Config",
      "current-context: closed",
      "contexts: [{name: closed, context: {cluster: closed, user: me, namespace: shop}}]",
      `clusters: [{name: closed, cluster: {server: "${url}"}}]`,
      "users: [{name: me, user: {token: t}}]",
      "",
    ].join("\n"),
  );
  return { file, server: url };
}

describe("rotor recycle", () => {
  it("prints text by default, piped or not: the connection, the namespace, each step and the summary", async () => {
    const h = await startHarness({});
    try {
      seedApp(h, { replicas: 3, podAgesMs: [3 * DAY, 2 * DAY, HOUR] });
      const { io, out, err } = capture(h.clock);
      const kubeconfig = h.kubeconfig();
      const [code] = await h.clock.runActors([
        () =>
          recycle(
            { namespace: NS, deployment: "web", maxAge: "1d", jitter: "0s", maxRotations: "5", kubeconfig },
            io,
          ),
      ]);
      assert.equal(code, 0);
      assert.deepEqual(err, []);
      assert.equal(
        out[0],
        `connecting to ${h.sim.url} (kubeconfig ${kubeconfig} (context rotor-simulator)); namespace shop (from --namespace)`,
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

  it("--output json prints JSON lines, ending with the report", async () => {
    const h = await startHarness({});
    try {
      seedApp(h, { podAgesMs: [HOUR, HOUR, HOUR] });
      const { io, out } = capture(h.clock);
      const [code] = await h.clock.runActors([
        () =>
          recycle(
            {
              namespace: NS,
              deployment: "web",
              maxAge: "1d",
              kubeconfig: h.kubeconfig(),
              dryRun: true,
              output: "json",
            },
            io,
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

  it("--output accepts exactly text and json, and defaults to text", () => {
    const option = recycleCommand().options.find((o) => o.long === "--output");
    assert.deepEqual(option?.argChoices, ["text", "json"]);
    assert.equal(option?.defaultValue, "text");
    assert.equal(DEFAULT_OUTPUT, "text");
  });

  it("without --namespace, uses the kubeconfig context's namespace, as kubectl does", async () => {
    const h = await startHarness({});
    try {
      seedApp(h, { podAgesMs: [HOUR, HOUR, HOUR] });
      const { io, out, err } = capture(h.clock);
      const kubeconfig = h.kubeconfig();
      const [code] = await h.clock.runActors([
        () => recycle({ deployment: "web", maxAge: "1d", kubeconfig, dryRun: true }, io),
      ]);
      assert.deepEqual(err, []);
      assert.equal(code, 0);
      assert.equal(
        out[0],
        `connecting to ${h.sim.url} (kubeconfig ${kubeconfig} (context rotor-simulator)); namespace shop (from the context)`,
      );
      assert.match(out.at(-1)!, /^shop\/web: dry-run /);
    } finally {
      await h.close();
    }
  });

  it("a context without a namespace means default; a Deployment that is not there exits 2 and says what to check", async () => {
    const h = await startHarness({});
    try {
      seedApp(h, { podAgesMs: [HOUR, HOUR, HOUR] });
      const kubeconfig = h.sim.writeKubeconfig(join(h.dir, "no-namespace.yaml"), { token: ADMIN });
      const { io, out, err } = capture(h.clock);
      const [code] = await h.clock.runActors([
        () => recycle({ deployment: "web", maxAge: "1d", kubeconfig }, io),
      ]);
      assert.deepEqual(err, []);
      assert.equal(code, 2);
      assert.match(out[0], /; namespace default \(from the default\)$/);
      const lines = out.flatMap((l) => l.split("\n"));
      assert.equal(
        lines.find((l) => l.startsWith("default/web: ")),
        "default/web: not-found (Deployment web not found in namespace default. Check --deployment and --namespace: kubectl get deployments -n default)",
      );
    } finally {
      await h.close();
    }
  });

  it("--dry-run fails at once on a refused connection: one request, no backoff, one clear error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-recycle-closed-"));
    try {
      const { file, server } = await closedPortKubeconfig(dir);
      const clock = recordingClock();
      const { io, out, err } = capture(clock);
      const code = await recycle(
        { deployment: "web", maxAge: "1d", kubeconfig: file, dryRun: true, output: "json" },
        io,
      );
      assert.equal(code, 1);
      assert.deepEqual(err, []);
      assert.deepEqual(clock.sleeps, []);
      const report = JSON.parse(out.at(-1)!) as RecyclerReport;
      assert.equal(report.result, "failed");
      assert.equal(report.requests, 1);
      const port = new URL(server).port;
      assert.equal(
        report.reason,
        `GET /apis/apps/v1/namespaces/shop/deployments?fieldSelector=metadata.name%3Dweb: connect ECONNREFUSED 127.0.0.1:${port} (nothing accepts connections there: check that the API server is running and that the kubeconfig context points at it)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a real run retries a refused connection with backoff (1+2+4+8+16 s), as the CronJob does, then fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-recycle-closed-"));
    try {
      const { file } = await closedPortKubeconfig(dir);
      const clock = recordingClock();
      const { io, out } = capture(clock);
      const code = await recycle({ deployment: "web", maxAge: "1d", kubeconfig: file, output: "json" }, io);
      assert.equal(code, 1);
      assert.deepEqual(clock.sleeps, [1000, 2000, 4000, 8000, 16000]);
      const report = JSON.parse(out.at(-1)!) as RecyclerReport;
      assert.equal(report.requests, 6);
      assert.match(report.reason ?? "", /kept failing after 6 attempts: .*ECONNREFUSED/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a kubeconfig problem exits 2 before any request, naming the file and the fix", async () => {
    const { io, err } = capture();
    const code = await recycle(
      { namespace: NS, deployment: "web", maxAge: "1d", kubeconfig: "/nonexistent/kubeconfig" },
      io,
    );
    assert.equal(code, 2);
    assert.deepEqual(err, [
      "error: cannot read kubeconfig /nonexistent/kubeconfig: it does not exist. Check the path.",
    ]);
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
