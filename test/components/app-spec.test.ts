import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { resolveApp } from "../../components/app-spec";
import { formatProblem } from "../../components/problems";

const ok = { image: "ghcr.io/acme/web:1.2.3", ports: [{ name: "http", containerPort: 8080 }] };

/** Resolves `ok` patched with `patch` (undefined removes a field) and returns the problems as users read them. */
function problems(patch: Record<string, unknown>, name = "web"): string[] {
  const input: Record<string, unknown> = { ...ok, ...patch };
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return resolveApp(name, input).problems.map((p) => formatProblem(p));
}

describe("app validation: each rule refuses with field, value, rule and fix", () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    [
      "untagged image",
      { image: "ghcr.io/acme/web" },
      [
        'image ("ghcr.io/acme/web") must be pinned to a version tag or digest: every rotated pod pulls the image again, so a moving tag like latest would silently upgrade the app. Use e.g. "ghcr.io/acme/web:1.2.3".',
      ],
    ],
    [
      "latest image",
      { image: "nginx:latest" },
      [
        'image ("nginx:latest") must be pinned to a version tag or digest: every rotated pod pulls the image again, so a moving tag like latest would silently upgrade the app. Use e.g. "nginx:1.2.3".',
      ],
    ],
    [
      "one replica",
      { replicas: 1 },
      [
        "replicas (1) must be at least 2 for zero-downtime rotation: evicting the only pod leaves nothing to serve. Use 2 or more replicas, or set rotation.strategy: restart to start a new pod before the old one stops.",
      ],
    ],
    [
      "no surge, no unavailable",
      { maxSurge: 0 },
      [
        "maxSurge (0) together with maxUnavailable 0 leaves a rolling update no way to progress. Use maxSurge: 1.",
      ],
    ],
    [
      "one replica restart without surge",
      { replicas: 1, maxSurge: 0, maxUnavailable: 1, rotation: { strategy: "restart" } },
      [
        "maxSurge (0) must be at least 1 for a single replica: the restart strategy needs a surge pod to stay up. Use maxSurge: 1.",
      ],
    ],
    [
      "budget both",
      { disruptionBudget: { maxUnavailable: 1, minAvailable: 1 } },
      [
        "disruptionBudget sets both maxUnavailable (1) and minAvailable (1); Kubernetes allows only one. Keep maxUnavailable.",
      ],
    ],
    [
      "budget minAvailable = replicas",
      { replicas: 3, disruptionBudget: { minAvailable: 3 } },
      [
        "disruptionBudget.minAvailable (3) allows no voluntary disruption with 3 replicas: every eviction is refused, so rotation and node drains block forever. Use at most 2, or maxUnavailable: 1.",
      ],
    ],
    [
      "budget maxUnavailable 0",
      { disruptionBudget: { maxUnavailable: 0 } },
      [
        "disruptionBudget.maxUnavailable (0) allows no voluntary disruption: every eviction is refused, so rotation and node drains block forever. Use maxUnavailable: 1.",
      ],
    ],
    [
      "budget maxUnavailable = replicas",
      { replicas: 2, disruptionBudget: { maxUnavailable: 2 } },
      [
        "disruptionBudget.maxUnavailable (2) lets all 2 replicas be evicted at once, which is downtime. Use at most 1.",
      ],
    ],
    [
      "rolling maxUnavailable > budget",
      { replicas: 4, maxUnavailable: 2 },
      [
        "maxUnavailable (2) takes more pods down during a rolling update than the disruption budget allows (1). Use maxUnavailable: 0 with maxSurge: 1, or at most 1.",
      ],
    ],
    [
      "rolling maxUnavailable = replicas",
      { replicas: 2, maxUnavailable: 2, disruptionBudget: { minAvailable: 0 } },
      [
        "maxUnavailable (2) lets a rolling update stop all 2 replicas at once. Use maxUnavailable: 0 with maxSurge: 1.",
      ],
    ],
    [
      "grace <= preStop",
      { preStopSleepSeconds: 20, terminationGracePeriodSeconds: 20 },
      [
        "terminationGracePeriodSeconds (20) must be greater than preStopSleepSeconds (20): the grace period includes the pre-stop pause, so the process would be killed before it can shut down. Use at least 30.",
      ],
    ],
    [
      "bad quantity",
      { resources: { requests: { cpu: "lots" } } },
      [
        'resources.requests.cpu ("lots") must be a Kubernetes quantity like "250m" or "0.5" (CPU) or "128Mi" or "1Gi" (memory), above zero.',
      ],
    ],
    [
      "limit below request",
      { resources: { requests: { memory: "1Gi" }, limits: { memory: "512Mi" } } },
      [
        'resources.limits.memory ("512Mi") is below the request ("1Gi"); Kubernetes rejects such pods. Raise the limit or lower the request.',
      ],
    ],
    [
      "duplicate port name",
      {
        ports: [
          { name: "http", containerPort: 8080 },
          { name: "http", containerPort: 8081 },
        ],
      },
      ['ports[1].name ("http") is already used by ports[0]; port names must be unique. Rename one of them.'],
    ],
    [
      "duplicate service port",
      {
        ports: [
          { name: "http", containerPort: 8080, servicePort: 80 },
          { name: "alt", containerPort: 8081, servicePort: 80 },
        ],
      },
      [
        "ports[1].servicePort (80) is already exposed by ports[0] over TCP. Give each port its own servicePort.",
      ],
    ],
    [
      "udp only, no probe",
      { ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }] },
      [
        "readinessProbe is required: none was given and none can be derived, because no port speaks TCP. Add a readinessProbe (exec or grpc) so traffic only reaches pods that are ready.",
      ],
    ],
    [
      "probe without handler",
      { readinessProbe: { periodSeconds: 5 } },
      ["readinessProbe has no handler. Set exactly one of httpGet, tcpSocket, grpc or exec."],
    ],
    [
      "probe with two handlers",
      { readinessProbe: { tcpSocket: { port: "http" }, exec: { command: ["true"] } } },
      ["readinessProbe has 2 handlers (tcpSocket, exec); Kubernetes allows exactly one. Keep one of them."],
    ],
    [
      "probe names unknown port",
      { livenessProbe: { httpGet: { path: "/live", port: "admin" } } },
      ['livenessProbe.httpGet.port ("admin") names no port of this app. Use one of "http" or a port number.'],
    ],
    ["unknown field", { replica: 3 }, ['replica is not a known field: did you mean "replicas"?']],
    ["wrong type", { replicas: "3" }, ['replicas ("3") must be a number. Write 3 without quotes.']],
    [
      "missing image and ports",
      { image: undefined, ports: undefined },
      [
        "image is required. Add image: <registry>/<repository>:<version tag>.",
        "ports is required. Add ports, e.g. [{ name: http, containerPort: 8080 }].",
      ],
    ],
    [
      "empty ports",
      { ports: [] },
      ["ports must have at least 1 item. Add ports, e.g. [{ name: http, containerPort: 8080 }]."],
    ],
    [
      "bad enum",
      { serviceType: "Ingress" },
      ['serviceType ("Ingress") must be one of "ClusterIP", "NodePort", "LoadBalancer".'],
    ],
    [
      "bad env name",
      { env: { "1X": "y" } },
      [
        "env[\"1X\"] is not a valid name: it must be a valid environment variable name (letters, digits, '_', '-', '.'; not starting with a digit).",
      ],
    ],
    [
      "maxAge format",
      { rotation: { maxAge: "1 day" } },
      [
        'rotation.maxAge ("1 day") must be a whole number of days, hours, minutes and seconds in that order, like 90s, 15m, 24h, 7d or 1d12h.',
      ],
    ],
    [
      "maxAge too short",
      { rotation: { maxAge: "4m" } },
      ['rotation.maxAge ("4m") must be at least 5m: pods need time to become Ready. Use a longer maxAge.'],
    ],
    [
      "jitter too big",
      { rotation: { maxAge: "24h", jitter: "13h" } },
      [
        'rotation.jitter ("13h") must be at most half of maxAge (12h): more would let pods outlive maxAge by over 50%. Use a smaller jitter.',
      ],
    ],
    [
      "full rotation",
      { replicas: 10, rotation: { maxAge: "1h", readyTimeout: "10m" } },
      [
        'rotation.maxAge ("1h") is shorter than a full rotation can take: 10 pods, one at a time, each allowed readyTimeout 10m, need up to 1h40m, so pods would be due again before the last one is replaced. Use a maxAge of at least 1h40m or a shorter readyTimeout.',
        'rotation.schedule ("*/15 * * * *") cannot keep up: it allows 672 rotations a week inside the windows (672 runs × maxRotationsPerRun 1), but 10 pods with maxAge 1h need 1680. Run more often, widen the windows, raise maxRotationsPerRun or lengthen maxAge.',
      ],
    ],
    [
      "readyTimeout too short",
      { rotation: { readyTimeout: "10s" } },
      [
        'rotation.readyTimeout ("10s") must be at least 30s: replacements need time to pull, start and pass readiness. Use a longer readyTimeout.',
      ],
    ],
    [
      "schedule fields",
      { rotation: { schedule: "*/5 * * *" } },
      [
        'rotation.schedule ("*/5 * * *") must be a five-field cron expression (minute hour day-of-month month day-of-week) like "*/15 * * * *", or @hourly, @daily, @weekly, @monthly, @yearly; it has 4 fields.',
      ],
    ],
    [
      "schedule L",
      { rotation: { schedule: "0 3 L * *" } },
      [
        'rotation.schedule ("0 3 L * *") must be a five-field cron expression (minute hour day-of-month month day-of-week) like "*/15 * * * *", or @hourly, @daily, @weekly, @monthly, @yearly; L, W and # are not supported by Kubernetes.',
      ],
    ],
    [
      "schedule dow 7",
      { rotation: { schedule: "0 3 * * 7" } },
      [
        'rotation.schedule ("0 3 * * 7") has a day of week above 6: Kubernetes counts 0 (Sunday) to 6 (Saturday); write 0 for Sunday.',
      ],
    ],
    [
      "schedule TZ",
      { rotation: { schedule: "CRON_TZ=UTC 0 3 * * *" } },
      [
        'rotation.schedule ("CRON_TZ=UTC 0 3 * * *") must not set a time zone inside the expression: Kubernetes rejects TZ= and CRON_TZ=; use the timeZone field.',
      ],
    ],
    [
      "schedule @every",
      { rotation: { schedule: "@every 5m" } },
      [
        'rotation.schedule ("@every 5m") must be a five-field cron expression (minute hour day-of-month month day-of-week) like "*/15 * * * *", or @hourly, @daily, @weekly, @monthly, @yearly (@every is not supported by Kubernetes).',
      ],
    ],
    [
      "schedule never",
      { rotation: { schedule: "0 0 30 2 *" } },
      ['rotation.schedule ("0 0 30 2 *") never runs: no date matches it; check the day and month fields.'],
    ],
    [
      "schedule bad value",
      { rotation: { schedule: "61 * * * *" } },
      [
        'rotation.schedule ("61 * * * *") must be a five-field cron expression (minute hour day-of-month month day-of-week) like "*/15 * * * *", or @hourly, @daily, @weekly, @monthly, @yearly (Invalid value for minute: 61).',
      ],
    ],
    [
      "time zone unknown",
      { rotation: { timeZone: "Mars/Olympus" } },
      [
        'rotation.timeZone ("Mars/Olympus") is not an IANA time-zone name; use one like "Europe/Berlin", "America/New_York" or "Etc/UTC".',
      ],
    ],
    [
      "time zone Local",
      { rotation: { timeZone: "Local" } },
      [
        'rotation.timeZone ("Local") must be an IANA time-zone name like "Europe/Berlin" or "Etc/UTC" ("Local" is not allowed in Kubernetes).',
      ],
    ],
    [
      "window bad day",
      { rotation: { windows: ["Mo-Fr 09:00-17:00"] } },
      [
        'rotation.windows[0] ("Mo-Fr 09:00-17:00") has an unknown day "Mo-Fr": use Mon, Tue, Wed, Thu, Fri, Sat, Sun, ranges like Mon-Fri or lists like Sat,Sun.',
      ],
    ],
    [
      "window bad time",
      { rotation: { windows: ["Mon 25:00-26:00"] } },
      [
        'rotation.windows[0] ("Mon 25:00-26:00") has a time outside 00:00-24:00: hours run 00-23, minutes 00-59, and 24:00 is allowed only as an end.',
      ],
    ],
    [
      "window empty",
      { rotation: { windows: ["Mon 09:00-09:00"] } },
      [
        'rotation.windows[0] ("Mon 09:00-09:00") is empty: its start and end are the same time. Make the end later, or use 00:00-24:00 for the whole day.',
      ],
    ],
    [
      "window without run",
      { rotation: { schedule: "0 * * * *", windows: ["Mon-Fri 09:15-09:45"] } },
      [
        'rotation.windows[0] ("Mon-Fri 09:15-09:45") contains no run of schedule "0 * * * *" on Mon, Tue, Wed, Thu, Fri (Etc/UTC): the window is shorter than the schedule\'s period or misses its times. Run the schedule more often or widen the window.',
      ],
    ],
    [
      "cannot keep up",
      { replicas: 20, rotation: { maxAge: "24h", schedule: "0 3 * * *", windows: [] } },
      [
        'rotation.schedule ("0 3 * * *") cannot keep up: it allows 7 rotations a week inside the windows (7 runs × maxRotationsPerRun 1), but 20 pods with maxAge 24h need 140. Run more often, widen the windows, raise maxRotationsPerRun or lengthen maxAge.',
      ],
    ],
    [
      "autoscaling with replicas",
      { replicas: 4, autoscaling: { minReplicas: 2, maxReplicas: 6 } },
      [
        "replicas (4) is set together with autoscaling: the HorizontalPodAutoscaler owns the replica count, and a Deployment that sets spec.replicas fights it on every apply (server-side apply conflicts on .spec.replicas). Remove replicas, or remove autoscaling.",
      ],
    ],
    [
      "autoscaling down to one replica",
      { autoscaling: { minReplicas: 1, maxReplicas: 4 } },
      [
        "autoscaling.minReplicas (1) must be at least 2 for zero-downtime rotation: at one replica, evicting the only pod leaves nothing to serve. Use minReplicas: 2 or more, or set rotation.strategy: restart.",
      ],
    ],
    [
      "autoscaling maximum below minimum",
      { autoscaling: { minReplicas: 4, maxReplicas: 3 } },
      [
        "autoscaling.maxReplicas (3) is below autoscaling.minReplicas (4): the autoscaler could never run the minimum. Use maxReplicas: 4 or more.",
      ],
    ],
    [
      "autoscaling budget at the minimum",
      { autoscaling: { minReplicas: 3, maxReplicas: 10 }, disruptionBudget: { minAvailable: 3 } },
      [
        "disruptionBudget.minAvailable (3) allows no voluntary disruption with 3 replicas: every eviction is refused, so rotation and node drains block forever. Use at most 2, or maxUnavailable: 1.",
      ],
    ],
    [
      "rotation cannot keep up at the autoscaling maximum",
      {
        autoscaling: { minReplicas: 2, maxReplicas: 20 },
        rotation: { maxAge: "24h", schedule: "0 3 * * *", windows: [] },
      },
      [
        'rotation.schedule ("0 3 * * *") cannot keep up: it allows 7 rotations a week inside the windows (7 runs × maxRotationsPerRun 1), but 20 pods with maxAge 24h need 140. Run more often, widen the windows, raise maxRotationsPerRun or lengthen maxAge.',
      ],
    ],
    [
      "autoscaling without maxReplicas",
      { autoscaling: { minReplicas: 2 } },
      [
        "autoscaling.maxReplicas is required. Add the most replicas the autoscaler may run, e.g. maxReplicas: 6.",
      ],
    ],
    [
      "strategy enum",
      { rotation: { strategy: "delete" } },
      ['rotation.strategy ("delete") must be one of "evict", "restart".'],
    ],
  ];
  for (const [name, patch, expected] of cases) {
    it(name, () => assert.deepEqual(problems(patch), expected));
  }

  it("app name", () => {
    assert.deepEqual(problems({}, "Web"), [
      'app name "Web" is not valid: use lowercase letters, digits and \'-\', starting and ending with a letter or digit, at most 43 characters (the name becomes object names, and "<name>-recycler" names a CronJob, limited to 52). Rename the app.',
    ]);
  });
});

describe("app validation: the passing side of each rule", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["two replicas", { replicas: 2 }],
    ["autoscaling from two replicas", { autoscaling: { minReplicas: 2, maxReplicas: 2 } }],
    [
      "autoscaling from one replica with the restart strategy",
      { autoscaling: { minReplicas: 1, maxReplicas: 3 }, rotation: { strategy: "restart" } },
    ],
    ["one replica with the restart strategy", { replicas: 1, rotation: { strategy: "restart" } }],
    ["minAvailable below replicas", { replicas: 3, disruptionBudget: { minAvailable: 2 } }],
    ["maxUnavailable below replicas", { replicas: 3, disruptionBudget: { maxUnavailable: 2 } }],
    ["rolling maxUnavailable within the budget", { replicas: 4, maxUnavailable: 1 }],
    ["grace period above the pre-stop pause", { preStopSleepSeconds: 20, terminationGracePeriodSeconds: 21 }],
    [
      "limit equal to request",
      { resources: { requests: { memory: "1Gi" }, limits: { memory: "1024Mi", cpu: 2 } } },
    ],
    [
      "distinct ports",
      {
        ports: [
          { name: "http", containerPort: 8080 },
          { name: "metrics", containerPort: 9090 },
        ],
      },
    ],
    [
      "UDP port with an exec probe",
      {
        ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }],
        readinessProbe: { exec: { command: ["dig", "@127.0.0.1"] } },
      },
    ],
    ["probe on a numbered port", { readinessProbe: { httpGet: { path: "/ready", port: 8080 } } }],
    ["macro schedule", { rotation: { schedule: "@hourly" } }],
    ["Sunday as 0", { rotation: { schedule: "0 3 * * 0", maxAge: "7d", maxRotationsPerRun: 2 } }],
    ["names in the schedule", { rotation: { schedule: "*/30 * * * MON-FRI" } }],
    ["a window past midnight", { rotation: { windows: ["Sat,Sun 22:00-06:00"] } }],
    ["a whole day", { rotation: { windows: ["Mon-Sun 00:00-24:00"] } }],
    ["jitter of half maxAge", { rotation: { maxAge: "24h", jitter: "12h" } }],
    [
      "a digest-pinned image",
      { image: "ghcr.io/acme/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
    ],
  ];
  for (const [name, patch] of cases) {
    it(name, () => assert.deepEqual(problems(patch), []));
  }
});

describe("app defaults", () => {
  it("fills every field with the zero-downtime default", () => {
    const { spec, problems: found } = resolveApp("web", ok, "shop");
    assert.deepEqual(found, []);
    assert.deepEqual(spec, {
      name: "web",
      namespace: "shop",
      image: "ghcr.io/acme/web:1.2.3",
      version: "1.2.3",
      partOf: "web",
      replicas: 2,
      ports: [{ name: "http", containerPort: 8080, servicePort: 8080, protocol: "TCP" }],
      env: [],
      resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
      readinessProbe: { tcpSocket: { port: "http" }, periodSeconds: 5, failureThreshold: 3 },
      minReadySeconds: 10,
      maxSurge: 1,
      maxUnavailable: 0,
      preStopSleepSeconds: 5,
      terminationGracePeriodSeconds: 30,
      disruptionBudget: { maxUnavailable: 1 },
      unhealthyPodEvictionPolicy: "AlwaysAllow",
      topologySpread: { nodes: "ScheduleAnyway", zones: "ScheduleAnyway" },
      securityContext: { readOnlyRootFilesystem: true },
      automountServiceAccountToken: false,
      serviceType: "ClusterIP",
      labels: {},
      podAnnotations: {},
      rotation: {
        enabled: true,
        maxAge: "24h",
        maxAgeMs: 86_400_000,
        jitter: "2h24m",
        jitterMs: 8_640_000,
        schedule: "*/15 * * * *",
        timeZone: "Etc/UTC",
        windows: [],
        maxRotationsPerRun: 1,
        strategy: "evict",
        readyTimeout: "10m",
        readyTimeoutMs: 600_000,
        dryRun: false,
        suspend: false,
        image: "docker.io/library/node:24.11.1-alpine3.22",
      },
    });
  });

  it("plans budgets at the autoscaler's minimum and defaults its CPU target to 80 %", () => {
    const { spec } = resolveApp("web", { ...ok, autoscaling: { minReplicas: 3, maxReplicas: 9 } });
    assert.equal(spec?.replicas, 3);
    assert.deepEqual(spec?.autoscaling, {
      minReplicas: 3,
      maxReplicas: 9,
      targetCPUUtilizationPercentage: 80,
    });
    assert.equal(resolveApp("web", ok).spec?.autoscaling, undefined);
  });

  it("labels the version from the tag or the digest", () => {
    const tagged = resolveApp("web", { ...ok, image: "registry:5000/acme/web:2.1.0" }).spec;
    const pinned = resolveApp("web", { ...ok, image: "ghcr.io/acme/web@sha256:abcdef0123456789ff" }).spec;
    assert.equal(tagged?.version, "2.1.0");
    assert.equal(pinned?.version, "abcdef012345");
  });
});
