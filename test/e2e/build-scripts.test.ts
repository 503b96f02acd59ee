// A failed build of the e2e engine (e2e/build.sh: the control plane; e2e/build-pulumi.sh: the Pulumi engine), and how
// `npm run test:e2e` (e2e/run.ts) reports it. No real build: PATH has no `go`, or a fake `go` that answers what the
// scripts ask and fails where a test tells it to, and ROTOR_E2E_CACHE is a fresh directory, so nothing is a cache hit.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const root = join(__dirname, "..", "..");
/** The system's tools without Go (Go lives in /usr/local/go/bin here, and in CI). */
const SYSTEM_PATH = "/usr/bin:/bin";

/**
 * A `go` that answers what the scripts ask: `env GOVERSION`, `env GOPROXY`, `mod download`, `list -m`, and `build
 * -o <out>` (an executable per `.../cmd/<name>` package when <out> is a directory). FAKE_GO_FAIL=download or build
 * makes that step fail; a failing build first leaves half a binary where it writes, as an interrupted link does.
 */
const FAKE_GO = `#!/bin/bash
case "$1" in
  env)
    case "$2" in GOVERSION) echo go1.99-fake ;; GOPROXY) echo https://proxy.invalid ;; esac ;;
  mod)
    if [[ "$FAKE_GO_FAIL" == download ]]; then echo "fake go: proxy.invalid: no such host" >&2; exit 1; fi ;;
  list) echo v0.0.0-fake ;;
  build)
    out=""; prev=""
    for a in "$@"; do [[ "$prev" == -o ]] && out="$a"; prev="$a"; done
    if [[ "$FAKE_GO_FAIL" == build ]]; then
      if [[ "$out" == */ ]]; then echo half > "\${out}kube-apiserver"; else echo half > "$out"; fi
      echo "fake go: undefined: brokenSymbol" >&2
      exit 2
    fi
    if [[ "$out" == */ ]]; then
      for a in "$@"; do
        case "$a" in */cmd/*) f="$out$(basename "$a")"; printf '#!/bin/sh\\n' > "$f"; chmod +x "$f" ;; esac
      done
    else
      printf '#!/bin/sh\\n' > "$out"; chmod +x "$out"
    fi ;;
  *) echo "fake go: unexpected: $*" >&2; exit 3 ;;
esac
`;

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function fakeGoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rotor-fake-go-"));
  writeFileSync(join(dir, "go"), FAKE_GO);
  chmodSync(join(dir, "go"), 0o755);
  return dir;
}

function freshCache(): string {
  return mkdtempSync(join(tmpdir(), "rotor-e2e-cache-"));
}

function runScript(
  script: "build.sh" | "build-pulumi.sh",
  args: readonly string[],
  env: { cache: string; go?: "none" | "ok" | "download" | "build" },
): Run {
  const go = env.go ?? "ok";
  const path = go === "none" ? SYSTEM_PATH : `${fakeGoDir()}:${SYSTEM_PATH}`;
  const run = spawnSync("/bin/bash", [join(root, "e2e", script), ...args], {
    encoding: "utf8",
    env: {
      PATH: path,
      HOME: env.cache,
      ROTOR_E2E_CACHE: env.cache,
      ...(go === "ok" ? {} : { FAKE_GO_FAIL: go }),
    },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every file under a directory (not the directories): what a build left in the cache. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => !d.isDirectory())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

const KEY = "[0-9a-f]{16}";

describe("e2e/build-pulumi.sh when the build cannot succeed", () => {
  it("stops at once when go is not on PATH, saying what to install", () => {
    const cache = freshCache();
    const run = runScript("build-pulumi.sh", [], { cache, go: "none" });
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "pulumi build: go is not on PATH. The Pulumi engine is built from Go modules: install Go 1.26.6 or newer (https://go.dev/doc/install) and run again.\n",
    );
    assert.equal(run.stdout, "");
    assert.deepEqual(files(cache), []);
  });

  it("refuses an unknown target before building anything", () => {
    const cache = freshCache();
    const run = runScript("build-pulumi.sh", ["cli", "nodejs"], { cache });
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "pulumi build: unknown target 'nodejs': expected any of cli, kubernetes, yaml (default: cli kubernetes)\n",
    );
    assert.equal(run.stdout, "");
    assert.deepEqual(readdirSync(cache), []);
  });

  it("says the module proxy may be unreachable when go mod download fails, and leaves no binary", () => {
    const cache = freshCache();
    const run = runScript("build-pulumi.sh", ["cli"], { cache, go: "download" });
    assert.equal(run.status, 1);
    const lines = run.stderr.trimEnd().split("\n");
    assert.match(
      lines[0] ?? "",
      new RegExp(
        `^pulumi build: cli: cache miss \\(${KEY}, go1\\.99-fake\\): building into ${cache}/pulumi-${KEY}/bin/pulumi \\(load [0-9. ]+\\)$`,
      ),
    );
    assert.deepEqual(lines.slice(1), [
      "fake go: proxy.invalid: no such host",
      "pulumi build: pulumi: 'go mod download' failed (is the Go module proxy reachable? GOPROXY=https://proxy.invalid)",
    ]);
    assert.equal(run.stdout, "");
    assert.deepEqual(files(cache), [], "no binary, no staging directory");
  });

  it("points at the compiler's output when go build fails, and leaves no half-built binary in the cache", () => {
    const cache = freshCache();
    const run = runScript("build-pulumi.sh", ["cli"], { cache, go: "build" });
    assert.equal(run.status, 1);
    const lines = run.stderr.trimEnd().split("\n");
    assert.deepEqual(lines.slice(-3), [
      "pulumi build: cli: compiling github.com/pulumi/pulumi/pkg/v3/cmd/pulumi v0.0.0-fake",
      "fake go: undefined: brokenSymbol",
      "pulumi build: cli: 'go build' failed; its output is above. Run e2e/build-pulumi.sh again after fixing it.",
    ]);
    assert.equal(run.stdout, "");
    // The fake compiler wrote half a binary into the staging directory; the script removed it with the directory.
    assert.deepEqual(files(cache), []);
    // And the next run does not take anything for a cache hit: it builds again.
    const again = runScript("build-pulumi.sh", ["cli"], { cache, go: "build" });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /^pulumi build: cli: cache miss /);
  });
});

describe("e2e/build.sh when the build cannot succeed", () => {
  it("stops at once when go is not on PATH, saying what to install", () => {
    const cache = freshCache();
    const run = runScript("build.sh", [], { cache, go: "none" });
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "e2e build: go is not on PATH. The control plane is built from Go modules: install Go 1.26 or newer (https://go.dev/doc/install, or 'apt-get install golang-go' where Debian's is new enough) and run again.\n",
    );
    assert.equal(run.stdout, "");
    assert.deepEqual(files(cache), []);
  });

  it("says the module proxy may be unreachable when go mod download fails, and leaves no binary", () => {
    const cache = freshCache();
    const run = runScript("build.sh", [], { cache, go: "download" });
    assert.equal(run.status, 1);
    assert.deepEqual(run.stderr.trimEnd().split("\n").slice(-2), [
      "fake go: proxy.invalid: no such host",
      "e2e build: kubernetes: 'go mod download' failed (is the Go module proxy reachable? GOPROXY=https://proxy.invalid)",
    ]);
    assert.deepEqual(files(cache), []);
  });

  it("points at the compiler's output when go build fails, and leaves no half-built binary in the cache", () => {
    const cache = freshCache();
    const run = runScript("build.sh", [], { cache, go: "build" });
    assert.equal(run.status, 1);
    assert.deepEqual(run.stderr.trimEnd().split("\n").slice(-2), [
      "fake go: undefined: brokenSymbol",
      "e2e build: kubernetes: 'go build' failed; its output is above. Run e2e/build.sh again after fixing it.",
    ]);
    assert.equal(run.stdout, "");
    assert.deepEqual(files(cache), []);
  });
});

describe("npm run test:e2e (e2e/run.ts) when a build fails", () => {
  function runE2e(filter: string, cache: string, go: "none" | "build"): Run {
    const path = go === "none" ? SYSTEM_PATH : `${fakeGoDir()}:${SYSTEM_PATH}`;
    const run = spawnSync(process.execPath, ["--import", "tsx", join(root, "e2e", "run.ts"), filter], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: path, HOME: cache, ROTOR_E2E_CACHE: cache, FAKE_GO_FAIL: go },
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it("exits 1 after the control plane build's own message, starting nothing", () => {
    const cache = freshCache();
    const run = runE2e("control-plane", cache, "none");
    assert.equal(run.status, 1);
    assert.equal(
      run.stderr,
      "e2e build: go is not on PATH. The control plane is built from Go modules: install Go 1.26 or newer (https://go.dev/doc/install, or 'apt-get install golang-go' where Debian's is new enough) and run again.\n" +
        "e2e: the control plane binaries build failed (exit code 1); its output is above\n",
    );
    assert.equal(run.stdout, "");
  });

  it("exits 1 after the Pulumi engine build's own message when a Pulumi file is selected, starting nothing", () => {
    const cache = freshCache();
    // The control plane is a cache hit (built by the fake go, which succeeds unless told otherwise).
    const built = runScript("build.sh", [], { cache });
    assert.equal(built.status, 0, built.stderr);
    const run = runE2e("pulumi-stack", cache, "build");
    assert.equal(run.status, 1);
    assert.match(run.stdout, /^e2e: control plane binaries in .* \([0-9.]+ s\)\n$/);
    const stderr = run.stderr.trimEnd().split("\n");
    assert.match(
      stderr[0] ?? "",
      new RegExp(`^e2e build: cache hit \\(${KEY}, go1\\.99-fake\\): nothing to build$`),
    );
    assert.deepEqual(stderr.slice(-3), [
      "fake go: undefined: brokenSymbol",
      "pulumi build: cli: 'go build' failed; its output is above. Run e2e/build-pulumi.sh again after fixing it.",
      "e2e: the Pulumi engine build failed (exit code 1); its output is above",
    ]);
    assert.equal(
      files(cache).some((f) => f.includes("pulumi-")),
      false,
      "no Pulumi binary in the cache",
    );
  });
});
