import { CSRF_HEADER, SESSION_COOKIE } from "@/server/contracts/auth";

type RouteFn = (req: Request, next: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  /** A raw body (e.g. YAML) sent as-is. */
  raw?: string;
  contentType?: string;
  token?: string;
  session?: { cookie: string; csrf?: string };
  headers?: Record<string, string>;
  path?: string;
}

/** Calls a Next route handler the way the Next server does: a Request plus a params promise. */
export async function callRoute(fn: unknown, method: string, opts: CallOptions = {}) {
  const url = new URL(opts.path ?? "/api/test", "http://127.0.0.1:3000");
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const headers = new Headers(opts.headers);
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  if (opts.session) {
    headers.set("cookie", `${SESSION_COOKIE}=${opts.session.cookie}`);
    if (opts.session.csrf) headers.set(CSRF_HEADER, opts.session.csrf);
  }
  let body: string | undefined;
  if (opts.raw !== undefined) {
    body = opts.raw;
    headers.set("content-type", opts.contentType ?? "application/yaml");
  } else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers.set("content-type", opts.contentType ?? "application/json");
  }
  const res = await (fn as RouteFn)(new Request(url, { method, headers, body }), { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text, headers: res.headers };
}
