import { stringify } from "yaml";

/** A catalog of `count` apps that vary the way real ones do: ports, probes, replicas, rotation settings. */
export function syntheticCatalog(count: number): string {
  const apps: Record<string, unknown> = {};
  for (let i = 0; i < count; i++) {
    apps[`app-${String(i).padStart(4, "0")}`] = {
      image: `registry.example.com/team-${i % 17}/app-${i}:1.${i % 10}.${i % 7}`,
      replicas: 2 + (i % 4),
      ports: [
        { name: "http", containerPort: 8080, servicePort: 80 },
        ...(i % 3 === 0 ? [{ name: "metrics", containerPort: 9090 }] : []),
      ],
      readinessProbe: { httpGet: { path: "/ready", port: "http" }, periodSeconds: 5 },
      env: { APP_INDEX: String(i), LOG_LEVEL: i % 2 === 0 ? "info" : "debug" },
      rotation: {
        ...(process.env.ROTOR_BENCH_NO_RECYCLER ? { enabled: false } : {}),
        maxAge: ["12h", "24h", "48h"][i % 3],
        ...(i % 5 === 0 ? { windows: ["Mon-Fri 08:00-20:00"], timeZone: "Europe/Berlin" } : {}),
      },
    };
  }
  return stringify({ apiVersion: "rotor.dev/v1alpha1", kind: "Catalog", namespace: "bench", apps });
}
