import type { Principal } from "../contracts/auth";
import { CSRF_HEADER, SESSION_COOKIE } from "../contracts/auth";
import type { Ctx } from "../context";
import { AppError } from "../errors";
import { constantTimeEqual, sha256 } from "./secrets";

export interface Authenticated {
  principal: Principal;
  via: "bearer" | "cookie";
  /** The session's CSRF token (cookie auth only). */
  csrfToken: string | null;
  sessionId: string | null;
}

export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

/** Bearer token (API token or STATEHOUSE_ADMIN_TOKEN) first, then the console session cookie. */
export async function authenticate(ctx: Ctx, headers: Headers): Promise<Authenticated | null> {
  const auth = headers.get("authorization");
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) throw new AppError("unauthenticated", "the Authorization header must be `Bearer <token>`");
    const token = m[1];
    const admin = ctx.env.STATEHOUSE_ADMIN_TOKEN;
    if (admin && constantTimeEqual(token, admin))
      return { principal: { kind: "admin-token", name: "admin-token", role: "admin" }, via: "bearer", csrfToken: null, sessionId: null };
    const row = await ctx.db.apiToken.findUnique({ where: { tokenHash: sha256(token) } });
    if (!row || row.revokedAt) throw new AppError("unauthenticated", "the bearer token is unknown or revoked");
    // Touch at most once a minute: a hot token must not turn every read into a write.
    const now = ctx.now();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000)
      await ctx.db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
    return { principal: { kind: "token", name: row.name, role: row.role }, via: "bearer", csrfToken: null, sessionId: null };
  }
  const cookie = readCookie(headers.get("cookie"), SESSION_COOKIE);
  if (!cookie) return null;
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
 */
export function checkCsrf(a: Authenticated, headers: Headers, requestUrl: string): void {
  if (a.via !== "cookie") return;
  const sent = headers.get(CSRF_HEADER);
  if (!sent || !a.csrfToken || !constantTimeEqual(sent, a.csrfToken))
    throw new AppError("csrf-failed", `cookie-authenticated changes need the ${CSRF_HEADER} header from the login response`);
  const origin = headers.get("origin");
  if (origin && origin !== "null") {
    const host = headers.get("x-forwarded-host") ?? headers.get("host") ?? new URL(requestUrl).host;
    if (new URL(origin).host !== host) throw new AppError("csrf-failed", `cross-origin request from ${origin} refused`);
  }
}
