import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { TimeoutError } from "../../recycler/clock";
import type { Connection } from "../../recycler/connection";
import { ApiError, classifyFailure, NetworkError, RetriesExhaustedError } from "../../recycler/errors";
import { backoffDelay, DEFAULT_RETRY, KubeClient } from "../../recycler/kube-client";
import type { WatchEvent } from "../../recycler/types";
import { FastClock } from "./fast-clock";

const budget429 = (retryAfter?: number) =>
  new ApiError(
    "POST",
    "/api/v1/namespaces/shop/pods/web-1/eviction",
    429,
    {
      kind: "Status",
      status: "Failure",
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: "TooManyRequests",
      code: 429,
      details: {
        ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}),
        causes: [
          {
            reason: "DisruptionBudget",
            message: "The disruption budget web needs 3 healthy pods and has 3 currently",
          },
        ],
      },
    },
    retryAfter,
  );

describe("classifyFailure", () => {
  const cases: [string, unknown, string, boolean, number | undefined][] = [
    ["429 DisruptionBudget", budget429(), "disruption-budget", false, undefined],
    ["429 DisruptionBudget with Retry-After (stale PDB)", budget429(10), "disruption-budget", false, 10_000],
    [
      "429 throttled by API Priority and Fairness",
      new ApiError(
        "GET",
        "/x",
        429,
        {
          reason: "TooManyRequests",
          message: "Too many requests, please try again later.",
          code: 429,
          details: { retryAfterSeconds: 1 },
        },
        2,
      ),
      "throttled",
      true,
      2000,
    ],
    ["429 without body", new ApiError("GET", "/x", 429, undefined, undefined), "throttled", true, undefined],
    [
      "500 more than one PDB",
      new ApiError(
        "POST",
        "/e",
        500,
        {
          status: "Failure",
          code: 500,
          message:
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
        },
        undefined,
      ),
      "multiple-pdbs",
      false,
      undefined,
    ],
    [
      "500 internal error",
      new ApiError("GET", "/x", 500, { reason: "InternalError", code: 500 }, undefined),
      "server-error",
      true,
      undefined,
    ],
    [
      "503",
      new ApiError("GET", "/x", 503, { reason: "ServiceUnavailable", code: 503 }, 5),
      "server-error",
      true,
      5000,
    ],
    [
      "504 timeout",
      new ApiError("POST", "/e", 504, { reason: "Timeout", code: 504 }, undefined),
      "server-error",
      true,
      undefined,
    ],
    ["404", new ApiError("GET", "/x", 404, { reason: "NotFound" }, undefined), "not-found", false, undefined],
    ["409", new ApiError("PUT", "/x", 409, { reason: "Conflict" }, undefined), "conflict", false, undefined],
    [
      "403",
      new ApiError("GET", "/x", 403, { reason: "Forbidden" }, undefined),
      "forbidden",
      false,
      undefined,
    ],
    [
      "401",
      new ApiError("GET", "/x", 401, { reason: "Unauthorized" }, undefined),
      "unauthorized",
      false,
      undefined,
    ],
    ["410", new ApiError("GET", "/x", 410, { reason: "Expired" }, undefined), "expired", false, undefined],
    ["422", new ApiError("PUT", "/x", 422, { reason: "Invalid" }, undefined), "invalid", false, undefined],
    ["client timeout", new TimeoutError("GET /x", 30000), "timeout", true, undefined],
    ["network", new NetworkError("GET", "/x", new Error("ECONNRESET")), "network", true, undefined],
    [
      "retries exhausted",
      new RetriesExhaustedError("GET /x", 6, new ApiError("GET", "/x", 503, undefined, undefined)),
      "server-error",
      false,
      undefined,
    ],
    ["anything else", new Error("boom"), "other", false, undefined],
  ];
  for (const [name, error, kind, retriable, retryAfterMs] of cases) {
    it(name, () => {
      const f = classifyFailure(error);
      assert.equal(f.kind, kind);
      assert.equal(f.retriable, retriable);
      assert.equal(f.retryAfterMs, retryAfterMs);
    });
  }
});

describe("backoffDelay", () => {
  it("doubles from 1s up to the cap", () => {
    const f = classifyFailure(new ApiError("GET", "/x", 503, undefined, undefined));
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, f)),
      [1000, 2000, 4000, 8000, 16000, 30000, 30000],
    );
  });
  it("honours Retry-After for throttling, capped at a minute", () => {
    const throttled = (s: number) => classifyFailure(new ApiError("GET", "/x", 429, undefined, s));
    assert.equal(backoffDelay(1, throttled(7)), 7000);
    assert.equal(backoffDelay(5, throttled(1)), 1000, "the server's hint wins over the exponential delay");
    assert.equal(backoffDelay(1, throttled(3600)), DEFAULT_RETRY.maxRetryAfterMs);
    assert.equal(backoffDelay(1, throttled(0)), 500, "a zero Retry-After still waits a little");
  });
  it("treats Retry-After on a 5xx as a lower bound", () => {
    const f = classifyFailure(new ApiError("GET", "/x", 503, undefined, 5));
    assert.equal(backoffDelay(1, f), 5000);
    assert.equal(backoffDelay(4, f), 8000);
  });
});

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

describe("KubeClient over loopback", () => {
  let server: Server;
  let handler: Handler = (_q, res) => res.end("{}");
  const sockets = new Set<unknown>();
  let url = "";
  before(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString()));
      req.on("end", () => handler(req, res, body));
    });
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  function client(tokens: string[] = ["t1"], invalidate?: () => void) {
    let i = 0;
    const connection: Connection = {
      server: url,
      source: "test",
      credentials: () => Promise.resolve({ token: tokens[Math.min(i++, tokens.length - 1)] }),
      ...(invalidate ? { invalidate } : {}),
    };
    const clock = new FastClock();
    return { c: new KubeClient(connection, clock, { requestTimeoutMs: 30_000 }), clock };
  }

  const json = (res: ServerResponse, code: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(code, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  it("sends the current token on every request and reuses one keep-alive connection", async () => {
    const seen: string[] = [];
    handler = (req, res) => {
      seen.push(req.headers.authorization ?? "");
      json(res, 200, { kind: "Pod", metadata: { name: "p" } });
    };
    sockets.clear();
    const { c } = client(["first", "second", "third"]);
    for (let i = 0; i < 3; i++) await c.request("GET", "/api/v1/namespaces/shop/pods/p");
    assert.deepEqual(seen, ["Bearer first", "Bearer second", "Bearer third"]);
    assert.equal(sockets.size, 1, "keep-alive");
    assert.equal(c.requests, 3);
    c.close();
  });

  it("retries throttling after Retry-After, then succeeds", async () => {
    let n = 0;
    handler = (_q, res) => {
      if (n++ < 2)
        json(
          res,
          429,
          {
            kind: "Status",
            code: 429,
            reason: "TooManyRequests",
            message: "Too many requests, please try again later.",
          },
          { "Retry-After": "3" },
        );
      else json(res, 200, { ok: true });
    };
    const { c, clock } = client();
    assert.deepEqual(await c.request("GET", "/x"), { ok: true });
    assert.deepEqual(clock.sleeps, [3000, 3000]);
    assert.equal(c.requests, 3);
    c.close();
  });

  it("backs off on 5xx and gives up after the bounded attempts", async () => {
    handler = (_q, res) => json(res, 503, { kind: "Status", code: 503, reason: "ServiceUnavailable" });
    const { c, clock } = client();
    await assert.rejects(
      c.request("GET", "/x"),
      (e: unknown) => e instanceof RetriesExhaustedError && e.attempts === 6,
    );
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000, 8000, 16000]);
    assert.equal(c.requests, 6);
    c.close();
  });

  it("bounds a hanging request with the clock and retries it", async () => {
    const { c, clock } = client();
    let n = 0;
    const timedOut: string[][] = [];
    handler = (_q, res) => {
      // The first request is held: never answered, and its bound passes on the clock.
      if (n++ === 0) timedOut.push(clock.timeOutPending());
      else json(res, 200, { ok: 1 });
    };
    const t0 = clock.now();
    assert.deepEqual(await c.request("GET", "/x"), { ok: 1 });
    assert.deepEqual(timedOut, [["GET /x (30000 ms)"]]);
    assert.equal(clock.now() - t0, 30_000 + 1000, "one request timeout plus one backoff");
    assert.deepEqual(clock.sleeps, [1000]);
    assert.equal(c.requests, 2);
    c.close();
  });

  it("refreshes credentials once after a 401", async () => {
    let invalidated = 0;
    handler = (req, res) => {
      if (req.headers.authorization === "Bearer stale")
        json(res, 401, { kind: "Status", code: 401, reason: "Unauthorized" });
      else json(res, 200, { ok: 1 });
    };
    const { c } = client(["stale", "fresh"], () => invalidated++);
    assert.deepEqual(await c.request("GET", "/x"), { ok: 1 });
    assert.equal(invalidated, 1);
    c.close();
  });

  it("does not retry a DisruptionBudget refusal", async () => {
    handler = (_q, res) => json(res, 429, budget429(0).status, {});
    const { c, clock } = client();
    await assert.rejects(
      c.request("POST", "/api/v1/namespaces/shop/pods/web-1/eviction", { body: {} }),
      (e: unknown) => classifyFailure(e).kind === "disruption-budget",
    );
    assert.deepEqual(clock.sleeps, []);
    assert.equal(c.requests, 1);
    c.close();
  });

  it("sends JSON bodies with the given content type and query", async () => {
    let got: { method?: string; url?: string; type?: string; body?: string } = {};
    handler = (req, res, body) => {
      got = { method: req.method ?? "", url: req.url ?? "", type: req.headers["content-type"] ?? "", body };
      json(res, 200, {});
    };
    const { c } = client();
    await c.request("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web", {
      query: { fieldManager: "rotor-recycler" },
      contentType: "application/merge-patch+json",
      body: { metadata: { annotations: { a: "b" } } },
    });
    assert.deepEqual(got, {
      method: "PATCH",
      url: "/apis/apps/v1/namespaces/shop/deployments/web?fieldManager=rotor-recycler",
      type: "application/merge-patch+json",
      body: '{"metadata":{"annotations":{"a":"b"}}}',
    });
    c.close();
  });

  it("streams watch events and reports a clean end", async () => {
    const modified = JSON.stringify({
      type: "MODIFIED",
      object: { metadata: { name: "a", resourceVersion: "6" } },
    });
    let sendRest = () => {};
    handler = (req, res) => {
      assert.match(req.url ?? "", /watch=true/);
      res.writeHead(200, { "Content-Type": "application/json" });
      // One write: a whole event and the start of the next, whose rest is sent once the client has read this.
      res.write(
        JSON.stringify({ type: "ADDED", object: { metadata: { name: "a", resourceVersion: "5" } } }) +
          "\n" +
          modified.slice(0, 20),
      );
      sendRest = () => res.end(modified.slice(20) + "\n");
    };
    const { c } = client();
    const events: WatchEvent<{ metadata: { name: string } }>[] = [];
    const closed = new Promise<Error | undefined>((resolve) => {
      void c.watch<{ metadata: { name: string } }>(
        "/api/v1/namespaces/shop/pods",
        { resourceVersion: "4" },
        {
          onEvent: (e) => {
            events.push(e);
            if (e.type === "ADDED") sendRest();
          },
          onClose: resolve,
        },
      );
    });
    assert.equal(await closed, undefined);
    assert.deepEqual(
      events.map((e) => e.type),
      ["ADDED", "MODIFIED"],
    );
    c.close();
  });

  it("throws a 410 answer to a watch as an expired ApiError", async () => {
    handler = (_q, res) =>
      json(res, 410, {
        kind: "Status",
        code: 410,
        reason: "Expired",
        message: "too old resource version: 1 (50)",
      });
    const { c } = client();
    await assert.rejects(
      c.watch(
        "/api/v1/namespaces/shop/pods",
        { resourceVersion: "1" },
        { onEvent: () => {}, onClose: () => {} },
      ),
      (e: unknown) => classifyFailure(e).kind === "expired",
    );
    c.close();
  });
});
