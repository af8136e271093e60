import { CSRF_COOKIE, CSRF_HEADER } from "@/server/contracts/auth";

/** Every non-2xx answer, carrying the server's `{error:{code,message,details}}` when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: Record<string, unknown>;

  constructor(status: number, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

/** The user-facing text of any failure: the server's message when there is one. */
export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

// The session response also carries the CSRF token; it is the fallback if the cookie is not readable.
let sessionCsrf: string | null = null;
export function rememberCsrfToken(token: string | null): void {
  sessionCsrf = token;
}

function readCookie(name: string): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The CSRF header a cookie-authenticated mutation needs, for requests not sent through apiJson (an XHR upload). */
export function csrfHeaders(): Record<string, string> {
  const csrf = readCookie(CSRF_COOKIE) ?? sessionCsrf;
  return csrf ? { [CSRF_HEADER]: csrf } : {};
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Sent as JSON unless `contentType` says otherwise (then it must be a string). */
  body?: unknown;
  contentType?: string;
  query?: Record<string, string | number | boolean | null | undefined>;
  accept?: string;
  signal?: AbortSignal;
}

export function withQuery(path: string, query?: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const method = opts.method ?? "GET";
  const headers: Record<string, string> = { Accept: opts.accept ?? "application/json" };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    if (opts.contentType) {
      headers["Content-Type"] = opts.contentType;
      body = opts.body as string;
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.body);
    }
  }
  if (MUTATING.has(method)) Object.assign(headers, csrfHeaders());
  let res: Response;
  try {
    res = await fetch(withQuery(path, opts.query), { method, headers, body, credentials: "same-origin", signal: opts.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network-error", "The server could not be reached; check your connection and try again.");
  }
  if (!res.ok) throw await toApiError(res);
  return res;
}

async function toApiError(res: Response): Promise<ApiError> {
  return parseApiError(res.status, res.statusText, await res.text().catch(() => ""));
}

/** An error answer's body as an ApiError (also for answers read without fetch, such as an XHR upload's). */
export function parseApiError(status: number, statusText: string, text: string): ApiError {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const err = parsed.error;
    if (err && typeof err.message === "string")
      return new ApiError(
        status,
        typeof err.code === "string" ? err.code : "error",
        err.message,
        err.details && typeof err.details === "object" ? (err.details as Record<string, unknown>) : undefined,
      );
  } catch {
    // not JSON: fall through to the status line
  }
  return new ApiError(status, "http-" + status, `The server answered ${status} ${statusText}`.trim());
}

/** JSON in, JSON out. */
export async function apiJson<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** For raw bodies such as module YAML. */
export async function apiText(path: string, opts: RequestOptions = {}): Promise<string> {
  const res = await send(path, { accept: "application/yaml, text/plain;q=0.9, */*;q=0.1", ...opts });
  return res.text();
}

export const appPath = (app: string) => `/api/v1/applications/${encodeURIComponent(app)}`;
