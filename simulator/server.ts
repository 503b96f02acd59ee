/**
 * The HTTP(S) front of the simulator, with kube-apiserver's filter order: authentication (bearer token,
 * 401), API Priority and Fairness (throttle faults: 429 with a plain-text body and Retry-After),
 * authorization (RBAC for restricted principals, 403), then the handler (error and hang faults, watches,
 * the REST layer). Every request, eviction and denial is logged. The server also tells the clock which
 * server-side I/O is in flight, so virtual time never moves while a response is on its way.
 */
import { randomUUID } from "node:crypto";
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { Api, parseSelectors } from "./api";
import type { Cluster } from "./cluster";
import type { EvictionOutcome } from "./eviction";
import type { RequestFault } from "./faults";
import { forbiddenMessage, principalAllows, type Principal } from "./rbac";
import { parseRequestInfo, type RequestInfo } from "./resources";
import { parseFieldSelector, requiredName } from "./selectors";
import * as status from "./status";
import type { Pod } from "./types";
import { formatTime } from "./types";
import { WatchHub } from "./watch";

/** One API request, as the simulator saw it. */
export interface RequestRecord {
  /** Virtual time of the answer (or of the client giving up on a held request). */
  readonly atMs: number;
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly verb: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace?: string;
  readonly name: string;
  /** HTTP status; 0 when the client gave up on a held request. */
  readonly status: number;
  /** The bearer token presented, if any. */
  readonly token?: string;
  readonly user: string;
  /** The fault that answered this request, if any. */
  readonly fault?: RequestFault["kind"];
  readonly watch: boolean;
  /**
   * For a watch that started with a single ERROR event (410 Expired for a too old resourceVersion): that
   * Status's code. The HTTP status of such a watch is 200, as on a real API server.
   */
  readonly watchError?: number;
}

/** One eviction request that reached the handler (or a fault in its place). */
export interface EvictionRecord {
  readonly atMs: number;
  readonly time: string;
  readonly namespace: string;
  readonly pod: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The pod's creationTimestamp ("" when the pod did not exist). */
  readonly creationTimestamp: string;
  readonly outcome: EvictionOutcome;
  readonly code: number;
  readonly message?: string;
  readonly dryRun: boolean;
  readonly user: string;
  readonly fault?: RequestFault["kind"];
}

/** One request RBAC refused. */
export interface DenialRecord {
  readonly atMs: number;
  readonly user: string;
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace?: string;
  readonly name: string;
  readonly path: string;
  readonly message: string;
}

/** Everything the server logs. */
export interface ServerLog {
  readonly requests: RequestRecord[];
  readonly evictions: EvictionRecord[];
  readonly denials: DenialRecord[];
}

/** Options of the server. */
export interface ServerOptions {
  /** The unrestricted token; unset means anonymous requests are allowed. */
  readonly token?: string;
  /** Restricted principals, authorized by RBAC rules. */
  readonly principals: readonly Principal[];
  readonly tls?: { readonly cert: string; readonly key: string };
  readonly bookmarkIntervalMs: number;
  /** Default watch timeout range, as kube-apiserver's --min-request-timeout gives [t, 2t). */
  readonly minRequestTimeoutSeconds: number;
}

const ADMIN_USER = "system:admin";
const DEFAULT_PRINCIPAL_USER = "system:serviceaccount:default:rotor-recycler";
const THROTTLE_BODY = "Too many requests, please try again later.\n";

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** The HTTP(S) server. */
export class ApiServer {
  readonly log: ServerLog = { requests: [], evictions: [], denials: [] };
  readonly hub: WatchHub;
  private readonly api: Api;
  private readonly server: http.Server;
  private readonly awaitingFirstRequest = new Map<Socket, () => void>();
  private port = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly options: ServerOptions,
  ) {
    this.api = new Api(cluster);
    this.hub = new WatchHub(cluster, cluster.clock, options.bookmarkIntervalMs);
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent) this.sendError(res, status.internalError(String(error)));
        else res.destroy();
      });
    };
    const clock = cluster.clock;
    if (options.tls) {
      this.server = https.createServer({ cert: options.tls.cert, key: options.tls.key }, listener);
      this.server.on("connection", (socket: Socket) => {
        socket.unref();
        const done = clock.beginIo("tls handshake");
        socket.once("close", done);
        this.awaitingFirstRequest.set(socket, done);
      });
      this.server.on("secureConnection", (socket: TLSSocket) => {
        const raw = (socket as unknown as { _parent?: Socket })._parent;
        if (raw) {
          this.awaitingFirstRequest.get(raw)?.();
          this.awaitingFirstRequest.delete(raw);
        }
        this.expectFirstRequest(socket);
      });
      this.server.on("tlsClientError", (_error, socket) => {
        this.awaitingFirstRequest.get(socket as Socket)?.();
      });
    } else {
      this.server = http.createServer(listener);
      this.server.on("connection", (socket: Socket) => this.expectFirstRequest(socket));
    }
    this.server.keepAliveTimeout = 60_000;
  }

  private expectFirstRequest(socket: Socket): void {
    // A forgotten simulator must not keep the process alive.
    socket.unref();
    const done = this.cluster.clock.beginIo("connection awaiting its first request");
    this.awaitingFirstRequest.set(socket, done);
    socket.once("close", () => {
      done();
      this.awaitingFirstRequest.delete(socket);
    });
  }

  /** Starts listening on 127.0.0.1 and a free port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    this.server.unref();
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    this.hub.closeAll();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const done of this.awaitingFirstRequest.values()) done();
    this.awaitingFirstRequest.clear();
  }

  private sendJson(
    res: http.ServerResponse,
    code: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(code, {
      "Audit-Id": randomUUID(),
      "Cache-Control": "no-cache, private",
      "Content-Type": "application/json",
      "Content-Length": String(Buffer.byteLength(text)),
      ...headers,
    });
    res.end(text);
  }

  private sendError(res: http.ServerResponse, error: status.ApiError): void {
    const retry = error.status.details?.retryAfterSeconds;
    this.sendJson(res, error.code, error.status, retry ? { "Retry-After": String(retry) } : {});
  }

  private record(
    req: http.IncomingMessage,
    info: RequestInfo,
    url: URL,
    code: number,
    user: string,
    token: string | undefined,
    fault?: RequestFault["kind"],
    watchError?: number,
  ): void {
    const now = this.cluster.now();
    this.log.requests.push({
      atMs: now,
      time: formatTime(now),
      method: req.method ?? "",
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      verb: info.verb,
      resource: info.resource,
      subresource: info.subresource,
      namespace: info.namespace,
      name: info.name,
      status: code,
      token,
      user,
      fault,
      watch: info.verb === "watch",
      ...(watchError !== undefined ? { watchError } : {}),
    });
  }

  private recordEviction(
    info: RequestInfo,
    pod: Pod | undefined,
    code: number,
    message: string | undefined,
    dryRun: boolean,
    user: string,
    fault?: RequestFault["kind"],
  ): void {
    const now = this.cluster.now();
    this.log.evictions.push({
      atMs: now,
      time: formatTime(now),
      namespace: info.namespace ?? "",
      pod: info.name,
      labels: { ...(pod?.metadata.labels ?? {}) },
      creationTimestamp: pod?.metadata.creationTimestamp ?? "",
      outcome: code === 201 ? "evicted" : code === 429 ? "refused-429" : "error",
      code,
      message,
      dryRun,
      user,
      fault,
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const clock = this.cluster.clock;
    const endIo = clock.beginIo(`${req.method} ${req.url}`);
    res.once("finish", endIo);
    res.once("close", endIo);
    const first = this.awaitingFirstRequest.get(req.socket);
    if (first) {
      first();
      this.awaitingFirstRequest.delete(req.socket);
    }
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const query = url.searchParams;
    const method = req.method ?? "GET";
    const body = await readBody(req);
    let info: RequestInfo = parseRequestInfo(method, url.pathname, query, undefined);

    // Authentication.
    const header = req.headers.authorization ?? "";
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    const principal =
      token === undefined ? undefined : this.options.principals.find((p) => p.token === token);
    const user = principal ? (principal.user ?? DEFAULT_PRINCIPAL_USER) : ADMIN_USER;
    const authenticationRequired = this.options.token !== undefined || this.options.principals.length > 0;
    if (authenticationRequired && !principal && (token === undefined || token !== this.options.token)) {
      this.record(req, info, url, 401, "", token);
      this.sendError(res, status.unauthorized());
      return;
    }

    if (info.isResourceRequest && info.type) {
      let fieldName: string | undefined;
      try {
        fieldName = requiredName(
          parseFieldSelector(query.get("fieldSelector") ?? "", info.type.fieldSelectors),
        );
      } catch {
        fieldName = undefined;
      }
      info = parseRequestInfo(method, url.pathname, query, fieldName);
    }

    // API Priority and Fairness: throttling.
    const fault = info.isResourceRequest ? this.cluster.faults.requestFault(info, clock.now()) : undefined;
    const isEviction = info.resource === "pods" && info.subresource === "eviction" && info.verb === "create";
    const evictionDryRun = query.getAll("dryRun").includes("All");
    if (fault?.kind === "throttle") {
      const retry = String(fault.retryAfterSeconds ?? 1);
      this.record(req, info, url, 429, user, token, "throttle");
      if (isEviction)
        this.recordEviction(
          info,
          this.podOf(info),
          429,
          THROTTLE_BODY.trim(),
          evictionDryRun,
          user,
          "throttle",
        );
      res.writeHead(429, {
        "Content-Type": "text/plain; charset=utf-8",
        "X-Content-Type-Options": "nosniff",
        "Retry-After": retry,
        "Content-Length": String(Buffer.byteLength(THROTTLE_BODY)),
      });
      res.end(THROTTLE_BODY);
      return;
    }

    // Authorization.
    if (principal && !principalAllows(principal, info)) {
      const message = forbiddenMessage(user, info);
      this.log.denials.push({
        atMs: clock.now(),
        user,
        verb: info.verb,
        apiGroup: info.apiGroup,
        resource: info.resource,
        subresource: info.subresource,
        namespace: info.namespace,
        name: info.name,
        path: url.pathname,
        message,
      });
      this.record(req, info, url, 403, user, token);
      this.sendError(
        res,
        status.forbidden({ group: info.apiGroup, resource: info.resource }, info.name, message),
      );
      return;
    }

    if (fault?.kind === "error") {
      const code = fault.code ?? 500;
      const error =
        code === 503
          ? status.serviceUnavailable("the server is currently unable to handle the request")
          : code === 504
            ? status.timeout(
                "request did not complete within requested timeout - context deadline exceeded",
                0,
              )
            : code === 502
              ? status.internalError(
                  "the server responded with the status code 502 but did not return more information",
                )
              : status.internalError("etcdserver: request timed out");
      const answered = error.code === code ? error : new status.ApiError({ ...error.status, code });
      this.record(req, info, url, code, user, token, "error");
      if (isEviction)
        this.recordEviction(info, this.podOf(info), code, answered.message, evictionDryRun, user, "error");
      this.sendError(res, answered);
      return;
    }

    if (fault?.kind === "hang") {
      // Held on purpose: no longer in flight as far as the clock is concerned.
      endIo();
      let released = false;
      const timer =
        fault.releaseAfterMs !== undefined
          ? clock.setTimer(clock.now() + fault.releaseAfterMs, () => {
              if (res.closed || res.destroyed) return;
              released = true;
              const again = clock.beginIo(`${method} ${req.url} (released)`);
              res.once("finish", again);
              res.once("close", again);
              if (info.verb === "watch" && info.type && info.subresource === "") {
                this.startWatch(req, res, url, info, user, token, again);
              } else {
                this.serve(req, res, url, info, body, user, token, isEviction, evictionDryRun, "hang");
              }
            })
          : undefined;
      res.once("close", () => {
        clock.cancelTimer(timer);
        if (!released) {
          this.record(req, info, url, 0, user, token, "hang");
          if (isEviction)
            this.recordEviction(
              info,
              this.podOf(info),
              0,
              "request abandoned by the client",
              evictionDryRun,
              user,
              "hang",
            );
        }
      });
      return;
    }

    if (info.verb === "watch" && info.type && info.isResourceRequest && info.subresource === "") {
      this.startWatch(req, res, url, info, user, token, endIo);
      return;
    }
    this.serve(req, res, url, info, body, user, token, isEviction, evictionDryRun, undefined);
  }

  private podOf(info: RequestInfo): Pod | undefined {
    return this.cluster.store.get("pods", info.namespace, info.name) as Pod | undefined;
  }

  private serve(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    info: RequestInfo,
    body: string,
    user: string,
    token: string | undefined,
    isEviction: boolean,
    evictionDryRun: boolean,
    fault: RequestFault["kind"] | undefined,
  ): void {
    const pod = isEviction ? this.podOf(info) : undefined;
    try {
      if (!info.isResourceRequest) {
        const answer = this.nonResource(url.pathname);
        this.record(req, info, url, answer.code, user, token, fault);
        if (typeof answer.body === "string") {
          res.writeHead(answer.code, {
            "Content-Type": "text/plain; charset=utf-8",
            "Content-Length": String(answer.body.length),
          });
          res.end(answer.body);
        } else {
          this.sendJson(res, answer.code, answer.body);
        }
        return;
      }
      const answer = this.api.handle({
        method: req.method ?? "GET",
        info,
        query: url.searchParams,
        body,
        contentType: req.headers["content-type"] ?? "application/json",
        user,
      });
      this.record(req, info, url, answer.code, user, token, fault);
      if (isEviction) {
        const message = (answer.body as status.Status).message;
        this.recordEviction(info, pod, answer.code, message, evictionDryRun, user, fault);
      }
      this.sendJson(res, answer.code, answer.body);
    } catch (error) {
      const apiError = error instanceof status.ApiError ? error : status.internalError(String(error));
      this.record(req, info, url, apiError.code, user, token, fault);
      if (isEviction)
        this.recordEviction(info, pod, apiError.code, apiError.message, evictionDryRun, user, fault);
      this.sendError(res, apiError);
    }
  }

  private startWatch(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    info: RequestInfo,
    user: string,
    token: string | undefined,
    endIo: () => void,
  ): void {
    const type = info.type!;
    const query = url.searchParams;
    try {
      const selectors = parseSelectors(type, query);
      const timeoutParam = query.get("timeoutSeconds");
      const minTimeout = this.options.minRequestTimeoutSeconds;
      const timeoutSeconds =
        timeoutParam !== null
          ? Number(timeoutParam)
          : minTimeout * (1 + this.cluster.random.next("watch-timeout"));
      if (!Number.isFinite(timeoutSeconds) || timeoutSeconds < 0)
        throw status.badRequest(`invalid timeoutSeconds: ${timeoutParam}`);
      // The legacy /watch/ prefix may name one object in the path.
      if (info.legacyWatch && info.name && !selectors.fields.some((f) => f.field === "metadata.name")) {
        selectors.fields.push({ field: "metadata.name", operator: "=", value: info.name });
      }
      const flag = (name: string) => ["true", "1"].includes((query.get(name) ?? "").toLowerCase());
      const watchError = this.hub.open(
        res,
        {
          type,
          namespace: info.namespace,
          selectors,
          resourceVersion: query.get("resourceVersion") ?? "",
          allowBookmarks: flag("allowWatchBookmarks"),
          sendInitialEvents: flag("sendInitialEvents"),
          timeoutMs: timeoutSeconds * 1000,
        },
        { "Audit-Id": randomUUID(), "Cache-Control": "no-cache, private" },
      );
      this.record(req, info, url, 200, user, token, undefined, watchError);
      // The stream is held open on purpose: it is not in flight any more once its headers are flushed.
      const socket = res.socket;
      if (socket && !socket.destroyed) socket.write("", () => endIo());
      else endIo();
    } catch (error) {
      const apiError = error instanceof status.ApiError ? error : status.internalError(String(error));
      this.record(req, info, url, apiError.code, user, token);
      this.sendError(res, apiError);
    }
  }

  private nonResource(path: string): { code: number; body: unknown } {
    switch (path) {
      case "/version":
        return {
          code: 200,
          body: {
            major: "1",
            minor: "33",
            gitVersion: "v1.33.0-rotor-simulator",
            gitCommit: "0000000000000000000000000000000000000000",
            gitTreeState: "clean",
            buildDate: "2026-01-01T00:00:00Z",
            goVersion: "go1.24.0",
            compiler: "gc",
            platform: "linux/amd64",
          },
        };
      case "/healthz":
      case "/readyz":
      case "/livez":
        return { code: 200, body: "ok" };
      case "/api":
        return {
          code: 200,
          body: {
            kind: "APIVersions",
            versions: ["v1"],
            serverAddressByClientCIDRs: [
              { clientCIDR: "0.0.0.0/0", serverAddress: `127.0.0.1:${this.port}` },
            ],
          },
        };
      case "/apis":
        return {
          code: 200,
          body: {
            kind: "APIGroupList",
            apiVersion: "v1",
            groups: ["apps", "policy", "coordination.k8s.io", "events.k8s.io"].map((name) => ({
              name,
              versions: [{ groupVersion: `${name}/v1`, version: "v1" }],
              preferredVersion: { groupVersion: `${name}/v1`, version: "v1" },
            })),
          },
        };
      default:
        throw status.pathNotFound();
    }
  }
}
