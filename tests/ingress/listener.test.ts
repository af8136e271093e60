import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { setAppContext } from "@/server/context";
import { createApiToken, revokeApiToken } from "@/server/auth/api-tokens";
import { createIngressListener } from "@/server/ingress-listener/listener";
import { TOKEN_CACHE_MS } from "@/server/auth/authenticate";
import { Partitioning } from "@/server/dispatch/keys";
import { POST as sendRoute, PUT as putRoute } from "@/app/api/v1/ingress/[namespace]/[type]/[id]/route";
import { POST as batchRoute } from "@/app/api/v1/ingress/route";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";
import { liveRegistry } from "@/server/registry/live-registry";
import { callRoute } from "../support/call-route";
import { freePort, spawnEntry, waitFor, type Spawned } from "../support/processes";

let ctx: TestContext;
let server: Server;
let base: string;
let operator: string;
let viewer: string;
const admin = { kind: "admin-token", name: "admin-token", role: "admin" } as const;

beforeAll(async () => {
  ctx = await createTestContext({ INGRESS_MAX_BYTES: "1024" });
  setAppContext(ctx);
  const call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  expect((await call("POST", "/api/v1/applications", { body: { name: "lean" } })).status).toBe(201);
  // No worker runs here: messages stay queued, so a mailbox cap of 1 makes the second message to an address a 429.
  const ep = await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "lean" }, body: { functions: "example/*", urlPathTemplate: "http://127.0.0.1:9/statefun", maxNumBatchRequests: 1 } });
  expect(ep.status, ep.text).toBe(201);
  operator = (await createApiToken(ctx, admin, { name: "sender", role: "operator" })).token;
  viewer = (await createApiToken(ctx, admin, { name: "reader", role: "viewer" })).token;
  server = createIngressListener(ctx);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  setAppContext(undefined);
  await ctx?.cleanup();
});

interface Req {
  method: "PUT" | "POST";
  /** address `ns/type/id` (each side appends its own suffix to the id), or undefined for the NDJSON batch */
  address?: string;
  body: string | ((side: Side) => string);
  contentType?: string;
  token?: string;
}

type Side = "l" | "r";
const bodyOf = (r: Req, side: Side) => (typeof r.body === "function" ? r.body(side) : r.body);

/**
 * The same request through the lean listener (real HTTP) and through the Next route handler. Each side sends
 * to its own address (`<id>-l`, `<id>-r`) so one side's message never fills the other's mailbox.
 */
async function both(r: Req) {
  const headers: Record<string, string> = {};
  if (r.contentType) headers["content-type"] = r.contentType;
  const token = r.token === "OPERATOR" ? operator : r.token === "VIEWER" ? viewer : r.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const [namespace, type, id] = r.address?.split("/") ?? [];
  const listenerPath = r.address ? `/api/v1/ingress/${[namespace, type, `${id}-l`].map(encodeURIComponent).join("/")}` : "/api/v1/ingress";
  // A Buffer body: a string would make fetch add `content-type: text/plain` on its own.
  const lres = await fetch(base + listenerPath, { method: r.method, headers, body: Buffer.from(bodyOf(r, "l")) });
  const ltext = await lres.text();
  const fn = r.address ? (r.method === "PUT" ? putRoute : sendRoute) : batchRoute;
  const routePath = r.address ? "/api/v1/ingress/{namespace}/{type}/{id}" : "/api/v1/ingress";
  const params: Record<string, string> = r.address ? { namespace, type, id: `${id}-r` } : {};
  const rres = await callRoute(fn, r.method, { path: routePath, params, raw: bodyOf(r, "r"), contentType: r.contentType ?? "", token });
  return { listener: { status: lres.status, json: JSON.parse(ltext), headers: lres.headers }, route: { status: rres.status, json: rres.json } };
}

const parts = () => new Partitioning(ctx.env.STATEHOUSE_REDIS_PREFIX, ctx.env.STATEHOUSE_PARTITIONS, ctx.env.DISPATCH_GROUPS);
const mailboxLength = (address: string) => ctx.redis.llen(parts().mailbox(parts().partitionOf(address), address));
/** The message bodies the route tests compare may name the address; make the sides comparable. */
const sameAddress = (json: unknown) => JSON.parse(JSON.stringify(json).replace(/-[lr]\b/g, "-?"));

/** Tokens are named ("OPERATOR", "VIEWER") because the case table is built before the tokens exist. */
const greet = (address: string, extra: Partial<Req> = {}): Req => ({ method: "PUT", address, body: '{"name":"x"}', contentType: "application/vnd.example/GreetRequest", token: "OPERATOR", ...extra });

describe("the lean ingress listener answers exactly like the Next route handlers", () => {
  it("accepts a message: 202 with a message id (PUT and POST)", async () => {
    for (const method of ["PUT", "POST"] as const) {
      const r = await both(greet(`example/person/ok-${method}`, { method }));
      expect(r.listener.status, JSON.stringify(r.listener.json)).toBe(202);
      expect(r.route.status).toBe(202);
      expect(r.listener.json.messageId).toEqual(expect.any(String));
      expect(r.listener.headers.get("cache-control")).toBe("no-store");
    }
    // Both really enqueued one message.
    for (const side of ["l", "r"]) for (const method of ["PUT", "POST"]) expect(await mailboxLength(`example/person/ok-${method}-${side}`)).toBe(1);
  });

  it.each([
    ["401 without a credential", greet("example/person/a1", { token: undefined }), 401, "unauthenticated"],
    ["401 for an unknown token", greet("example/person/a2", { token: "sh_unknown" }), 401, "unauthenticated"],
    ["403 for a viewer", greet("example/person/a3", { token: "VIEWER" }), 403, "forbidden"],
    ["404 for an unbound function type", greet("nobody/person/a4"), 404, "function-type-not-bound"],
    ["413 over INGRESS_MAX_BYTES", greet("example/person/a5", { body: "x".repeat(2000) }), 413, "payload-too-large"],
    ["415 for a content type that names no typename", greet("example/person/a6", { contentType: "application/json" }), 415, "unsupported-media-type"],
    ["415 without a content type", greet("example/person/a7", { contentType: undefined }), 415, "unsupported-media-type"],
    ["400 for an id over 1000 characters", greet(`example/person/${"i".repeat(1001)}`), 400, "validation-failed"],
    ["400 for a NUL in the id (Postgres cannot store it)", greet("example/person/a\u0000b"), 400, "validation-failed"],
    ["400 for a control character in the id", greet("example/person/a\nb"), 400, "validation-failed"],
    ["400 for an id over 2000 bytes in UTF-8", greet(`example/person/${"€".repeat(700)}`), 400, "validation-failed"],
    ["400 for a type with a space", greet("example/per son/a8"), 400, "validation-failed"],
    ["400 for a namespace over 128 characters", greet(`${"n".repeat(129)}/person/a9`), 400, "validation-failed"],
    ["415 for a Content-Type typename with a space", greet("example/person/a10", { contentType: "application/vnd.example/Gr eet" }), 415, "unsupported-media-type"],
  ] as Array<[string, Req, number, string]>)("%s", async (_name, req, status, code) => {
    const r = await both(req);
    expect(r.listener.status, JSON.stringify(r.listener.json)).toBe(status);
    expect(r.route.status).toBe(status);
    expect(sameAddress(r.listener.json)).toEqual(sameAddress(r.route.json));
    expect(r.listener.json.error.code).toBe(code);
  });

  it("429 mailbox-full once the address holds maxNumBatchRequests messages", async () => {
    const first = await both(greet("example/person/full")); // fills each side's mailbox (cap 1)
    expect([first.listener.status, first.route.status]).toEqual([202, 202]);
    const r = await both(greet("example/person/full"));
    expect(r.listener.status).toBe(429);
    expect(r.listener.json.error.code).toBe("mailbox-full");
    expect(r.route.status).toBe(429);
    expect(sameAddress(r.route.json)).toEqual(sameAddress(r.listener.json));
    expect(await mailboxLength("example/person/full-l")).toBe(1);
  });

  it("takes the NDJSON batch: good lines accepted, bad lines rejected by number", async () => {
    const ndjson = (side: Side) =>
      [
        JSON.stringify({ target: `example/person/b1-${side}`, typename: "example/GreetRequest", value: { name: "b1" } }),
        "{not json",
        JSON.stringify({ target: `nobody/person/b2-${side}`, typename: "example/GreetRequest", value: {} }),
        JSON.stringify({ target: `example/person/b3-${side}`, typename: "io.statefun.types/string", value: "hi" }),
        JSON.stringify({ target: `example/person/b1-${side}`, typename: "example/GreetRequest", value: { name: "again" } }),
      ].join("\n");
    const r = await both({ method: "POST", body: ndjson, contentType: "application/x-ndjson", token: "OPERATOR" });
    expect([r.listener.status, r.route.status]).toEqual([200, 200]);
    expect(sameAddress(r.listener.json)).toEqual(sameAddress(r.route.json));
    expect(r.listener.json.accepted).toBe(2);
    expect(r.listener.json.rejected.map((x: { line: number; code: string }) => [x.line, x.code])).toEqual([
      [2, "bad-request"],
      [3, "function-type-not-bound"],
      [5, "mailbox-full"],
    ]);
  });

  it("refuses NDJSON lines whose names no other route could address, and base64 that is not base64", async () => {
    const line = (o: object) => JSON.stringify(o);
    const ndjson = (side: Side) =>
      [
        line({ target: `example/person/nul\u0000-${side}`, typename: "example/GreetRequest", value: {} }),
        line({ target: `example/person/${"i".repeat(100_000)}-${side}`, typename: "example/GreetRequest", value: {} }),
        line({ target: `example/per son/c3-${side}`, typename: "example/GreetRequest", value: {} }),
        line({ target: `example/person/c4-${side}`, typename: "example/Greet Request", value: {} }),
        line({ target: `example/person/c5-${side}`, typename: "example/GreetRequest", base64: "not base64!" }),
        line({ target: `example/person/c6-${side}`, typename: "example/GreetRequest", base64: "e30=", value: {} }),
        line({ target: `example/person/\udc00-${side}`, typename: "example/GreetRequest", value: {} }),
        line({ target: `example/person/c8-${side}`, typename: "example/GreetRequest", base64: "e30=" }),
      ].join("\n");
    const r = await both({ method: "POST", body: ndjson, contentType: "application/x-ndjson", token: "OPERATOR" });
    expect([r.listener.status, r.route.status]).toEqual([200, 200]);
    expect(sameAddress(r.listener.json)).toEqual(sameAddress(r.route.json));
    expect(r.route.json.accepted).toBe(1);
    expect(r.route.json.rejected.map((x: { line: number; error: string }) => [x.line, x.error])).toEqual([
      [1, 'the id "nul\\u0000-r" holds a control character (NUL, tab, newline, …)'],
      [2, "the id is 100002 characters long; the limit is 1000"],
      [3, 'the type "per son" may hold only letters, digits and . _ - : + ~ @ $ (starting with a letter, digit or _)'],
      [4, 'the typename "example/Greet Request" must be namespace/name: exactly one / with non-empty parts and no spaces'],
      [5, '"base64" must be standard base64 (A–Z a–z 0–9 + /, padded with = to a multiple of 4)'],
      [6, 'give one of "value" (JSON) or "base64", not both'],
      [7, 'the id "\\udc00-r" holds a lone UTF-16 surrogate (not valid Unicode)'],
    ]);
    expect(await mailboxLength("example/person/c8-r")).toBe(1);
  });

  it("answers 401 on the batch path without credentials, and 404 off the ingress paths", async () => {
    const r = await both({ method: "POST", body: "{}", contentType: "application/x-ndjson" });
    expect([r.listener.status, r.route.status]).toEqual([401, 401]);
    expect(r.listener.json).toEqual(r.route.json);
    const off = await fetch(`${base}/api/v1/applications`, { headers: { authorization: `Bearer ${operator}` } });
    expect(off.status).toBe(404);
    expect((await off.json()).error.code).toBe("not-found");
  });
});

describe("bearer tokens on the lean listener", () => {
  const putWith = (token: string, id: string) =>
    fetch(`${base}/api/v1/ingress/example/person/${id}`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "text/plain" }, body: Buffer.from("x") });

  it("a token revoked through this process is refused at once", async () => {
    const t = await createApiToken(ctx, admin, { name: "revoked-here", role: "operator" });
    expect((await putWith(t.token, "rev-1")).status).toBe(202);
    await revokeApiToken(ctx, admin, t.id);
    expect((await putWith(t.token, "rev-2")).status).toBe(401);
  });

  it("a token revoked by another process is refused within TOKEN_CACHE_MS", async () => {
    const t = await createApiToken(ctx, admin, { name: "revoked-elsewhere", role: "operator" });
    expect((await putWith(t.token, "rev-3")).status).toBe(202);
    await ctx.db.apiToken.update({ where: { id: t.id }, data: { revokedAt: new Date() } });
    await new Promise((r) => setTimeout(r, TOKEN_CACHE_MS + 100));
    const res = await putWith(t.token, "rev-4");
    expect(res.status).toBe(401);
    expect((await res.json()).error.code).toBe("unauthenticated");
  });
});

describe("npm run ingress", () => {
  let proc: Spawned | undefined;
  afterAll(() => void proc?.child.kill("SIGTERM"));

  it("starts a listener process on INGRESS_PORT that enqueues messages", async () => {
    const port = await freePort();
    proc = spawnEntry("worker/ingress.ts", { ...ctx.childEnv, INGRESS_PORT: String(port) });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 30_000, 100).catch((e) => {
      throw new Error(`${e}\n${proc!.output()}`);
    });
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/ingress/example/person/proc`, {
      method: "PUT",
      headers: { authorization: `Bearer ${operator}`, "content-type": "text/plain" },
      body: "hello",
    });
    expect(res.status).toBe(202);
    expect(await mailboxLength("example/person/proc")).toBe(1);
    proc.child.kill("SIGTERM");
    expect((await proc.exited).code).toBe(0);
  });
});

describe("a function type bound a moment ago", () => {
  it("is accepted before the change's announcement reaches this process's registry cache", async () => {
    // the cache hears no announcement from here on: only the check on a miss can find the new endpoint
    await (await liveRegistry(ctx)).stop();
    const call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
    expect((await call("POST", "/api/v1/applications", { body: { name: "late" } })).status).toBe(201);
    const ep = await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "late" }, body: { functions: "late/*", urlPathTemplate: "http://127.0.0.1:9/statefun", skipProbe: true } });
    expect(ep.status, ep.text).toBe(201);
    const r = await both(greet("late/person/now"));
    expect([r.listener.status, r.route.status], JSON.stringify(r.listener.json)).toEqual([202, 202]);
    // still refused when nothing binds the type, after the same check
    const none = await both(greet("never/person/now"));
    expect([none.listener.status, none.route.status]).toEqual([404, 404]);
  });
});
