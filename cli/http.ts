import type { z } from "zod";
import type { RouteSpec } from "../server/contracts/api";
import { CSRF_HEADER, SESSION_COOKIE } from "../server/contracts/auth";
import { ErrorBody } from "../server/contracts/errors";
import { formatZodError } from "../server/http/zod-errors";
import type { Connection } from "./config";
import { CliError, EXIT, exitCodeOfStatus, usageError } from "./errors";

type Query = Record<string, string | number | boolean | undefined | null>;

export interface RequestOptions {
  params?: Record<string, string>;
  query?: Query;
  /** A JSON body, checked against the route's body schema first. */
  json?: unknown;
  /** A raw body (text, bytes, or a stream sent as it is read). */
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  contentType?: string;
  headers?: Record<string, string>;
  /** Another server for this request (the lean ingress). */
  baseUrl?: string;
  signal?: AbortSignal;
}

export type ResponseOf<S extends RouteSpec> = S["response"] extends z.ZodType ? z.output<S["response"]> : never;

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** Client-side checks with the route's own schemas: a bad argument is a usage error before any request. */
function check(schema: z.ZodType | undefined, value: unknown, kind: "params" | "query" | "body"): void {
  if (!schema || value === undefined) return;
  const r = schema.safeParse(value);
  if (r.success) return;
  // query fields are the commands' options: named as their flags (functionType → --function-type)
  if (kind === "query") throw usageError(r.error.issues.map((i) => `--${String(i.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: ${i.message}`).join("; "));
  throw usageError(formatZodError(r.error, ""));
}

function pathOf(spec: RouteSpec, params: Record<string, string> = {}): string {
  return spec.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`${spec.path}: no value for {${name}}`);
    return encodeURIComponent(params[name]);
  });
}

function withQuery(path: string, query: Query = {}): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}?${s}` : path;
}

/** What a failed fetch says, e.g. ECONNREFUSED, from undici's `fetch failed` and its cause. */
function networkReason(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (e as Error).message;
}

export class ApiClient {
  constructor(readonly conn: Connection) {}

  private headers(method: string, extra: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = { accept: "application/json", ...extra };
    const c = this.conn.credentials;
    if (c?.kind === "token") h.authorization = `Bearer ${c.token}`;
    if (c?.kind === "session") {
      h.cookie = `${SESSION_COOKIE}=${encodeURIComponent(c.session.cookie)}`;
      if (MUTATING.has(method) && c.session.csrf) h[CSRF_HEADER] = c.session.csrf;
    }
    return h;
  }

  /** The response of a 2xx answer; anything else becomes a CliError carrying the API's message and exit code. */
  async send(spec: RouteSpec, o: RequestOptions = {}): Promise<Response> {
    check(spec.params, o.params, "params");
    check(spec.query, o.query ?? {}, "query");
    if (spec.body && "safeParse" in spec.body) check(spec.body as z.ZodType, o.json, "body");
    const base = o.baseUrl ?? this.conn.url;
    const url = base + withQuery(pathOf(spec, o.params), o.query);
    const extra: Record<string, string> = { ...o.headers };
    let body: RequestInit["body"];
    if (o.json !== undefined) {
      extra["content-type"] = "application/json";
      body = JSON.stringify(o.json);
    } else if (o.body !== undefined) {
      extra["content-type"] = o.contentType ?? "application/octet-stream";
      body = o.body as RequestInit["body"];
    }
    const init: RequestInit & { duplex?: "half" } = { method: spec.method, headers: this.headers(spec.method, extra), body, signal: o.signal };
    if (o.body instanceof ReadableStream) init.duplex = "half";
    let res: Response;
    try {
      res = await fetch(url, init);
    } catch (e) {
      if ((e as Error).name === "AbortError") throw e;
      throw new CliError(`cannot reach ${base}: ${networkReason(e)}`, EXIT.unavailable, "unreachable");
    }
    if (!res.ok) throw await this.failure(spec, res);
    return res;
  }

  private async failure(spec: RouteSpec, res: Response): Promise<CliError> {
    const text = await res.text().catch(() => "");
    let parsed: ReturnType<typeof ErrorBody.safeParse> | null = null;
    try {
      parsed = ErrorBody.safeParse(JSON.parse(text));
    } catch {}
    const exit = exitCodeOfStatus(res.status);
    if (!parsed?.success) return new CliError(`${spec.method} ${spec.path}: the server answered ${res.status} ${res.statusText}`.trim(), exit, `http-${res.status}`, undefined, res.status);
    const { code, message, details } = parsed.data.error;
    return new CliError(message + (code === "unauthenticated" ? this.authHint() : ""), exit, code, details, res.status);
  }

  private authHint(): string {
    if (this.conn.withheld) return ` (no credentials were sent: ${this.conn.withheld}; use --profile or its URL)`;
    if (!this.conn.credentials) return " (run statehouse login, or set STATEHOUSE_TOKEN or --token)";
    return "";
  }

  /** A JSON route: the answer checked against the route's response schema. */
  async call<S extends RouteSpec>(spec: S, o: RequestOptions = {}): Promise<ResponseOf<S>> {
    return this.decode(spec, await this.send(spec, o));
  }

  /** A 2xx answer's JSON, checked against the route's response schema. */
  async decode<S extends RouteSpec>(spec: S, res: Response): Promise<ResponseOf<S>> {
    const schema = spec.response as z.ZodType;
    const r = schema.safeParse(await res.json().catch(() => undefined));
    if (!r.success)
      throw new CliError(`the answer to ${spec.method} ${spec.path} does not match this CLI's contract (is the server another version?): ${formatZodError(r.error, "")}`, EXIT.failed, "bad-response");
    return r.data as ResponseOf<S>;
  }

  /** A raw text route (module YAML). */
  async text(spec: RouteSpec, o: RequestOptions = {}): Promise<string> {
    return (await this.send(spec, { ...o, headers: { accept: "application/yaml, text/plain;q=0.9, */*;q=0.1", ...o.headers } })).text();
  }
}
