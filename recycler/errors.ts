/**
 * API errors and what they mean for a rotation. The Eviction API answers 429 for two different reasons: a
 * PodDisruptionBudget that allows no disruption (a `DisruptionBudget` cause: stop, do not retry) and API
 * Priority and Fairness or rate limiting (a `Retry-After` header: back off and retry). A 500 can be a transient
 * server error or the permanent "more than one PodDisruptionBudget" refusal.
 */
import { TimeoutError } from "./clock";
import type { Status } from "./types";

/** A non-2xx answer of the API server, with its `metav1.Status` body when there was one. */
export class ApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    readonly status: Status | undefined,
    /** Seconds from the `Retry-After` header, if present. */
    readonly retryAfterHeader: number | undefined,
  ) {
    super(
      `${method} ${path}: ${statusCode}${status?.reason ? ` ${status.reason}` : ""}${status?.message ? `: ${status.message}` : ""}`,
    );
    this.name = "ApiError";
  }

  get reason(): string | undefined {
    return this.status?.reason;
  }
}

/** What a socket error code means for someone pointing the recycler at a cluster, and what to check. */
const NETWORK_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED:
    "nothing accepts connections there: check that the API server is running and that the kubeconfig context points at it",
  ENOTFOUND: "the server's host name does not resolve: check the server address in the kubeconfig",
  EAI_AGAIN: "the server's host name could not be resolved now: check DNS and the server address",
  EHOSTUNREACH: "no route to the server: check the network (VPN?) and the server address",
  ENETUNREACH: "no route to the server: check the network (VPN?) and the server address",
  ECONNRESET: "the server closed the connection",
  DEPTH_ZERO_SELF_SIGNED_CERT:
    "the server's certificate is not trusted: set certificate-authority(-data) in the kubeconfig",
  SELF_SIGNED_CERT_IN_CHAIN:
    "the server's certificate is not trusted: set certificate-authority(-data) in the kubeconfig",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "the server's certificate is not trusted: set certificate-authority(-data) in the kubeconfig",
  ERR_TLS_CERT_ALTNAME_INVALID:
    "the server's certificate is for another name: check the server address or set tls-server-name",
};

/** A request that never got an HTTP answer: connection refused or reset, TLS failure, stream cut. */
export class NetworkError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: unknown } | undefined)?.code;
    const hint = typeof code === "string" ? NETWORK_HINTS[code] : undefined;
    super(
      `${method} ${path}: ${cause instanceof Error ? cause.message : String(cause)}${hint ? ` (${hint})` : ""}`,
      { cause },
    );
    this.name = "NetworkError";
  }
}

/** The retries of one request ran out; `cause` is the last failure. */
export class RetriesExhaustedError extends Error {
  constructor(
    readonly what: string,
    readonly attempts: number,
    readonly last: unknown,
  ) {
    const reason = last instanceof Error ? last.message : String(last);
    // One attempt is a policy (a dry run does not retry), not persistence: do not call it "kept failing".
    super(attempts === 1 ? reason : `${what} kept failing after ${attempts} attempts: ${reason}`, {
      cause: last,
    });
    this.name = "RetriesExhaustedError";
  }
}

export type FailureKind =
  /** 429 with a `DisruptionBudget` cause: the PDB refused; stop as blocked, never retry. */
  | "disruption-budget"
  /** 429 without that cause: throttled by API Priority and Fairness or a rate limiter; honour Retry-After. */
  | "throttled"
  /** 500 "more than one PodDisruptionBudget": the Eviction API cannot evict these pods at all. */
  | "multiple-pdbs"
  /** Other 5xx: transient server trouble; back off and retry. */
  | "server-error"
  /** The request outlived its bound (client side). */
  | "timeout"
  /** No HTTP answer at all. */
  | "network"
  | "not-found"
  | "conflict"
  | "forbidden"
  | "unauthorized"
  /** 410: a watch's resourceVersion is too old; re-list. */
  | "expired"
  | "invalid"
  | "other";

export interface Failure {
  readonly kind: FailureKind;
  /** Whether retrying the same request later can succeed. */
  readonly retriable: boolean;
  /** How long the server asked us to wait, in milliseconds. */
  readonly retryAfterMs?: number;
  readonly message: string;
}

const RETRIABLE: ReadonlySet<FailureKind> = new Set(["throttled", "server-error", "timeout", "network"]);

/** Classifies any error thrown by the client. */
export function classifyFailure(error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof RetriesExhaustedError)
    return { ...classifyFailure(error.last), retriable: false, message };
  if (error instanceof TimeoutError) return { kind: "timeout", retriable: true, message };
  if (error instanceof NetworkError) return { kind: "network", retriable: true, message };
  if (!(error instanceof ApiError)) return { kind: "other", retriable: false, message };
  const code = error.statusCode;
  const status = error.status;
  const retryAfterSeconds = error.retryAfterHeader ?? status?.details?.retryAfterSeconds;
  const retryAfterMs =
    retryAfterSeconds !== undefined && retryAfterSeconds >= 0 ? retryAfterSeconds * 1000 : undefined;
  const withRetry = (kind: FailureKind): Failure => ({
    kind,
    retriable: RETRIABLE.has(kind),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    message,
  });
  if (code === 429) {
    // The budget refusal may carry a Retry-After too (10s while the PDB is being processed): the cause decides.
    const budget = (status?.details?.causes ?? []).some((c) => c.reason === "DisruptionBudget");
    return withRetry(budget ? "disruption-budget" : "throttled");
  }
  if (code === 500 && /more than one PodDisruptionBudget/i.test(status?.message ?? "")) {
    return withRetry("multiple-pdbs");
  }
  if (code >= 500) return withRetry("server-error");
  if (code === 404) return withRetry("not-found");
  if (code === 409) return withRetry("conflict");
  if (code === 403) return withRetry("forbidden");
  if (code === 401) return withRetry("unauthorized");
  if (code === 410) return withRetry("expired");
  if (code === 400 || code === 422) return withRetry("invalid");
  return withRetry("other");
}

/** The human-readable cause of a `DisruptionBudget` refusal, e.g. "The disruption budget web needs 3 healthy pods and has 3 currently". */
export function budgetCause(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.status?.details?.causes?.find((c) => c.reason === "DisruptionBudget")?.message;
}

/** A one-line description of any error, with its cause chain. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message;
  let cause = (error as { cause?: unknown }).cause;
  for (let depth = 0; cause instanceof Error && depth < 3; depth++) {
    if (!text.includes(cause.message)) text += `: ${cause.message}`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return text;
}
