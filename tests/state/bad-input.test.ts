import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createApiToken } from "@/server/auth/api-tokens";
import { planeOf } from "@/server/dispatch/plane";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute } from "../support/call-route";
import { loadRoutes, type LoadedRoute } from "../support/routes";
import { checkpointNow } from "../support/checkpoint-now";

let ctx: TestContext;
let routes: LoadedRoute[];
let viewer: string;
let admin: string;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  routes = (await loadRoutes()).filter((r) => /^\/api\/v1\/(state|parked|egress)\b/.test(r.path));
  admin = ctx.env.STATEHOUSE_ADMIN_TOKEN!;
  viewer = (await createApiToken(ctx, { kind: "admin-token", name: "admin-token", role: "admin" }, { name: "viewer", role: "viewer" })).token;
  // a function type with registered state, so PATCH reaches its value checks
  await planeOf(ctx).registerSpecs("ex/t", [{ name: "n", typename: "io.statefun.types/int", mode: "NONE", ms: 0 }]);
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

const route = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)!.fn;
const GOOD = { namespace: "ex", type: "t", id: "i", name: "egress" };

function expect4xx(res: { status: number; text: string; json: any }, where: string) {
  expect(res.status, `${where}: ${res.status} ${res.text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, `${where}: ${res.status} ${res.text.slice(0, 300)}`).toBeLessThan(500);
  expect(res.json?.error?.message, where).toMatch(/\w{3,}/);
  expect(res.text, where).not.toMatch(/at \w+ \(|node_modules/);
}

describe("the state, parked and egress routes answer bad input with a 4xx, never a 500", () => {
  it("covers every new route", () => {
    expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      "GET /api/v1/egress/{namespace}/{name}",
      "GET /api/v1/parked",
      "GET /api/v1/state/{namespace}/{type}",
      "GET /api/v1/state/{namespace}/{type}/{id}",
      "GET /api/v1/state/{namespace}/{type}/{id}/history",
      "GET /api/v1/state/{namespace}/{type}/{id}/timers",
      "PATCH /api/v1/state/{namespace}/{type}/{id}",
      "POST /api/v1/parked/{namespace}/{type}/{id}/resume",
      "POST /api/v1/parked/{namespace}/{type}/{id}/skip",
    ]);
  });

  it("bad path parameters", async () => {
    const bad: Array<Record<string, string>> = [{ namespace: "a/b" }, { type: "has space" }, { id: "" }, { id: "x".repeat(1001) }, { namespace: "" }, { name: "a/b" }, { id: "a\u0000b" }, { id: "\udc00" }, { namespace: "n\u0000" }, { type: "t\u0007" }, { name: "e\u0000" }, { id: "€".repeat(700) }];
    for (const r of routes) {
      const names = [...r.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const b of bad) {
        if (!Object.keys(b).every((k) => names.includes(k))) continue;
        const params = Object.fromEntries(names.map((n) => [n, b[n] ?? GOOD[n as keyof typeof GOOD]]));
        const res = await callRoute(r.fn, r.method, { token: admin, params, path: r.path, ...(r.method === "PATCH" ? { body: { expectedVersion: 0, delete: ["n"] } } : {}) });
        expect4xx(res, `${r.method} ${r.path} ${JSON.stringify(b)}`);
      }
    }
  });

  it("bad query values", async () => {
    const bad: Record<string, Array<Record<string, string>>> = {
      "GET /api/v1/state/{namespace}/{type}": [{ limit: "0" }, { limit: "501" }, { limit: "x" }, { cursor: "!!" }, { cursor: "eyJ4IjoxfQ" }, { prefix: "p".repeat(1001) }, { cursor: "a".repeat(5000) }],
      "GET /api/v1/state/{namespace}/{type}/{id}/history": [{ limit: "0" }, { limit: "201" }, { before: "yesterday" }, { before: "1-" }],
      "GET /api/v1/state/{namespace}/{type}/{id}/timers": [{ limit: "0" }, { limit: "501" }, { limit: "x" }],
      "GET /api/v1/parked": [{ limit: "-1" }, { cursor: "e30" }, { cursor: "@" }],
      "GET /api/v1/egress/{namespace}/{name}": [{ after: "x" }, { limit: "0" }, { application: "UPPER" }],
    };
    for (const [key, queries] of Object.entries(bad)) {
      const [method, path] = key.split(" ");
      const params = Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], GOOD[m[1] as keyof typeof GOOD]]));
      for (const query of queries) expect4xx(await callRoute(route(method, path), method, { token: admin, params, query, path }), `${key} ${JSON.stringify(query)}`);
    }
  });

  it("bad PATCH bodies", async () => {
    const patch = route("PATCH", "/api/v1/state/{namespace}/{type}/{id}");
    const bodies: Array<{ body?: unknown; raw?: string; contentType?: string }> = [
      { raw: "{oops", contentType: "application/json" },
      { raw: "", contentType: "application/json" },
      { raw: "null", contentType: "application/json" },
      { body: [1] },
      { body: { expectedVersion: 0, set: [] } },
      { body: { expectedVersion: 0, set: { n: 5 } } },
      { body: { expectedVersion: 0, set: { n: { value: "5" } } } },
      { body: { expectedVersion: 0, set: { n: { value: 5, typename: 7 } } } },
      { body: { expectedVersion: 0, set: { n: { base64: "AQ" } } } },
      { body: { expectedVersion: 1.5, delete: ["n"] } },
      { body: { expectedVersion: 0, delete: [""] } },
      { body: { expectedVersion: 0, set: { "": { value: 1 } } } },
      { body: { expectedVersion: 0, set: { "n\u0000": { value: 1 } } } },
      { body: { expectedVersion: 0, set: { "a b": { value: 1 } } } },
      { body: { expectedVersion: 0, delete: ["\udc00"] } },
      { body: { expectedVersion: 0, set: { n: { value: 1, typename: "io.statefun.types/in\u0000t" } } } },
      { body: { expectedVersion: 0, delete: ["n"] }, contentType: "text/plain" },
      { raw: JSON.stringify({ expectedVersion: 0, set: { n: { base64: "A".repeat(9 * 1024 * 1024) } } }), contentType: "application/json" },
    ];
    for (const b of bodies) expect4xx(await callRoute(patch, "PATCH", { token: admin, params: { namespace: "ex", type: "t", id: "i" }, ...b }), JSON.stringify(b).slice(0, 120));
  });

  it("odd ids are plain ids: 404 when absent, and they round-trip through PATCH, GET and the listing", async () => {
    const get = route("GET", "/api/v1/state/{namespace}/{type}/{id}");
    const patch = route("PATCH", "/api/v1/state/{namespace}/{type}/{id}");
    const odd = ["x}:a:ex/t/y", "{p1}", "*", "a?[b]\\", "ünï cødé", "with/slash"];
    for (const id of odd) {
      const miss = await callRoute(get, "GET", { token: viewer, params: { namespace: "ex", type: "t", id } });
      expect(miss.status, id).toBe(404);
      const res = await callRoute(patch, "PATCH", { token: admin, params: { namespace: "ex", type: "t", id }, body: { expectedVersion: 0, set: { n: { value: 1 } } } });
      expect(res.status, `${id}: ${res.text}`).toBe(200);
      const hit = await callRoute(get, "GET", { token: viewer, params: { namespace: "ex", type: "t", id } });
      expect(hit.json).toMatchObject({ id, version: 1, values: [{ name: "n", value: 1 }] });
    }
    // the listing reads the checkpoint, which a worker's checkpointer keeps within a second of Redis: none runs here
    await checkpointNow(ctx);
    const listAll = async (query: Record<string, string>) => {
      const out: string[] = [];
      for (let cursor: string | undefined, i = 0; i < 1000; i++) {
        const res = await callRoute(route("GET", "/api/v1/state/{namespace}/{type}"), "GET", { token: viewer, params: { namespace: "ex", type: "t" }, query: { ...query, ...(cursor ? { cursor } : {}) } });
        expect(res.status, res.text).toBe(200);
        out.push(...res.json.addresses.map((a: any) => a.id));
        cursor = res.json.next ?? undefined;
        if (!cursor) return out;
      }
      throw new Error("listing did not end");
    };
    expect((await listAll({ limit: "100" })).sort()).toEqual([...odd].sort());
    for (const prefix of odd) {
      const ids = await listAll({ prefix });
      expect(ids, prefix).toContain(prefix);
      expect(ids.every((id) => id.startsWith(prefix)), prefix).toBe(true);
    }
  });

  it("a viewer reads but cannot patch, resume or skip", async () => {
    const params = { namespace: "ex", type: "t", id: "*" };
    expect((await callRoute(route("GET", "/api/v1/state/{namespace}/{type}/{id}"), "GET", { token: viewer, params })).status).toBe(200);
    expect((await callRoute(route("GET", "/api/v1/parked"), "GET", { token: viewer })).status).toBe(200);
    for (const [method, path] of [["PATCH", "/api/v1/state/{namespace}/{type}/{id}"], ["POST", "/api/v1/parked/{namespace}/{type}/{id}/resume"], ["POST", "/api/v1/parked/{namespace}/{type}/{id}/skip"]]) {
      const res = await callRoute(route(method, path), method, { token: viewer, params, body: { expectedVersion: 1, delete: ["n"] } });
      expect(res.status, path).toBe(403);
      expect(res.json.error.message).toContain("operator");
    }
  });
});
