/**
 * The tests' own Kubernetes client: a few lines over node:https with the admin's client certificate (or a
 * bearer token). Deliberately not rotor's recycler client, so that what the tests observe does not depend on
 * the code under test. Responses keep their status code, body and `Warning` headers.
 */
import { request } from "node:https";
import { readFileSync } from "node:fs";

export interface Credentials {
  readonly server: string;
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly token?: string;
}

export interface Response<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly text: string;
  readonly warnings: readonly string[];
}

export type WatchEvent<T> = { readonly type: string; readonly object: T };

export class Kube {
  constructor(readonly credentials: Credentials) {}

  static fromFiles(server: string, caFile: string, certFile: string, keyFile: string): Kube {
    return new Kube({
      server,
      ca: readFileSync(caFile, "utf8"),
      cert: readFileSync(certFile, "utf8"),
      key: readFileSync(keyFile, "utf8"),
    });
  }

  withToken(token: string): Kube {
    return new Kube({ server: this.credentials.server, ca: this.credentials.ca, token });
  }

  private options(method: string, path: string, headers: Record<string, string>) {
    const url = new URL(path, this.credentials.server);
    const c = this.credentials;
    return {
      method,
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      ca: c.ca,
      ...(c.cert ? { cert: c.cert } : {}),
      ...(c.key ? { key: c.key } : {}),
      headers: {
        Accept: "application/json",
        ...(c.token ? { Authorization: `Bearer ${c.token}` } : {}),
        ...headers,
      },
      timeout: 60_000,
    };
  }

  /** One request; never throws for an HTTP status (the caller asserts it). */
  send<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<Response<T>> {
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers: Record<string, string> = payload === undefined ? {} : { "Content-Type": contentType };
    return new Promise((resolve, reject) => {
      const req = request(this.options(method, path, headers), (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // Not JSON (for example /readyz): keep the text.
          }
          const w = res.headers.warning;
          resolve({
            status: res.statusCode ?? 0,
            body: parsed as T,
            text,
            warnings: w === undefined ? [] : Array.isArray(w) ? w : [w],
          });
        });
        res.on("error", reject);
      });
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} did not answer within 60 s`)));
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** A request that must succeed (2xx); throws with the server's message otherwise. */
  async must<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const res = await this.send<T>(method, path, body, contentType);
    if (res.status < 200 || res.status >= 300) {
      throw new Error(`${method} ${path}: ${res.status} ${res.text.slice(0, 500)}`);
    }
    return res.body;
  }

  get<T = unknown>(path: string): Promise<T> {
    return this.must<T>("GET", path);
  }

  /** Server-side apply of one object, as `kubectl apply --server-side` does. */
  apply<T = unknown>(path: string, object: unknown, fieldManager = "rotor-e2e"): Promise<T> {
    return this.must<T>(
      "PATCH",
      `${path}?fieldManager=${fieldManager}&force=true`,
      object,
      "application/apply-patch+yaml",
    );
  }

  mergePatch<T = unknown>(path: string, patch: unknown): Promise<T> {
    return this.must<T>("PATCH", path, patch, "application/merge-patch+json");
  }

  /**
   * Watches `path` (a collection, optionally with a selector in its query) from `resourceVersion`, calling
   * `onEvent` for each event until `stop()`.
   */
  watch<T>(
    path: string,
    resourceVersion: string,
    onEvent: (e: WatchEvent<T>) => void,
    onEnd?: (why: string) => void,
  ): { stop: () => void } {
    const sep = path.includes("?") ? "&" : "?";
    const full = `${path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${resourceVersion}`;
    let stopped = false;
    const req = request({ ...this.options("GET", full, {}), timeout: 0 }, (res) => {
      let buf = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) onEvent(JSON.parse(line) as WatchEvent<T>);
        }
      });
      res.on("end", () => {
        if (!stopped) onEnd?.("watch closed by the server");
      });
    });
    req.on("error", (e) => {
      if (!stopped) onEnd?.(e.message);
    });
    req.end();
    return {
      stop: () => {
        stopped = true;
        req.destroy();
      },
    };
  }
}

/** Polls `probe` every `intervalMs` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not reached within ${timeoutMs / 1000} s${last ? ` (last error: ${last instanceof Error ? last.message : JSON.stringify(last)})` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
