import { CSRF_COOKIE, SESSION_COOKIE } from "../contracts/auth";
import type { Ctx } from "../context";
import type { LoginResult } from "../auth/sessions";
import { jsonResponse } from "./route";
import { requestProtocol } from "./forwarded";

function secure(req: Request, ctx: Ctx): boolean {
  const mode = ctx.env.STATEHOUSE_SECURE_COOKIES;
  if (mode !== "auto") return mode === "true";
  return requestProtocol(req.headers, req.url, ctx.env.STATEHOUSE_TRUST_PROXY) === "https";
}

function cookie(name: string, value: string, opts: { httpOnly: boolean; secure: boolean; maxAge: number }): string {
  return [
    `${name}=${encodeURIComponent(value)}`,
    "Path=/",
    "SameSite=Lax",
    `Max-Age=${opts.maxAge}`,
    opts.httpOnly ? "HttpOnly" : "",
    opts.secure ? "Secure" : "",
  ]
    .filter(Boolean)
    .join("; ");
}

/** The session id is httpOnly; the CSRF token is readable by the console so it can echo it in a header. */
export function loginResponse(req: Request, ctx: Ctx, r: LoginResult): Response {
  const maxAge = Math.floor((r.expiresAt.getTime() - ctx.now().getTime()) / 1000);
  const s = secure(req, ctx);
  const headers = new Headers();
  headers.append("set-cookie", cookie(SESSION_COOKIE, r.sessionToken, { httpOnly: true, secure: s, maxAge }));
  headers.append("set-cookie", cookie(CSRF_COOKIE, r.csrfToken, { httpOnly: false, secure: s, maxAge }));
  return jsonResponse({ user: r.principal, csrfToken: r.csrfToken }, 200, headers);
}

export function logoutResponse(): Response {
  const headers = new Headers();
  headers.append("set-cookie", cookie(SESSION_COOKIE, "", { httpOnly: true, secure: false, maxAge: 0 }));
  headers.append("set-cookie", cookie(CSRF_COOKIE, "", { httpOnly: false, secure: false, maxAge: 0 }));
  return jsonResponse({ ok: true }, 200, headers);
}
