/**
 * A minimal Kubernetes client for the simulator's tests, shaped like the recycler's: every request goes
 * through `clock.withTimeout` (so a VirtualClock knows it is in flight and can time it out), watches are
 * read line by line and each wait for an event races `clock.sleep`.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { Clock } from "../../recycler/clock";
import type { KubeObject, Status } from "../../simulator";

export interface Response<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The parsed body (undefined when it is not JSON). */
  json: T;
}

export interface ClientOptions {
  url: string;
  token?: string;
  ca?: string;
  clock: Clock;
  /** @default 30000 */
  timeoutMs?: number;
}

export interface WatchEvent {
  type: string;
  object: KubeObject;
}

/** An open watch: `next(ms)` resolves with the next event, `"timeout"`, or `"closed"`. */
export interface Watch {
  readonly status: number;
  next(ms: number): Promise<WatchEvent | "timeout" | "closed">;
  close(): void;
}

export class TestClient {
  private readonly agent: http.Agent;

  constructor(private readonly options: ClientOptions) {
    const isTls = options.url.startsWith("https:");
    this.agent = isTls
      ? new https.Agent({ keepAlive: true, ca: options.ca, maxSockets: 8 })
      : new http.Agent({ keepAlive: true, maxSockets: 8 });
  }

  close(): void {
    this.agent.destroy();
  }

  private raw(
    method: string,
    path: string,
    body: unknown,
    contentType: string,
    signal: AbortSignal,
  ): Promise<http.IncomingMessage> {
    const url = new URL(path, this.options.url);
    const text = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { Accept: "application/json" };
    if (this.options.token !== undefined) headers.Authorization = `Bearer ${this.options.token}`;
    if (text !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = Buffer.byteLength(text);
    }
    const mod = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(url, { method, headers, agent: this.agent, signal }, resolve);
      req.on("error", reject);
      req.end(text);
    });
  }

  /** Sends a request and reads the whole answer, bounded by the clock. */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<Response<T>> {
    const controller = new AbortController();
    const op = (async () => {
      const res = await this.raw(method, path, body, contentType, controller.signal);
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.statusCode ?? 0, headers: res.headers, text, json: json as T };
    })();
    return this.options.clock.withTimeout(
      op,
      this.options.timeoutMs ?? 30_000,
      `${method} ${path}`,
      controller,
    );
  }

  get<T = unknown>(path: string): Promise<Response<T>> {
    return this.request<T>("GET", path);
  }

  post<T = unknown>(path: string, body: unknown): Promise<Response<T>> {
    return this.request<T>("POST", path, body);
  }

  put<T = unknown>(path: string, body: unknown): Promise<Response<T>> {
    return this.request<T>("PUT", path, body);
  }

  patch<T = unknown>(
    path: string,
    body: unknown,
    contentType = "application/merge-patch+json",
  ): Promise<Response<T>> {
    return this.request<T>("PATCH", path, body, contentType);
  }

  delete<T = unknown>(path: string, body?: unknown): Promise<Response<T>> {
    return this.request<T>("DELETE", path, body);
  }

  /** Evicts a pod through the policy/v1 Eviction subresource. */
  evict(namespace: string, name: string, dryRun = false): Promise<Response<Status>> {
    return this.post<Status>(
      `/api/v1/namespaces/${namespace}/pods/${name}/eviction${dryRun ? "?dryRun=All" : ""}`,
      {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name, namespace },
      },
    );
  }

  /** Opens a watch (the request itself is bounded by the clock; the stream is not). */
  async watch(path: string): Promise<Watch> {
    const controller = new AbortController();
    const clock = this.options.clock;
    const res = await clock.withTimeout(
      this.raw("GET", path, undefined, "", controller.signal),
      this.options.timeoutMs ?? 30_000,
      `watch ${path}`,
      controller,
    );
    const queue: WatchEvent[] = [];
    let closed = false;
    let wake: (() => void) | undefined;
    let buffer = "";
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      buffer += chunk;
      let i: number;
      while ((i = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        if (line.trim()) queue.push(JSON.parse(line) as WatchEvent);
      }
      wake?.();
    });
    const onEnd = () => {
      closed = true;
      wake?.();
    };
    res.on("end", onEnd);
    res.on("close", onEnd);
    res.on("error", onEnd);
    return {
      status: res.statusCode ?? 0,
      async next(ms: number) {
        const deadline = clock.now() + ms;
        for (;;) {
          if (queue.length > 0) return queue.shift()!;
          if (closed) return "closed";
          const remaining = deadline - clock.now();
          if (remaining <= 0) return "timeout";
          const stop = new AbortController();
          const arrived = new Promise<void>((resolve) => (wake = resolve));
          await Promise.race([arrived, clock.sleep(remaining, stop.signal)]);
          wake = undefined;
          stop.abort();
        }
      },
      close() {
        controller.abort();
        res.destroy();
      },
    };
  }
}
