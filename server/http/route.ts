import { randomUUID } from "node:crypto";
import { RecoveringError } from "../dispatch/data-plane";
import type { z } from "zod";
import type { RouteSpec } from "../contracts/api";
import type { Principal } from "../contracts/auth";
import { appContext, type Ctx } from "../context";
import { EnvError } from "../env";
import { AppError, statusOf } from "../errors";
import { hasRole } from "../auth/roles";
import { authenticate, checkCsrf, type Authenticated, type HeaderSource } from "../auth/authenticate";
import { formatZodError } from "./zod-errors";
import { findUnstorable, urlTextProblem } from "../contracts/stored-text";

const MAX_BODY_BYTES = 1024 * 1024;

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;
type BodyOf<S extends RouteSpec> = S["body"] extends z.ZodType
  ? z.output<S["body"]>
  : S["body"] extends { stream: true }
    ? AsyncIterable<Uint8Array>
    : S["body"] extends { binary: true }
    ? Buffer
    : S["body"] extends { raw: string }
      ? string
      : undefined;

export interface HandlerInput<S extends RouteSpec> {
  ctx: Ctx;
  req: Request;
  params: Infer<S["params"]>;
  query: Infer<S["query"]>;
  body: BodyOf<S>;
  /** Set for every route with a role; null only on public routes. */
  principal: S["role"] extends null ? Principal | null : Principal;
  auth: Authenticated | null;
}

type NextCtx = { params: Promise<Record<string, string | string[] | undefined>> };
type Handler = (req: Request, next: NextCtx) => Promise<Response>;

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The `{error: {code, message, details?}}` body every failure is answered with. */
export const errorBody = (e: AppError) => ({ error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } });

/** An error that says when to come back (a 429's `retryAfterSeconds`) carries it as Retry-After too. */
export function errorResponse(e: AppError, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  const retry = e.details?.retryAfterSeconds;
  if (typeof retry === "number" && !h.has("retry-after")) h.set("retry-after", String(retry));
  return Response.json(errorBody(e), { status: statusOf[e.code], headers: h });
}

export function jsonResponse(body: unknown, status = 200, headers?: HeadersInit): Response {
  // Copy into a Headers object: spreading into a plain object would fold several Set-Cookie values into one.
  const h = new Headers(headers);
  if (!h.has("cache-control")) h.set("cache-control", "no-store");
  return Response.json(body, { status, headers: h });
}

export function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new AppError("validation-failed", formatZodError(r.error, where), { issues: r.error.issues.map((i) => ({ path: [where, ...i.path].join("."), message: i.message })) });
  return r.data;
}

function invalid(field: string, message: string): AppError {
  return new AppError("validation-failed", `${field}: ${message}`, { issues: [{ path: field, message }] });
}

/** Path parameters (decoded by Next) are names and ids: refused with a control character, NUL or lone surrogate. */
function checkPathText(params: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(params))
    for (const s of Array.isArray(v) ? v : [v]) {
      const p = typeof s === "string" ? urlTextProblem(s) : null;
      if (p) throw invalid(`path.${k}`, p);
    }
}

/** A route's path parameters, checked and parsed: the route handlers and the lean ingress listener answer alike. */
export function parseParams<S extends RouteSpec>(spec: S, raw: Record<string, unknown>): Infer<S["params"]> {
  checkPathText(raw);
  return (spec.params ? parse(spec.params, raw, "path") : undefined) as Infer<S["params"]>;
}

/**
 * The contract's query parameters, each given at most once (`?dryRun=true&dryRun=false` must not mean whichever
 * the parser happens to keep) and free of control characters, NUL and lone surrogates.
 */
function queryOf(url: URL, schema: z.ZodObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const all = url.searchParams.getAll(key);
    if (all.length > 1) throw invalid(`query.${key}`, `is given ${all.length} times; give it once`);
    if (all.length === 0) continue;
    const p = urlTextProblem(all[0]);
    if (p) throw invalid(`query.${key}`, p);
    out[key] = all[0];
  }
  return out;
}

/** A JSON body's strings and keys (any field, user state included) must be storable: see stored-text.ts. */
function checkBodyText(body: unknown): void {
  const hit = findUnstorable(body);
  if (hit) throw invalid(["body", ...hit.path].join("."), hit.problem);
}

/**
 * The body as it arrives, for a route that reads it as a stream: payload-too-large as soon as more than `limit`
 * bytes have come, whether or not a Content-Length said so. Stopping early cancels the rest of the body.
 */
async function* streamBody(req: Request, limit: number): AsyncGenerator<Uint8Array, void, undefined> {
  if (!req.body) return;
  const reader = req.body.getReader();
  let n = 0;
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      n += r.value.byteLength;
      if (n > limit) throw new AppError("payload-too-large", `the body is larger than ${limit} bytes`);
      yield r.value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

async function readBody(req: Request, spec: RouteSpec, limit: number): Promise<unknown> {
  if (!spec.body) return undefined;
  const len = Number(req.headers.get("content-length") ?? 0);
  if (len > limit) throw new AppError("payload-too-large", `the body is ${len} bytes; the limit is ${limit}`);
  if ("raw" in spec.body && spec.body.stream) return streamBody(req, limit);
  const bytes = Buffer.from(await req.arrayBuffer());
  if (bytes.length > limit) throw new AppError("payload-too-large", `the body is larger than ${limit} bytes`);
  if ("raw" in spec.body) return spec.body.binary ? bytes : bytes.toString("utf8");
  const text = bytes.toString("utf8");
  const type = req.headers.get("content-type") ?? "";
  if (type && !/^application\/([\w.+-]+\+)?json\b/i.test(type))
    throw new AppError("unsupported-media-type", `send the body as application/json, not ${type}`);
  if (text.trim() === "") throw new AppError("bad-request", "the request body is empty; send a JSON object");
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError("bad-request", `the body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Connection failures to Postgres/Redis are a 503 the caller can retry, not a bug. */
function isUnavailable(e: unknown): boolean {
  const text = `${(e as Error)?.message ?? ""} ${String((e as { code?: string })?.code ?? "")}`;
  return /ECONNREFUSED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|Connection is closed|P1001|P1002|DatabaseNotReachable|max retries per request/i.test(text);
}

/**
 * The error a caller gets for an exception that is not an AppError: 503 when a store is unreachable (logged as
 * a warning), else 500 with a request id (logged once, here, at the edge).
 */
export function unexpectedError(ctx: Ctx | undefined, e: unknown, requestId: string, route: string): { error: AppError; headers: Record<string, string> } {
  if (e instanceof RecoveringError) return { error: new AppError("unavailable", e.message), headers: { "retry-after": "2" } };
  if (isUnavailable(e)) {
    ctx?.log.warn({ requestId, err: e }, "dependency unavailable");
    return { error: new AppError("unavailable", "Postgres or Redis is not reachable; retry shortly"), headers: { "retry-after": "2" } };
  }
  if (ctx) ctx.log.error({ requestId, err: e, route }, "unexpected error");
  else console.error(`unexpected error in ${route} (request id ${requestId})`, e);
  return { error: new AppError("internal", `unexpected server error (request id ${requestId}); see the server log`), headers: {} };
}

/** Authenticate, check the role, and (for cookie-authenticated mutations) the CSRF token. */
export async function authorize(ctx: Ctx, spec: RouteSpec, headers: HeaderSource, url: string): Promise<Authenticated | null> {
  if (spec.role === null) return null;
  const auth = await authenticate(ctx, headers);
  if (!auth) throw new AppError("unauthenticated", "sign in, or send `Authorization: Bearer <token>`");
  if (!hasRole(auth.principal.role, spec.role))
    throw new AppError("forbidden", `${spec.method} ${spec.path} needs the ${spec.role} role; you are ${auth.principal.role}`);
  if (MUTATING.has(spec.method)) checkCsrf(auth, headers, url, ctx.env.STATEHOUSE_TRUST_PROXY);
  return auth;
}

/**
 * The one route builder: authenticate → authorize (role, CSRF) → parse params/query/body with the contract →
 * call server/ → map error codes to statuses. Authentication runs before parsing so an anonymous caller
 * learns nothing about a route's input rules.
 */
export function handler<S extends RouteSpec>(spec: S, fn: (input: HandlerInput<S>) => Promise<unknown>): Handler {
  const h: Handler = async (req, next) => {
    const requestId = randomUUID();
    let ctx: Ctx | undefined;
    try {
      try {
        ctx = appContext();
      } catch (e) {
        if (e instanceof EnvError) throw new AppError("unavailable", e.message);
        throw e;
      }
      const auth = await authorize(ctx, spec, req.headers, req.url);
      const rawParams = next?.params ? await next.params : {};
      const params = parseParams(spec, rawParams);
      const url = new URL(req.url);
      const query = spec.query ? parse(spec.query, queryOf(url, spec.query), "query") : undefined;
      const rawBody = await readBody(req, spec, spec.maxBytes ?? MAX_BODY_BYTES);
      const json = spec.body && !("raw" in spec.body);
      if (json) checkBodyText(rawBody);
      const body = json ? parse(spec.body as z.ZodType, rawBody, "body") : rawBody;
      const result = await fn({ ctx, req, params, query, body, principal: auth?.principal ?? null, auth } as HandlerInput<S>);
      if (result instanceof Response) return result;
      return jsonResponse(result, spec.status ?? 200);
    } catch (e) {
      if (e instanceof AppError) return errorResponse(e, { "x-request-id": requestId });
      const u = unexpectedError(ctx, e, requestId, `${spec.method} ${spec.path}`);
      return errorResponse(u.error, u.headers);
    }
  };
  Object.assign(h, { spec });
  return h;
}

/** The spec a built handler came from (the authorization test walks these). */
export const specOf = (h: unknown): RouteSpec | undefined => (h as { spec?: RouteSpec })?.spec;
