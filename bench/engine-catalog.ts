import { stringify } from "yaml";

/**
 * The catalogs `npm run bench -- engine` deploys with the real Pulumi engine: an environment in the shipped format
 * (environments/*.yaml), a `base.yaml` with the apps and an environment file that extends it, its apps in teams
 * of {@link APPS_PER_NAMESPACE}, one namespace per team (10 apps: 1 namespace, 100: 4, 1,000: 40).
 *
 * Sized for the e2e control plane's fake nodes (110 pods each, see e2e/harness/kwok-config.ts): every app runs 2
 * replicas with small requests, so 1,000 apps are 2,000 pods on {@link nodesFor} nodes. Their recyclers are
 * suspended: a CronJob firing mid-run would start 1,000 Jobs, which is the recycler's cost, not the engine's.
 * `minReadySeconds: 0`: the provider awaits every Deployment until Available, and the bench measures the engine,
 * not a wait the catalog chooses.
 */

/** Apps per namespace: a team's worth. */
export const APPS_PER_NAMESPACE = 25;

/** The environment the generated catalog defines (`<dir>/<ENVIRONMENT>.yaml`). */
export const ENVIRONMENT = "bench";

const REPLICAS = 2;
const PODS_PER_NODE = 110;

export interface EngineCatalog {
  /** File name → content, to write into one directory. */
  readonly files: Readonly<Record<string, string>>;
  readonly namespaces: readonly string[];
  /** What `pulumi up` creates: the stack, the provider, 3 per namespace and 10 per app. */
  readonly resources: number;
  readonly pods: number;
}

/** A catalog of `apps` apps whose namespaces start with `prefix` (one prefix per size keeps sizes apart). */
export function engineCatalog(apps: number, prefix: string): EngineCatalog {
  const namespaces = Array.from(
    { length: Math.ceil(apps / APPS_PER_NAMESPACE) },
    (_, t) => `${prefix}-team-${String(t).padStart(2, "0")}`,
  );
  const entries: Record<string, unknown> = {};
  for (let i = 0; i < apps; i++) {
    const team = Math.floor(i / APPS_PER_NAMESPACE);
    entries[`app-${String(i).padStart(4, "0")}`] = {
      image: `registry.example.com/team-${team}/app-${i}:1.${i % 10}.${i % 7}`,
      namespace: namespaces[team],
      ports: [
        { name: "http", containerPort: 8080, servicePort: 80 },
        ...(i % 3 === 0 ? [{ name: "metrics", containerPort: 9090 }] : []),
      ],
      env: { APP_INDEX: String(i), LOG_LEVEL: i % 2 === 0 ? "info" : "debug" },
      rotation: { maxAge: ["12h", "24h", "48h"][i % 3] },
    };
  }
  const base = {
    apiVersion: "rotor.dev/v1alpha1",
    kind: "Catalog",
    description: `${apps} generated apps for npm run bench.`,
    defaults: {
      replicas: REPLICAS,
      minReadySeconds: 0,
      resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { memory: "32Mi" } },
      readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
      rotation: { schedule: "*/15 * * * *", suspend: true },
    },
    apps: entries,
  };
  const environment = {
    apiVersion: "rotor.dev/v1alpha1",
    kind: "Catalog",
    extends: "base.yaml",
    description: "The bench environment.",
    namespace: namespaces[0],
  };
  return {
    files: { "base.yaml": stringify(base), [`${ENVIRONMENT}.yaml`]: stringify(environment) },
    namespaces,
    resources: 2 + 3 * namespaces.length + 10 * apps,
    pods: REPLICAS * apps,
  };
}

/** Fake nodes with room for `pods` pods, and a spare one. */
export function nodesFor(pods: number): number {
  return Math.ceil(pods / PODS_PER_NODE) + 1;
}

/** The sizes to measure: ROTOR_BENCH_ENGINE_SIZES (`10,100`) when it is set, else 10, 100 and 1,000 apps. */
export function engineSizes(given: string | undefined): number[] {
  if (given === undefined || given.trim() === "") return [10, 100, 1000];
  const list = given.split(",").map((s) => Number(s.trim()));
  if (list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(
      `ROTOR_BENCH_ENGINE_SIZES="${given}": every size must be a whole number of apps, at least 1; write e.g. ROTOR_BENCH_ENGINE_SIZES=10,100`,
    );
  }
  return list;
}
