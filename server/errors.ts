import type { ErrorCode } from "./contracts/errors";

/** An expected failure: a value with a code, mapped to an HTTP status once, by the route builder. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const statusOf: Record<ErrorCode, number> = {
  "bad-request": 400,
  "validation-failed": 400,
  "invalid-yaml": 400,
  "invalid-module": 400,
  "invalid-pattern": 400,
  "invalid-duration": 400,
  "unsupported-media-type": 415,
  "payload-too-large": 413,
  unauthenticated: 401,
  "invalid-credentials": 401,
  "csrf-failed": 403,
  forbidden: 403,
  "not-found": 404,
  "application-not-found": 404,
  "endpoint-not-found": 404,
  "function-type-not-bound": 404,
  "address-not-found": 404,
  "egress-not-found": 404,
  "unknown-state": 400,
  "not-parked": 409,
  "already-exists": 409,
  // binding the types would take them (and their savepoints and rollbacks) from another application: ?move=true
  "function-type-bound-elsewhere": 409,
  conflict: 409,
  "version-conflict": 409,
  "endpoint-unreachable": 422,
  "probe-failed": 422,
  // a URL Statehouse must not call (server/net/host-policy.ts): unprocessable like an unreachable one, not malformed
  "host-not-allowed": 422,
  "mailbox-full": 429,
  "rate-limited": 429,
  unavailable: 503,
  internal: 500,
};

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
