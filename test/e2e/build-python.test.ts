// e2e/build-python.sh's refusals: each missing prerequisite stops it with one message saying what to do, and leaves
// no venv in the cache that a later run could take for a finished one.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";

const SCRIPT = join(__dirname, "..", "..", "e2e", "build-python.sh");
const REQUIREMENTS = join(__dirname, "..", "..", "e2e", "python", "requirements.txt");

const dir = mkdtempSync(join(tmpdir(), "rotor-build-python-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A stand-in interpreter answering build-python.sh's three probes: version, at least 3.11, venv and ensurepip. */
function fakePython(name: string, version: string, { oldEnough = true, venv = true } = {}): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      "#!/bin/sh",
      'case "$2" in',
      `  *print*) echo ${version} ;;`,
      `  *sys.exit*) exit ${oldEnough ? 0 : 1} ;;`,
      `  *venv*) exit ${venv ? 0 : 1} ;;`,
      "  *) exit 3 ;;",
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(file, 0o755);
  return file;
}

function build(env: Record<string, string>): { code: number | null; stderr: string; cache: string[] } {
  const cache = mkdtempSync(join(dir, "cache-"));
  const r = spawnSync("bash", [SCRIPT], {
    env: { ...process.env, ROTOR_E2E_CACHE: cache, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr, cache: readdirSync(cache) };
}

describe("e2e/build-python.sh", () => {
  const cases: [string, () => Record<string, string>, string][] = [
    [
      "no interpreter",
      () => ({ ROTOR_E2E_PYTHON3: "rotor-no-such-python3" }),
      "python build: rotor-no-such-python3 is not on PATH. The Python e2e program needs CPython 3.11 or newer (https://www.python.org/downloads/); set ROTOR_E2E_PYTHON3 to use another interpreter.\n",
    ],
    [
      "a Python older than 3.11",
      () => ({ ROTOR_E2E_PYTHON3: fakePython("python-old", "3.10.13", { oldEnough: false }) }),
      `python build: ${join(dir, "python-old")} is Python 3.10.13; the Python e2e program needs 3.11 or newer (set ROTOR_E2E_PYTHON3 to a newer one).\n`,
    ],
    [
      "a Python without venv",
      () => ({ ROTOR_E2E_PYTHON3: fakePython("python-no-venv", "3.11.2", { venv: false }) }),
      "python build: Python 3.11.2 has no venv or ensurepip module: install it (Debian: apt-get install python3-venv) and run again.\n",
    ],
  ];
  for (const [what, env, message] of cases) {
    it(`stops on ${what} with what to do, creating nothing`, () => {
      const r = build(env());
      assert.deepEqual(r, { code: 1, stderr: message, cache: [] });
    });
  }

  it("stops when PyPI cannot be reached, and removes the half-built venv", () => {
    // The real python3 (the e2e suite needs one anyway), an index nothing listens on, no retries, no pip cache.
    const r = build({ PIP_INDEX_URL: "http://127.0.0.1:9/simple", PIP_RETRIES: "0", PIP_NO_CACHE_DIR: "1" });
    assert.equal(r.code, 1);
    const last = r.stderr.trim().split("\n").pop();
    assert.equal(
      last,
      `python build: pip could not install ${REQUIREMENTS}; its output is above. Is PyPI reachable? A hash mismatch means requirements.txt lists no wheel for this platform: add it to e2e/python/lock.py and run 'python3 e2e/python/lock.py'.`,
    );
    assert.match(r.stderr, /No matching distribution found for /);
    assert.deepEqual(r.cache, []);
  });
});
