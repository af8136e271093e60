import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { api, type RouteSpec } from "../contracts/api";
import type { Ctx } from "../context";
import { AppError, statusOf } from "../errors";
import { authorize, errorBody, parseParams, unexpectedError } from "../http/route";
import { sendBatch, sendOne } from "../dispatch/ingress-http";
import type { HeaderSource } from "../auth/authenticate";

/**
 * The HTTP ingress without Next.js: the same contract entries (api.sendMessage, api.putMessage, api.sendBatch),
 * the same authentication (bearer token or session cookie + CSRF), the same request handling
 * (server/dispatch/ingress-http.ts) and the same error bodies — on a plain node:http server. Next's request
 * pipeline costs more CPU per request than the ingress itself (see bench/README.md); this process does not.
 * It answers only the ingress paths and GET /healthz.
 */
const SINGLE = /^\/api\/v1\/ingress\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;
const BATCH = /^\/api\/v1\/ingress\/?$/;

type Route = { spec: RouteSpec; params?: Record<string, string> };

function route(method: string, path: string): Route | { allow: string } | null {
  if (BATCH.test(path)) return method === "POST" ? { spec: api.sendBatch } : { allow: "POST" };
  const m = SINGLE.exec(path);
  if (!m) return null;
  const params = { namespace: decode(m[1]), type: decode(m[2]), id: decode(m[3]) };
  if (method === "POST") return { spec: api.sendMessage, params };
  if (method === "PUT") return { spec: api.putMessage, params };
  return { allow: "POST, PUT" };
}

export function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError("bad-request", `the path segment "${segment}" is not valid percent-encoding`);
  }
}

/** `get` over node's parsed headers (names lowercased, repeats joined): no WHATWG Headers built per request. */
export function headerSource(req: IncomingMessage): HeaderSource {
  return {
    get(name: string) {
      const v = req.headers[name.toLowerCase()];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    },
  };
}

/** The route builder's limits: a Content-Length over the limit is refused unread; a longer stream is cut off. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const len = Number(req.headers["content-length"] ?? 0);
  if (len > limit) return Promise.reject(new AppError("payload-too-large", `the body is ${len} bytes; the limit is ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners("data");
        req.resume();
        reject(new AppError("payload-too-large", `the body is larger than ${limit} bytes`));
      } else chunks.push(c);
    });
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on("error", reject);
  });
}

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, e: AppError, headers: Record<string, string> = {}): void {
  send(res, statusOf[e.code], errorBody(e), headers);
}

export async function handleIngress(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? "GET";
  const path = (req.url ?? "/").split("?")[0];
  try {
    if (path === "/healthz" && method === "GET") return send(res, 200, { ok: true });
    const r = route(method, path);
    if (!r) throw new AppError("not-found", `no ingress at ${path}; send to /api/v1/ingress/{namespace}/{type}/{id} or POST NDJSON to /api/v1/ingress`);
    if ("allow" in r) {
      res.writeHead(405, { allow: r.allow }).end();
      return;
    }
    const { spec } = r;
    const headers = headerSource(req);
    await authorize(ctx, spec, headers, `http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`);
    const params = parseParams(spec, r.params ?? {});
    const body = await readBody(req, spec.maxBytes ?? 1024 * 1024);
    if (spec === api.sendBatch) return send(res, spec.status ?? 200, await sendBatch(ctx, body.toString("utf8")));
    const a = params as { namespace: string; type: string; id: string };
    return send(res, spec.status ?? 200, await sendOne(ctx, headers, a, body));
  } catch (e) {
    answerError(ctx, res, e, `${method} ${path}`);
  }
}

/** An AppError as its error body; anything else logged under a request id and answered as `internal`. */
export function answerError(ctx: Ctx, res: ServerResponse, e: unknown, what: string): void {
  const close: Record<string, string> = res.req.complete ? {} : { connection: "close" };
  // made only for errors: the id ties the answer to the log line
  const requestId = randomUUID();
  if (e instanceof AppError) return sendError(res, e, { "x-request-id": requestId, ...close });
  const u = unexpectedError(ctx, e, requestId, what);
  sendError(res, u.error, { ...u.headers, ...close });
}

export function createIngressListener(ctx: Ctx): Server {
  const server = createServer((req, res) => void handleIngress(ctx, req, res));
  // Clients keep connections open between bursts (load balancers, benchmarks): outlive their idle timeouts.
  server.keepAliveTimeout = 65_000;
  return server;
}
