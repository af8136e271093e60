import { z } from "zod";

/** Every expected failure has a code; the route builder maps each code to one HTTP status (server/errors.ts). */
export const errorCodes = [
  "bad-request",
  "validation-failed",
  "invalid-yaml",
  "invalid-module",
  "invalid-pattern",
  "invalid-duration",
  "unsupported-media-type",
  "payload-too-large",
  "unauthenticated",
  "invalid-credentials",
  "csrf-failed",
  "forbidden",
  "not-found",
  "application-not-found",
  "endpoint-not-found",
  "function-type-not-bound",
  "address-not-found",
  "egress-not-found",
  "unknown-state",
  "not-parked",
  "already-exists",
  "function-type-bound-elsewhere",
  "conflict",
  "version-conflict",
  "endpoint-unreachable",
  "probe-failed",
  "host-not-allowed",
  "mailbox-full",
  "rate-limited",
  "unavailable",
  "internal",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(errorCodes),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
