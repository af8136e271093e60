import type { Principal } from "../contracts/auth";
import { CSRF_HEADER, SESSION_COOKIE } from "../contracts/auth";
import type { Ctx } from "../context";
import { AppError } from "../errors";
import { timingSafeEqual } from "node:crypto";
import { constantTimeEqual, sha256 } from "./secrets";
import { getOrSet } from "../collections";
import { requestHost } from "../http/forwarded";

/** What authentication reads of a request: a WHATWG Headers, or the lean listener's view of node's headers. */
export type HeaderSource = Pick<Headers, "get">;

export interface Authenticated {
  principal: Principal;
  via: "bearer" | "cookie";
  /** The session's CSRF token (cookie auth only). */
  csrfToken: string | null;
  sessionId: string | null;
}

/**
 * A token lookup is a Postgres round trip, ~6× the rest of an ingress request (bench/README.md), and machines
 * resend one token thousands of times a second. A valid token is remembered for TOKEN_CACHE_MS, so a revoked one
 * keeps working for at most that long in other processes (the revoking process forgets it at once). Unknown
 * tokens and sessions are never cached.
 */
export const TOKEN_CACHE_MS = 1_000;
const TOKEN_CACHE_MAX = 10_000;
const tokenCaches = new WeakMap<Ctx, Map<string, { principal: Principal; until: number }>>();
const tokenCache = (ctx: Ctx) => getOrSet(tokenCaches, ctx, () => new Map());
/**
 * Lookups under way, by token hash: when a hot token's cache entry lapses, the requests arriving meanwhile (64
 * at once from one busy client) share one Postgres round trip instead of making one each.
 */
const lookups = new WeakMap<Ctx, Map<string, Promise<Principal>>>();
const lookupsOf = (ctx: Ctx) => getOrSet(lookups, ctx, () => new Map());
export const forgetCachedTokens = (ctx: Ctx) => {
  tokenCache(ctx).clear();
  lookupsOf(ctx).clear();
};
// The admin token's SHA-256, computed once per value: a request's token is then hashed once, not three times.
let adminHash: { token: string; hash: Buffer } | null = null;
const adminHashOf = (token: string) => (adminHash?.token === token ? adminHash.hash : (adminHash = { token, hash: Buffer.from(sha256(token), "hex") }).hash);

async function lookupToken(ctx: Ctx, hash: string): Promise<Principal> {
  const row = await ctx.db.apiToken.findUnique({ where: { tokenHash: hash } });
  if (!row || row.revokedAt) throw new AppError("unauthenticated", "the bearer token is unknown or revoked");
  // Touch at most once a minute: a hot token must not turn every read into a write.
  const now = ctx.now();
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
    await ctx.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  const principal: Principal = { kind: "token", name: row.name, role: row.role };
  const cache = tokenCache(ctx);
  if (cache.size >= TOKEN_CACHE_MAX) cache.clear();
  cache.set(hash, { principal, until: Date.now() + TOKEN_CACHE_MS });
  return principal;
}

/** A cookie's value, or null when it is absent or not decodable (`sh_session=%` is no session, not a 500). */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) {
      try {
        return decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * What a credential can look like. Session ids are randomSecret() (base64url); API tokens `sh_` + base64url; the
 * admin token is whatever env holds, and a header carries visible ASCII. Anything else (NUL, controls, a byte
 * above 0x7e) names no credential: refused before any hashing or query, so it never reaches Postgres.
 */
const SESSION_ID_RE = /^[A-Za-z0-9_-]{16,128}$/;
const BEARER_TOKEN_RE = /^[\x21-\x7e]{1,1024}$/;

/** Bearer token (API token or STATEHOUSE_ADMIN_TOKEN) first, then the console session cookie. */
export async function authenticate(ctx: Ctx, headers: HeaderSource): Promise<Authenticated | null> {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw new AppError("unauthenticated", "the Authorization header must be `Bearer <token>`");
    const token = m[1];
    if (!BEARER_TOKEN_RE.test(token)) throw new AppError("unauthenticated", "the bearer token is malformed");
    const hash = sha256(token);
    const admin = ctx.env.STATEHOUSE_ADMIN_TOKEN;
    // Comparing the hashes is constant-time in the token's length and content.
    if (admin && timingSafeEqual(Buffer.from(hash, "hex"), adminHashOf(admin)))
      return { principal: { kind: "admin-token", name: "admin-token", role: "admin" }, via: "bearer", csrfToken: null, sessionId: null };
    const hit = tokenCache(ctx).get(hash);
    if (hit && hit.until > Date.now()) return { principal: hit.principal, via: "bearer", csrfToken: null, sessionId: null };
    const pending = lookupsOf(ctx);
    let lookup = pending.get(hash);
    if (!lookup) {
      lookup = lookupToken(ctx, hash).finally(() => pending.delete(hash));
      pending.set(hash, lookup);
    }
    return { principal: await lookup, via: "bearer", csrfToken: null, sessionId: null };
  }
  const cookie = readCookie(headers.get("cookie"), SESSION_COOKIE);
  if (!cookie || !SESSION_ID_RE.test(cookie)) return null;
  const session = await ctx.db.session.findUnique({ where: { tokenHash: sha256(cookie) }, include: { user: true } });
  if (!session || session.expiresAt <= ctx.now() || session.user.disabled) return null;
  return {
    principal: { kind: "user", name: session.user.username, role: session.user.role },
    via: "cookie",
    csrfToken: session.csrfToken,
    sessionId: session.id,
  };
}

/**
 * Cookie-authenticated mutations need the session's CSRF token echoed in a header (double submit),
 * and a same-origin Origin when the browser sends one. Bearer requests carry no ambient credential.
 * The host the Origin must match is X-Forwarded-Host only behind a trusted proxy (server/http/forwarded.ts).
 */
export function checkCsrf(a: Authenticated, headers: HeaderSource, requestUrl: string, trustProxy: boolean): void {
  if (a.via !== "cookie") return;
  const sent = headers.get(CSRF_HEADER);
  if (!sent || !a.csrfToken || !constantTimeEqual(sent, a.csrfToken))
    throw new AppError("csrf-failed", `cookie-authenticated changes need the ${CSRF_HEADER} header from the login response`);
  const origin = headers.get("origin");
  if (origin && origin !== "null") {
    const host = requestHost(headers, requestUrl, trustProxy);
    if (originHost(origin) !== host) throw new AppError("csrf-failed", `cross-origin request from ${JSON.stringify(origin)} refused`);
  }
}

/** An Origin header that is no URL ("garbage") matches no host: refused like a foreign one, not a 500. */
function originHost(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
