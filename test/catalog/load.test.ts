import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { CatalogError, loadEnvironment, loadEnvironmentByName } from "../../catalog";
import { withOwnReplicaChoice } from "../../catalog/load";

const dir = "test/fixtures/catalog";

/** The error a catalog load throws, as the lines a user sees. */
function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof CatalogError, String(error));
    return error.message
      .split("\n")
      .slice(1)
      .map((line) => line.trim());
  }
  assert.fail("the catalog loaded, but it is invalid");
}

describe("catalog: invalid files, every problem reported with file:line:col, path, rule and fix", () => {
  const cases: [string, string[]][] = [
    [
      "syntax-error",
      [
        `${dir}/syntax-error.yaml:7:12: is not valid YAML: the "[" that starts a list here is never closed. Add the missing "]".`,
      ],
    ],
    [
      "unclosed-quote",
      [
        `${dir}/unclosed-quote.yaml:6:12: is not valid YAML: the quote (") that starts a quoted value here is never closed. Add the closing quote.`,
      ],
    ],
    ["wrong-type", [`${dir}/wrong-type.yaml:7:5: apps.web.replicas ("three") must be a number.`]],
    [
      "max-age-number",
      [
        `${dir}/max-age-number.yaml:10:7: apps.web.rotation.maxAge (0) must be a whole number of days, hours, minutes and seconds in that order, like 90s, 15m, 24h, 7d or 1d12h.`,
      ],
    ],
    [
      "unknown-key",
      [
        `${dir}/unknown-key.yaml:11:7: apps.web.rotation.shedule is not a known field: did you mean "schedule"?`,
      ],
    ],
    [
      "impossible",
      [
        `${dir}/impossible.yaml:11:7: apps.web.disruptionBudget.minAvailable (3) allows no voluntary disruption with 3 replicas: every eviction is refused, so rotation and node drains block forever. Use at most 2, or maxUnavailable: 1.`,
      ],
    ],
    [
      "empty",
      [
        `${dir}/empty.yaml:1:1: is empty. A catalog file starts with apiVersion: rotor.dev/v1alpha1, kind: Catalog and lists apps.`,
      ],
    ],
    [
      "missing-base",
      [
        `${dir}/missing-base.yaml:3:1: extends ("no-such-base.yaml") names ${dir}/no-such-base.yaml, which does not exist. Fix the path: it is relative to the file that extends it.`,
      ],
    ],
    [
      "missing-base-apps",
      [
        `${dir}/missing-base-apps.yaml:3:1: extends ("no-such-base.yaml") names ${dir}/no-such-base.yaml, which does not exist. Fix the path: it is relative to the file that extends it.`,
      ],
    ],
    [
      "capacity",
      [
        `${dir}/capacity.yaml:6:3: apps.web.rotation.schedule ("0 * * * *") cannot keep up: it allows 15 rotations a week inside the windows (15 runs × maxRotationsPerRun 1), but 6 pods with maxAge 24h need 42. Run more often, widen the windows, raise maxRotationsPerRun or lengthen maxAge. Inherited from defaults.rotation.schedule at ${dir}/capacity-base.yaml:6:5.`,
      ],
    ],
    [
      "disable-typo",
      [
        `${dir}/disable-typo.yaml:6:3: apps.legcy sets enabled: false, but no file of this environment (${dir}/valid-base.yaml, ${dir}/disable-typo.yaml) declares an app "legcy", so it disables nothing: almost certainly a typo. Did you mean "legacy"?`,
      ],
    ],
    [
      "cycle-a",
      [
        `${dir}/cycle-b.yaml:3:1: extends ("cycle-a.yaml") makes a cycle: ${dir}/cycle-a.yaml -> ${dir}/cycle-b.yaml -> ${dir}/cycle-a.yaml. Remove one extends.`,
      ],
    ],
    [
      "no-namespace",
      [
        `${dir}/no-namespace.yaml:1:1: namespace is required: set namespace: <name> in ${dir}/no-namespace.yaml or in a file it extends, so every app has a namespace.`,
      ],
    ],
    [
      "no-apps",
      [
        `${dir}/no-apps.yaml:1:1: apps is empty: the environment deploys nothing. Add at least one app under apps.`,
      ],
    ],
    [
      "duplicate-key",
      [
        `${dir}/duplicate-key.yaml:7:5: apps.web.image is written twice (first at line 6): YAML keys must be unique, and the second would replace the first. Keep one of them.`,
      ],
    ],
    [
      "duplicate-app",
      [
        `${dir}/duplicate-app.yaml:13:3: apps.web is written twice (first at line 5): YAML keys must be unique, and the second would replace the first. Keep one of them.`,
      ],
    ],
    [
      "alias-bomb",
      [
        `${dir}/alias-bomb.yaml:7:8: expands its YAML aliases into too much data (an alias bomb), so it was not read. Write the values out, or use fewer nested aliases.`,
      ],
    ],
    [
      "two-documents",
      [`${dir}/two-documents.yaml:9:1: holds more than one YAML document. Keep one catalog per file.`],
    ],
    [
      "wrong-version",
      [`${dir}/wrong-version.yaml:1:1: apiVersion ("rotor.dev/v2") must be "rotor.dev/v1alpha1".`],
    ],
    [
      "many",
      [
        `${dir}/many-base.yaml:5:5: defaults.rotation.maxAge ("4m") must be at least 5m: pods need time to become Ready. Use a longer maxAge.`,
        `${dir}/many-base.yaml:8:5: apps.web.image ("ghcr.io/acme/web") must be pinned to a version tag or digest: every rotated pod pulls the image again, so a moving tag like latest would silently upgrade the app. Use e.g. "ghcr.io/acme/web:1.2.3".`,
        `${dir}/many-base.yaml:11:11: apps.web.ports[1].name ("http") is already used by ports[0]; port names must be unique. Rename one of them.`,
        `${dir}/many-base.yaml:12:3: apps.api.image is required. Add image: <registry>/<repository>:<version tag>.`,
        `${dir}/many-base.yaml:14:11: apps.api.ports[0].name ("HTTP") must be lowercase letters, digits and '-', starting and ending with a letter or digit.`,
        `${dir}/many-base.yaml:14:23: apps.api.ports[0].containerPort (70000) must be at most 65535.`,
        `${dir}/many.yaml:8:5: apps.web.replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.`,
        `${dir}/many.yaml:10:32: apps.web.readinessProbe.httpGet.port ("admin") names no port of this app. Use one of "http" or a port number.`,
        `${dir}/many.yaml:13:7: apps.web.rotation.timeZone ("europe/berlin") has the wrong letter case: write "Europe/Berlin".`,
        `${dir}/many.yaml:14:17: apps.web.rotation.windows[0] ("Mon-Fri 9-17") must be days then a time range, like "Mon-Fri 09:00-17:00" or "Sat,Sun 00:00-24:00" (days Mon..Sun, 24-hour times, an end before the start runs past midnight).`,
        `${dir}/many.yaml:15:3: apps.Bad_Name app name "Bad_Name" is not valid: use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 43 characters (the name becomes object names, and "<name>-recycler" names a CronJob, limited to 52). Rename the app.`,
      ],
    ],
  ];
  for (const [name, expected] of cases) {
    it(name, () =>
      assert.deepEqual(
        problemsOf(() => loadEnvironment(`${dir}/${name}.yaml`)),
        expected,
      ),
    );
  }

  it("a missing file", () => {
    assert.deepEqual(
      problemsOf(() => loadEnvironment(`${dir}/nope.yaml`)),
      [`${dir}/nope.yaml: does not exist. Check the path.`],
    );
  });

  it("an unknown environment lists the deployable ones", () => {
    assert.deepEqual(
      problemsOf(() => loadEnvironmentByName("environments", "qa")),
      [
        'environments/qa.yaml: environment "qa" has no catalog file. Known environments: dev, prod, staging. Create environments/qa.yaml or pick an existing environment.',
      ],
    );
  });

  it("a catalog directory that does not exist is named as such, not as a missing environment", () => {
    assert.deepEqual(
      problemsOf(() => loadEnvironmentByName(`${dir}/nonexistent`, "dev")),
      [
        `${dir}/nonexistent: does not exist, so it holds no catalog for environment "dev". Point --catalog-dir (or the stack's rotor:catalogDir) at the directory with the catalog files.`,
      ],
    );
    assert.deepEqual(
      problemsOf(() => loadEnvironmentByName(`${dir}/empty.yaml`, "dev")),
      [
        `${dir}/empty.yaml: is not a directory, so it holds no catalog for environment "dev". Point --catalog-dir (or the stack's rotor:catalogDir) at the directory with the catalog files.`,
      ],
    );
  });

  it("the summary line counts the problems", () => {
    assert.throws(
      () => loadEnvironment(`${dir}/many.yaml`),
      /^CatalogError: catalog test\/fixtures\/catalog\/many\.yaml has 11 problems:\n/,
    );
  });
});

describe("catalog: files that are not catalogs are refused before they are parsed", () => {
  const tmp = mkdtempSync(join(tmpdir(), "rotor-catalog-"));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const head = "apiVersion: rotor.dev/v1alpha1\nkind: Catalog\nnamespace: shop\n";

  it("a binary file", () => {
    writeFileSync(join(tmp, "binary.yaml"), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00]));
    assert.deepEqual(
      problemsOf(() => loadEnvironment(join(tmp, "binary.yaml"))),
      [`${tmp}/binary.yaml: is a binary file (it contains NUL bytes), not YAML or JSON.`],
    );
  });

  it("a binary file in the extends chain is named itself", () => {
    writeFileSync(join(tmp, "on-binary.yaml"), `${head}extends: binary.yaml\n`);
    assert.deepEqual(
      problemsOf(() => loadEnvironment(join(tmp, "on-binary.yaml"))),
      [`${tmp}/binary.yaml: is a binary file (it contains NUL bytes), not YAML or JSON.`],
    );
  });

  it("a UTF-16 file", () => {
    writeFileSync(
      join(tmp, "utf16.yaml"),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(head, "utf16le")]),
    );
    assert.deepEqual(
      problemsOf(() => loadEnvironment(join(tmp, "utf16.yaml"))),
      [`${tmp}/utf16.yaml: is UTF-16 encoded; save it as UTF-8.`],
    );
  });

  it("a file over the 16 MiB limit, without reading it", () => {
    // Sparse: the size is what is checked, before a single byte is read.
    writeFileSync(join(tmp, "huge.yaml"), "");
    truncateSync(join(tmp, "huge.yaml"), 17 * 1024 * 1024);
    assert.deepEqual(
      problemsOf(() => loadEnvironment(join(tmp, "huge.yaml"))),
      [
        `${tmp}/huge.yaml: is 17 MiB, over the 16 MiB limit for one catalog file. Split its apps over several files that extend one another.`,
      ],
    );
  });

  it("a lower limit, as the loader's caller sets it", () => {
    writeFileSync(join(tmp, "small.yaml"), `${head}apps: {}\n${"#".repeat(1024 * 1024)}\n`);
    assert.deepEqual(
      problemsOf(() => loadEnvironment(join(tmp, "small.yaml"), { maxFileBytes: 512 * 1024 })),
      [
        `${tmp}/small.yaml: is 1 MiB, over the 0.5 MiB limit for one catalog file. Split its apps over several files that extend one another.`,
      ],
    );
  });

  it("a directory where the environment's file should be", () => {
    mkdirSync(join(tmp, "envs", "x.yaml"), { recursive: true });
    assert.deepEqual(
      problemsOf(() => loadEnvironmentByName(join(tmp, "envs"), "x")),
      [`${tmp}/envs/x.yaml: is a directory, not a file. Check the path.`],
    );
  });
});

describe("catalog: merging a base with an environment", () => {
  const env = loadEnvironment(`${dir}/valid-overlay.yaml`);
  const web = env.apps.find((a) => a.name === "web")?.spec;
  const api = env.apps.find((a) => a.name === "api")?.spec;

  it("reads the chain base first and names the environment after its file", () => {
    assert.equal(env.name, "valid-overlay");
    assert.deepEqual(env.files, [`${dir}/valid-base.yaml`, `${dir}/valid-overlay.yaml`]);
    assert.equal(env.namespace, "team-a");
    assert.equal(env.createNamespace, false);
  });

  it("drops apps an environment disables and sorts the rest by name", () => {
    assert.deepEqual(
      env.apps.map((a) => a.name),
      ["api", "web"],
    );
  });

  it("merges mappings key by key and replaces lists whole", () => {
    assert.deepEqual(web?.env, [
      ["A", "base"],
      ["B", "overlay"],
      ["C", "overlay"],
    ]);
    assert.deepEqual(web?.ports, [{ name: "http", containerPort: 8081, servicePort: 8081, protocol: "TCP" }]);
  });

  it("lets an app's own settings win over defaults from any layer", () => {
    assert.equal(web?.replicas, 4);
    assert.equal(api?.replicas, 3);
    assert.equal(web?.rotation.maxAge, "12h");
    assert.equal(api?.rotation.maxAge, "24h");
    assert.equal(web?.rotation.timeZone, "Europe/Berlin");
    assert.equal(api?.namespace, "team-b");
    assert.equal(web?.namespace, "team-a");
  });

  it("keeps the merged entry as the component's args", () => {
    assert.deepEqual(env.apps.find((a) => a.name === "api")?.input, {
      replicas: 3,
      rotation: { maxAge: "24h", timeZone: "Europe/Berlin" },
      namespace: "team-b",
      image: "ghcr.io/acme/api:2.0.0",
      ports: [{ name: "grpc", containerPort: 9090 }],
    });
  });
});

describe("catalog: replicas or autoscaling", () => {
  it("drops the defaults' replicas for an app that autoscales, and keeps them for the others", () => {
    const env = loadEnvironmentByName(dir, "autoscaling");
    const byName = Object.fromEntries(env.apps.map((a) => [a.name, a]));
    assert.equal(byName.web?.input.replicas, undefined);
    assert.deepEqual(byName.web?.spec.autoscaling, {
      minReplicas: 2,
      maxReplicas: 6,
      targetCPUUtilizationPercentage: 70,
    });
    assert.equal(byName.api?.input.replicas, 3);
    assert.equal(byName.api?.spec.autoscaling, undefined);
  });

  it("drops the defaults' autoscaling for an app that sets its own replicas", () => {
    assert.deepEqual(
      withOwnReplicaChoice({ replicas: 5, autoscaling: { minReplicas: 2, maxReplicas: 4 } }, [
        { replicas: 5 },
      ]),
      { replicas: 5 },
    );
  });

  it("refuses replicas and autoscaling in the app's own entry, where they are written", () => {
    const root = mkdtempSync(join(tmpdir(), "rotor-catalog-"));
    writeFileSync(
      join(root, "both.yaml"),
      [
        "apiVersion: rotor.dev/v1alpha1",
        "kind: Catalog",
        "namespace: shop",
        "apps:",
        "  web:",
        "    image: ghcr.io/acme/web:1.0.0",
        "    ports: [{ name: http, containerPort: 8080 }]",
        "    replicas: 4",
        "    autoscaling: { minReplicas: 2, maxReplicas: 6 }",
        "",
      ].join("\n"),
    );
    assert.deepEqual(
      problemsOf(() => loadEnvironmentByName(root, "both")),
      [
        `${root}/both.yaml:8:5: apps.web.replicas (4) is set together with autoscaling: the HorizontalPodAutoscaler owns the replica count, and a Deployment that sets spec.replicas fights it on every apply (server-side apply conflicts on .spec.replicas). Remove replicas, or remove autoscaling.`,
      ],
    );
  });
});

describe("catalog: shipped environments", () => {
  for (const name of ["dev", "staging", "prod"]) {
    it(`${name} loads without problems`, () => {
      const env = loadEnvironmentByName("environments", name);
      assert.equal(env.namespace, `shop-${name}`);
      assert.deepEqual(
        env.apps.map((a) => a.name),
        ["catalog-api", "order-worker", "storefront"],
      );
    });
  }

  it("rotate differently per environment", () => {
    const rotation = (env: string) =>
      loadEnvironmentByName("environments", env).apps.map((a) => [
        a.name,
        a.spec.rotation.maxAge,
        a.spec.rotation.schedule,
        a.spec.rotation.timeZone,
        a.spec.rotation.windows.join(" "),
        a.spec.rotation.maxRotationsPerRun,
      ]);
    assert.deepEqual(rotation("dev"), [
      ["catalog-api", "6h", "*/10 * * * *", "Etc/UTC", "", 1],
      ["order-worker", "6h", "*/10 * * * *", "Etc/UTC", "", 1],
      ["storefront", "6h", "*/10 * * * *", "Etc/UTC", "", 1],
    ]);
    assert.deepEqual(rotation("staging"), [
      ["catalog-api", "24h", "*/15 * * * *", "Europe/Berlin", "Mon-Fri 07:00-19:00", 1],
      ["order-worker", "24h", "*/15 * * * *", "Europe/Berlin", "Mon-Fri 07:00-19:00", 1],
      ["storefront", "24h", "*/15 * * * *", "Europe/Berlin", "Mon-Fri 07:00-19:00", 1],
    ]);
    assert.deepEqual(rotation("prod"), [
      ["catalog-api", "48h", "*/20 * * * 1-4", "America/New_York", "Mon-Thu 09:00-16:00", 2],
      ["order-worker", "48h", "*/20 * * * 1-4", "America/New_York", "Mon-Thu 09:00-16:00", 1],
      ["storefront", "48h", "*/20 * * * 1-4", "America/New_York", "Mon-Thu 09:00-16:00", 2],
    ]);
  });
});
