import { z } from "zod";
import { AppError } from "../errors";
import type { ErrorCode } from "../contracts/errors";
import { formatFlinkDuration, parseFlinkDuration } from "../contracts/duration";
import {
  ASYNC_TRANSPORT,
  ENDPOINT_V1,
  ENDPOINT_V2,
  functionsPatternProblem,
  INT32_MAX,
  INT32_MIN,
  OKHTTP_TRANSPORT,
} from "../contracts/registry";
import type { HostPolicy } from "../net/host-policy";
import { renderUrl, validateUrlTemplate } from "./url-template";

export type EndpointKind = typeof ENDPOINT_V2 | typeof ENDPOINT_V1;

/** An endpoint as stored: every StateFun default applied, every duration in ms. */
export interface EndpointRecord {
  kind: EndpointKind;
  functions: string;
  namespace: string;
  typeName: string | null;
  urlPathTemplate: string;
  maxNumBatchRequests: number;
  transportType: string;
  callTimeoutMs: number;
  connectTimeoutMs: number;
  readTimeoutMs: number | null;
  writeTimeoutMs: number | null;
  transportExtra: Record<string, unknown>;
}

// Defaults from statefun-protocol.md §4.2/4.3 (the code's values, not the docs').
const ASYNC_DEFAULTS = { call: 120_000, connect: 20_000 };
const ASYNC_COMPAT_DEFAULTS = { call: 60_000, connect: 10_000 };
const OKHTTP_DEFAULTS = { call: 60_000, connect: 10_000, read: 10_000, write: 10_000 };
const DEFAULT_MAX_BATCH = 1000;

const Spec = z.object({
  functions: z.unknown().optional(),
  urlPathTemplate: z.unknown().optional(),
  maxNumBatchRequests: z.unknown().optional(),
  transport: z.unknown().optional(),
  timeouts: z.unknown().optional(),
});

function fail(code: ErrorCode, field: string, message: string): never {
  throw new AppError(code, `${field}: ${message}`, { field });
}

function duration(field: string, v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string" && typeof v !== "number") fail("invalid-duration", field, "must be a duration string");
  const r = parseFlinkDuration(v);
  if (!r.ok) fail("invalid-duration", field, r.message);
  if (r.ms <= 0) fail("invalid-duration", field, "must be greater than 0");
  return r.ms;
}

function object(field: string, v: unknown): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) fail("validation-failed", field, "must be an object");
  return v as Record<string, unknown>;
}

function okhttpTimeouts(field: string, t: Record<string, unknown>) {
  const call = duration(`${field}.call`, t.call, OKHTTP_DEFAULTS.call);
  const out = {
    call,
    connect: duration(`${field}.connect`, t.connect, OKHTTP_DEFAULTS.connect),
    read: duration(`${field}.read`, t.read, OKHTTP_DEFAULTS.read),
    write: duration(`${field}.write`, t.write, OKHTTP_DEFAULTS.write),
  };
  for (const k of ["connect", "read", "write"] as const)
    if (out[k] > call) fail("invalid-duration", `${field}.${k}`, `must not exceed the call timeout (${formatFlinkDuration(call)})`);
  return out;
}

/**
 * Validates a v2 or v1 endpoint spec (module YAML or REST body) and applies StateFun's defaults. Registration
 * passes the deployment's host policy, which refuses a URL whose host is a blocked literal or not listed
 * (code host-not-allowed); reading back what is stored (round trips, export) passes none.
 */
export function normalizeEndpoint(kind: EndpointKind, spec: unknown, hosts?: HostPolicy): EndpointRecord {
  if (kind !== ENDPOINT_V2 && kind !== ENDPOINT_V1)
    throw new AppError("validation-failed", `unsupported endpoint kind ${String(kind)}`);
  const parsed = Spec.safeParse(spec);
  if (!parsed.success || typeof spec !== "object" || spec === null || Array.isArray(spec))
    throw new AppError("validation-failed", "the endpoint spec must be an object with functions and urlPathTemplate");
  const s = parsed.data;

  if (typeof s.functions !== "string" || s.functions === "") fail("validation-failed", "functions", "is required");
  const patternError = functionsPatternProblem(s.functions);
  if (patternError) fail("invalid-pattern", "functions", patternError);
  const [namespace, name] = s.functions.split("/");

  if (typeof s.urlPathTemplate !== "string" || s.urlPathTemplate === "")
    fail("validation-failed", "urlPathTemplate", "is required");
  const urlError = validateUrlTemplate(s.urlPathTemplate);
  if (urlError) fail("validation-failed", "urlPathTemplate", urlError);
  const hostError = hosts?.urlProblem(renderUrl(s.urlPathTemplate, "fn"));
  if (hostError) fail("host-not-allowed", "urlPathTemplate", hostError);

  let maxNumBatchRequests = DEFAULT_MAX_BATCH;
  if (s.maxNumBatchRequests !== undefined && s.maxNumBatchRequests !== null) {
    if (typeof s.maxNumBatchRequests !== "number" || !Number.isInteger(s.maxNumBatchRequests) || s.maxNumBatchRequests < INT32_MIN || s.maxNumBatchRequests > INT32_MAX)
      fail("validation-failed", "maxNumBatchRequests", `must be a whole number from ${INT32_MIN} to ${INT32_MAX} (≤ 0 disables the backlog cap)`);
    maxNumBatchRequests = s.maxNumBatchRequests;
  }

  const base = {
    kind,
    functions: s.functions,
    namespace,
    typeName: name === "*" ? null : name,
    urlPathTemplate: s.urlPathTemplate,
    maxNumBatchRequests,
  };

  const okhttp = (t: ReturnType<typeof okhttpTimeouts>, transportExtra: Record<string, unknown>): EndpointRecord => ({
    ...base,
    transportType: OKHTTP_TRANSPORT,
    callTimeoutMs: t.call,
    connectTimeoutMs: t.connect,
    readTimeoutMs: t.read,
    writeTimeoutMs: t.write,
    transportExtra,
  });

  if (kind === ENDPOINT_V1) return okhttp(okhttpTimeouts("timeouts", object("timeouts", s.timeouts)), {});

  const transport = object("transport", s.transport);
  const { type = ASYNC_TRANSPORT, timeouts, call, connect, read, write, ...extra } = transport;
  if (type !== ASYNC_TRANSPORT && type !== OKHTTP_TRANSPORT)
    fail("validation-failed", "transport.type", `must be ${ASYNC_TRANSPORT} or ${OKHTTP_TRANSPORT}, not ${String(type)}`);

  if (type === OKHTTP_TRANSPORT) {
    // OkHttp reads its timeouts from a `timeouts` object; top-level keys are accepted as the same thing.
    return okhttp(okhttpTimeouts("transport.timeouts", timeouts !== undefined ? object("transport.timeouts", timeouts) : { call, connect, read, write }), extra);
  }

  // Async transport: a `timeouts` object wins over top-level keys, and its missing keys fall back to the
  // compatibility defaults (1 min / 10 s), not to 2 min / 20 s (protocol §4.2).
  let callMs: number;
  let connectMs: number;
  if (timeouts !== undefined) {
    const t = object("transport.timeouts", timeouts);
    callMs = duration("transport.timeouts.call", t.call, ASYNC_COMPAT_DEFAULTS.call);
    connectMs = duration("transport.timeouts.connect", t.connect, ASYNC_COMPAT_DEFAULTS.connect);
  } else {
    callMs = duration("transport.call", call, ASYNC_DEFAULTS.call);
    connectMs = duration("transport.connect", connect, ASYNC_DEFAULTS.connect);
  }
  return {
    ...base,
    transportType: ASYNC_TRANSPORT,
    callTimeoutMs: callMs,
    connectTimeoutMs: connectMs,
    readTimeoutMs: null,
    writeTimeoutMs: null,
    transportExtra: extra,
  };
}

/** The component spec to export; `normalizeEndpoint(r.kind, toEndpointSpec(r))` gives `r` back. */
export function toEndpointSpec(r: EndpointRecord): Record<string, unknown> {
  const spec: Record<string, unknown> = { functions: r.functions, urlPathTemplate: r.urlPathTemplate };
  if (r.maxNumBatchRequests !== DEFAULT_MAX_BATCH) spec.maxNumBatchRequests = r.maxNumBatchRequests;
  const f = formatFlinkDuration;
  if (r.kind === ENDPOINT_V1) {
    spec.timeouts = {
      call: f(r.callTimeoutMs),
      connect: f(r.connectTimeoutMs),
      read: f(r.readTimeoutMs ?? OKHTTP_DEFAULTS.read),
      write: f(r.writeTimeoutMs ?? OKHTTP_DEFAULTS.write),
    };
    return spec;
  }
  if (r.transportType === OKHTTP_TRANSPORT) {
    spec.transport = {
      type: OKHTTP_TRANSPORT,
      ...r.transportExtra,
      timeouts: {
        call: f(r.callTimeoutMs),
        connect: f(r.connectTimeoutMs),
        read: f(r.readTimeoutMs ?? OKHTTP_DEFAULTS.read),
        write: f(r.writeTimeoutMs ?? OKHTTP_DEFAULTS.write),
      },
    };
    return spec;
  }
  spec.transport = { type: ASYNC_TRANSPORT, ...r.transportExtra, call: f(r.callTimeoutMs), connect: f(r.connectTimeoutMs) };
  return spec;
}
