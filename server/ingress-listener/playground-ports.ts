import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Ctx } from "../context";
import { AppError } from "../errors";
import { sendOne } from "../dispatch/ingress-http";
import { planeOf } from "../dispatch/plane";
import { peekEgressRecord, playgroundPayload, popEgressRecord, popEgressRecordIf } from "../egress/pop-playground";
import { PLAYGROUND_EGRESS, PLAYGROUND_EGRESS_ID, PLAYGROUND_INGRESS } from "../registry/module/kinds";
import type { HeaderSource } from "../auth/authenticate";
import { constantTimeEqual } from "../auth/secrets";
import { answerError, decode, headerSource, readBody, send } from "./listener";

/**
 * StateFun's playground ports for the modules applied here (protocol §4.7): each `io.statefun.playground.v1/ingress`
 * port takes `PUT|POST /{namespace}/{type}/{id}` (the /api/v1/ingress handling, typed by
 * `Content-Type: application/vnd.<typename>`, any other body an io.statefun.types/string), and each
 * `io.statefun.playground.v1/egress` port answers `GET /{topic}` with the topic's next payload (200), 404 when
 * none is left, 405 for a topic no module declares on that port. Beyond the playground, `X-Statehouse-Peek: true`
 * answers the next record without popping it and `X-Statehouse-Pop-If: <record id>` pops it only if it is that one
 * (409 otherwise); every 200 names its record in `X-Statehouse-Record`. The demo's trickle uses the two to take back
 * its own greetings and leave the user's. They bind to PLAYGROUND_BIND (loopback unless
 * opened) and take a bearer token only when PLAYGROUND_TOKEN is set, as the playground takes none.
 * `sync()` opens and closes listeners to match the registry; the ingress process calls it after each reload.
 */
type PortRole = { kind: "ingress" } | { kind: "egress"; topics: Map<string, string> /* topic → application */ };

interface Bound {
  role: PortRole;
  server: Server;
}

const PATH = /^\/([^/]+)\/([^/]+)\/([^/]+)\/?$/;
const TOPIC = /^\/([^/]+)\/?$/;
const STREAM_ID = /^\d{1,20}-\d{1,20}$/;

/** Port → what it serves, from the stored modules. Two applications on one egress port share it; the first declaring a topic keeps it. */
async function desiredPorts(ctx: Ctx): Promise<Map<number, PortRole>> {
  const [ingresses, egresses] = await Promise.all([
    ctx.db.ingress.findMany({ where: { kind: PLAYGROUND_INGRESS }, select: { spec: true } }),
    ctx.db.egress.findMany({ where: { kind: PLAYGROUND_EGRESS }, select: { spec: true, application: { select: { name: true } } }, orderBy: { application: { name: "asc" } } }),
  ]);
  const out = new Map<number, PortRole>();
  for (const i of ingresses) out.set(Number((i.spec as { port: number }).port), { kind: "ingress" });
  for (const e of egresses) {
    const spec = e.spec as { port?: number; topics: string[] };
    const port = Number(spec.port ?? 8091); // the playground's default egress port
    const role = out.get(port) ?? { kind: "egress", topics: new Map() };
    if (role.kind !== "egress") {
      ctx.log.warn({ port, application: e.application.name }, "a playground egress declares the port of a playground ingress; the ingress keeps it");
      continue;
    }
    for (const t of spec.topics) if (!role.topics.has(t)) role.topics.set(t, e.application.name);
    out.set(port, role);
  }
  if (out.delete(ctx.env.INGRESS_PORT))
    ctx.log.warn({ port: ctx.env.INGRESS_PORT }, "a playground port is this process's INGRESS_PORT; not served: run the ingress with another INGRESS_PORT (the default is 8080)");
  return out;
}

/** A header source whose Content-Type is text/plain unless the request names a typename: the playground's default. */
function playgroundHeaders(req: IncomingMessage): HeaderSource {
  const h = headerSource(req);
  return {
    get(name: string) {
      if (name.toLowerCase() !== "content-type") return h.get(name);
      const ct = h.get(name) ?? "";
      return /^\s*application\/vnd\./i.test(ct) ? ct : "text/plain";
    },
  };
}

function checkToken(ctx: Ctx, req: IncomingMessage): void {
  const want = ctx.env.PLAYGROUND_TOKEN;
  if (want === undefined) return;
  const got = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
  if (!constantTimeEqual(got, want)) throw new AppError("unauthenticated", "this playground port requires Authorization: Bearer <PLAYGROUND_TOKEN>");
}

async function serveIngress(ctx: Ctx, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "PUT" && req.method !== "POST") {
    res.writeHead(405, { allow: "PUT, POST" }).end();
    return;
  }
  const path = (req.url ?? "/").split("?")[0];
  const m = PATH.exec(path);
  if (!m) throw new AppError("not-found", `no address at ${path}; send to /{namespace}/{type}/{id}`);
  checkToken(ctx, req);
  const body = await readBody(req, ctx.env.INGRESS_MAX_BYTES);
  const a = { namespace: decode(m[1]), type: decode(m[2]), id: decode(m[3]) };
  send(res, 200, await sendOne(ctx, playgroundHeaders(req), a, body));
}

async function serveEgress(ctx: Ctx, topics: Map<string, string>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "GET") {
    res.writeHead(405, { allow: "GET" }).end();
    return;
  }
  const path = (req.url ?? "/").split("?")[0];
  const m = TOPIC.exec(path);
  if (!m) throw new AppError("not-found", `no topic at ${path}; GET /{topic}`);
  checkToken(ctx, req);
  const topic = decode(m[1]);
  const application = topics.get(topic);
  if (application === undefined) {
    // the playground's answer to a topic it does not know
    const known = [...topics.keys()].sort().join(", ");
    return send(res, 405, { error: { code: "egress-not-found", message: `no playground egress on this port has the topic "${topic}"; its topics: ${known}`, details: { topic } } });
  }
  const stream = planeOf(ctx).keys.egress(application, PLAYGROUND_EGRESS_ID);
  const popIf = req.headers["x-statehouse-pop-if"];
  const peek = req.headers["x-statehouse-peek"] === "true";
  if (popIf !== undefined && (typeof popIf !== "string" || !STREAM_ID.test(popIf)))
    throw new AppError("bad-request", "X-Statehouse-Pop-If must be a record id such as 1733461234567-0");
  const next = peek
    ? await peekEgressRecord(ctx.redis, stream, topic)
    : popIf !== undefined
      ? await popEgressRecordIf(ctx.redis, stream, topic, popIf)
      : await popEgressRecord(ctx.redis, stream, topic);
  if (next === null) {
    res.writeHead(404, { "content-length": 0, "cache-control": "no-store" }).end();
    return;
  }
  if (next.value === null)
    return send(res, 409, { error: { code: "not-next", message: `record ${popIf} is not the next one of "${topic}"; nothing was popped`, details: { next: next.id } } });
  const payload = playgroundPayload(next.value);
  res
    .writeHead(200, { "content-type": "text/plain; charset=utf-8", "content-length": payload.length, "cache-control": "no-store", "x-statehouse-record": next.id })
    .end(payload);
}

export class PlaygroundPorts {
  private readonly bound = new Map<number, Bound>();
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly ctx: Ctx) {}

  /** The ports being served now (for logs and tests). */
  ports(): Array<{ port: number; kind: "ingress" | "egress" }> {
    return [...this.bound].map(([port, b]) => ({ port, kind: b.role.kind }));
  }

  /** Match the listeners to the registry; calls run one after another. */
  sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.syncOnce()).catch((err) => this.ctx.log.warn({ err }, "playground ports: sync failed; keeping the listeners as they are"));
    return this.syncing;
  }

  private async syncOnce(): Promise<void> {
    if (this.stopped) return;
    const want = await desiredPorts(this.ctx);
    for (const [port, b] of this.bound) {
      const w = want.get(port);
      if (w && w.kind === b.role.kind) {
        if (w.kind === "egress" && b.role.kind === "egress") b.role.topics = w.topics; // read per request
        continue;
      }
      await this.close(port, b);
    }
    for (const [port, role] of want) if (!this.bound.has(port)) await this.open(port, role);
  }

  private async open(port: number, role: PortRole): Promise<void> {
    const b: Bound = { role, server: createServer() };
    b.server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      const r = b.role;
      const handled = r.kind === "ingress" ? serveIngress(this.ctx, req, res) : serveEgress(this.ctx, r.topics, req, res);
      void handled.catch((e) => answerError(this.ctx, res, e, `${req.method} ${req.url} (playground ${r.kind} :${port})`));
    });
    const host = this.ctx.env.PLAYGROUND_BIND;
    const ok = await new Promise<boolean>((resolve) => {
      b.server.once("error", (err) => {
        this.ctx.log.warn({ err, port, host, kind: role.kind }, "playground port: cannot listen (in use?); the next registry change tries again");
        resolve(false);
      });
      b.server.listen(port, host, () => resolve(true));
    });
    if (!ok) return;
    this.bound.set(port, b);
    this.ctx.log.info({ port, host, kind: role.kind, auth: this.ctx.env.PLAYGROUND_TOKEN ? "bearer" : "none" }, "playground port listening");
  }

  private async close(port: number, b: Bound): Promise<void> {
    this.bound.delete(port);
    await new Promise<void>((resolve) => {
      b.server.close(() => resolve());
      b.server.closeAllConnections();
    });
    this.ctx.log.info({ port, kind: b.role.kind }, "playground port closed");
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.syncing;
    for (const [port, b] of [...this.bound]) await this.close(port, b);
  }
}
