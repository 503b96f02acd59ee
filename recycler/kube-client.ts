/**
 * A small Kubernetes API client over `node:http`/`node:https` with keep-alive.
 *
 * Why hand-written: the recycler ships as one file inside a ConfigMap, and a bundled `@kubernetes/client-node`
 * is about 2 MB minified, over a ConfigMap's 1 MiB limit. The recycler needs a dozen calls (get, list, watch,
 * patch, update, create, the eviction subresource), JSON bodies and bearer or client-certificate auth; that is
 * a few hundred lines. Every request goes through `clock.withTimeout` and every backoff through `clock.sleep`,
 * so the client runs unchanged on the simulator's virtual clock.
 */
import * as http from "node:http";
import * as https from "node:https";
import type { Clock } from "./clock";
import type { Connection, Credentials } from "./connection";
import { ApiError, NetworkError, RetriesExhaustedError, classifyFailure, type Failure } from "./errors";
import type { Status, WatchEvent } from "./types";

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface RequestOptions {
  readonly query?: Query;
  readonly body?: unknown;
  /** Defaults to `application/json`; patches pass `application/merge-patch+json`. */
  readonly contentType?: string;
}

/** One request as the client saw it, for reports and tests. */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  /** The HTTP status, or 0 when there was no answer. */
  readonly status: number;
}

export interface RetryPolicy {
  /** Attempts in all, including the first. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** The longest Retry-After the client honours as given; longer ones are capped. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 6,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
};

export interface ClientOptions {
  /** Bound of one request (and of opening a watch). @default 30s */
  readonly requestTimeoutMs?: number;
  readonly userAgent?: string;
  readonly retry?: RetryPolicy;
}

/** An open watch; `close()` is idempotent. */
export interface WatchStream {
  close(): void;
}

export interface WatchHandlers<T> {
  onEvent(event: WatchEvent<T>): void;
  /** The stream ended: cleanly (`error` undefined, e.g. the server's timeout) or broken. Not called after close(). */
  onClose(error?: Error): void;
}

/** The delay before retry number `retry` (1-based) after `failure`: the server's Retry-After, else exponential. */
export function backoffDelay(retry: number, failure: Failure, policy: RetryPolicy = DEFAULT_RETRY): number {
  if (failure.retryAfterMs !== undefined && failure.kind === "throttled") {
    return Math.min(Math.max(failure.retryAfterMs, policy.baseDelayMs / 2), policy.maxRetryAfterMs);
  }
  const exponential = Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  return failure.retryAfterMs !== undefined
    ? Math.min(Math.max(exponential, failure.retryAfterMs), policy.maxRetryAfterMs)
    : exponential;
}

function buildPath(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function parseRetryAfter(header: string | string[] | undefined, now: number): number | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (text === undefined || text.trim() === "") return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim());
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

interface RawResponse {
  readonly statusCode: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export class KubeClient {
  /** Every HTTP request sent, including retries and watch opens. */
  requests = 0;
  readonly history: RequestRecord[] = [];
  private readonly agents = new Map<string, http.Agent>();
  private readonly watches = new Set<WatchStream>();
  private readonly server: URL;
  private readonly requestTimeoutMs: number;
  private readonly userAgent: string;
  readonly retry: RetryPolicy;
  /** Called before each retry, for logs. */
  onRetry?: (what: string, attempt: number, delayMs: number, failure: Failure) => void;

  constructor(
    readonly connection: Connection,
    readonly clock: Clock,
    options: ClientOptions = {},
  ) {
    this.server = new URL(connection.server);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.userAgent = options.userAgent ?? "rotor-recycler";
    this.retry = options.retry ?? DEFAULT_RETRY;
  }

  private agent(credentials: Credentials): http.Agent {
    const key = `${credentials.cert ?? ""}\u0000${credentials.key ?? ""}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent =
        this.server.protocol === "http:"
          ? new http.Agent({ keepAlive: true })
          : new https.Agent({
              keepAlive: true,
              ...(this.connection.ca !== undefined ? { ca: this.connection.ca } : {}),
              ...(credentials.cert !== undefined ? { cert: credentials.cert } : {}),
              ...(credentials.key !== undefined ? { key: credentials.key } : {}),
              rejectUnauthorized: this.connection.insecureSkipTlsVerify !== true,
              ...(this.connection.tlsServerName ? { servername: this.connection.tlsServerName } : {}),
            });
      this.agents.set(key, agent);
    }
    return agent;
  }

  private async open(
    method: string,
    path: string,
    body: string | undefined,
    contentType: string,
    controller: AbortController,
    accept: string,
  ): Promise<http.IncomingMessage> {
    const credentials = await this.connection.credentials();
    const headers: http.OutgoingHttpHeaders = { Accept: accept, "User-Agent": this.userAgent };
    if (credentials.token) headers.Authorization = `Bearer ${credentials.token}`;
    else if (credentials.basic) {
      headers.Authorization = `Basic ${Buffer.from(`${credentials.basic.username}:${credentials.basic.password}`).toString("base64")}`;
    }
    if (body !== undefined) {
      headers["Content-Type"] = contentType;
      headers["Content-Length"] = Buffer.byteLength(body);
    }
    const transport = this.server.protocol === "http:" ? http : https;
    const basePath = this.server.pathname.replace(/\/$/, "");
    this.requests++;
    return new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = transport.request(
        {
          protocol: this.server.protocol,
          hostname: this.server.hostname.replace(/^\[|\]$/g, ""),
          port: this.server.port || (this.server.protocol === "http:" ? 80 : 443),
          method,
          path: basePath + path,
          headers,
          agent: this.agent(credentials),
          signal: controller.signal,
        },
        resolve,
      );
      req.on("error", (error) => reject(new NetworkError(method, path, error)));
      req.end(body);
    });
  }

  /** Sends one request, once, bounded by the request timeout; throws ApiError for non-2xx answers. */
  async requestOnce<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const fullPath = buildPath(path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const controller = new AbortController();
    const exchange = (async (): Promise<RawResponse> => {
      const res = await this.open(
        method,
        fullPath,
        body,
        options.contentType ?? "application/json",
        controller,
        "application/json",
      );
      return new Promise<RawResponse>((resolve, reject) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            statusCode: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        res.on("error", (error) => reject(new NetworkError(method, fullPath, error)));
      });
    })();
    let raw: RawResponse;
    try {
      raw = await this.clock.withTimeout(
        exchange,
        this.requestTimeoutMs,
        `${method} ${fullPath}`,
        controller,
      );
    } catch (error) {
      this.history.push({ method, path: fullPath, status: 0 });
      throw error;
    }
    this.history.push({ method, path: fullPath, status: raw.statusCode });
    let parsed: unknown;
    try {
      parsed = raw.body === "" ? undefined : JSON.parse(raw.body);
    } catch {
      parsed = undefined;
    }
    if (raw.statusCode < 200 || raw.statusCode >= 300) {
      const status =
        parsed && typeof parsed === "object"
          ? (parsed as Status)
          : { message: raw.body.slice(0, 500), code: raw.statusCode };
      throw new ApiError(
        method,
        fullPath,
        raw.statusCode,
        status,
        parseRetryAfter(raw.headers["retry-after"], this.clock.now()),
      );
    }
    return parsed as T;
  }

  /**
   * Sends a request with bounded retries for throttling (honouring Retry-After), 5xx, timeouts and network
   * errors, and one credential refresh after a 401. Other failures are thrown at once.
   */
  async request<T>(
    method: string,
    path: string,
    options: RequestOptions = {},
    policy: RetryPolicy = this.retry,
  ): Promise<T> {
    return this.retrying(`${method} ${path}`, () => this.requestOnce<T>(method, path, options), policy);
  }

  /** Runs `attempt` until it succeeds, a failure is not retriable, or the policy's attempts run out. */
  async retrying<T>(what: string, attempt: () => Promise<T>, policy: RetryPolicy = this.retry): Promise<T> {
    let refreshed = false;
    for (let n = 1; ; n++) {
      try {
        return await attempt();
      } catch (error) {
        const failure = classifyFailure(error);
        if (failure.kind === "unauthorized" && !refreshed && this.connection.invalidate) {
          refreshed = true;
          this.connection.invalidate();
          n--;
          continue;
        }
        if (!failure.retriable) throw error;
        if (n >= policy.attempts) throw new RetriesExhaustedError(what, n, error);
        const delay = backoffDelay(n, failure, policy);
        this.onRetry?.(what, n, delay, failure);
        await this.clock.sleep(delay);
      }
    }
  }

  /**
   * Opens a watch (`?watch=true`), bounded by the request timeout until the server answers; events then arrive
   * through `handlers` until the stream ends or `close()` is called. A non-200 answer (e.g. 410) is thrown.
   */
  async watch<T>(path: string, query: Query, handlers: WatchHandlers<T>): Promise<WatchStream> {
    const fullPath = buildPath(path, { ...query, watch: "true" });
    const controller = new AbortController();
    let res: http.IncomingMessage;
    try {
      res = await this.clock.withTimeout(
        this.open("GET", fullPath, undefined, "application/json", controller, "application/json"),
        this.requestTimeoutMs,
        `GET ${fullPath}`,
        controller,
      );
    } catch (error) {
      this.history.push({ method: "GET", path: fullPath, status: 0 });
      throw error;
    }
    this.history.push({ method: "GET", path: fullPath, status: res.statusCode ?? 0 });
    if (res.statusCode !== 200) {
      const text = await this.clock.withTimeout(
        new Promise<string>((resolve) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
          res.on("error", () => resolve(Buffer.concat(chunks).toString("utf8")));
        }),
        this.requestTimeoutMs,
        `GET ${fullPath}`,
        controller,
      );
      let status: Status | undefined;
      try {
        status = JSON.parse(text) as Status;
      } catch {
        status = { message: text.slice(0, 500), code: res.statusCode ?? 0 };
      }
      throw new ApiError(
        "GET",
        fullPath,
        res.statusCode ?? 0,
        status,
        parseRetryAfter(res.headers["retry-after"], this.clock.now()),
      );
    }
    let closed = false;
    let buffer = "";
    const stream: WatchStream = {
      close: () => {
        if (closed) return;
        closed = true;
        this.watches.delete(stream);
        controller.abort();
        res.destroy();
      },
    };
    this.watches.add(stream);
    const finish = (error?: Error) => {
      if (closed) return;
      closed = true;
      this.watches.delete(stream);
      controller.abort();
      handlers.onClose(error);
    };
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      if (closed) return;
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line === "") continue;
        let event: WatchEvent<T>;
        try {
          event = JSON.parse(line) as WatchEvent<T>;
        } catch (error) {
          finish(new NetworkError("GET", fullPath, error));
          return;
        }
        handlers.onEvent(event);
        if (closed) return;
      }
    });
    res.on("end", () => finish());
    res.on("error", (error) => finish(new NetworkError("GET", fullPath, error)));
    res.on("close", () =>
      finish(res.complete ? undefined : new NetworkError("GET", fullPath, "stream closed")),
    );
    return stream;
  }

  /** Closes open watches and idle keep-alive sockets so the process can exit. */
  close(): void {
    for (const watch of [...this.watches]) watch.close();
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }
}
