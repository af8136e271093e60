import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { api, type RouteSpec } from "@/server/contracts/api";
import { createApiToken } from "@/server/auth/api-tokens";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute } from "../support/call-route";
import { loadRoutes, sampleParams, type LoadedRoute } from "../support/routes";

let ctx: TestContext;
let routes: LoadedRoute[];
let viewerToken: string;
let operatorToken: string;
const admin = { kind: "admin-token", name: "admin-token", role: "admin" } as const;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  routes = await loadRoutes();
  viewerToken = (await createApiToken(ctx, admin, { name: "viewer", role: "viewer" })).token;
  operatorToken = (await createApiToken(ctx, admin, { name: "operator", role: "operator" })).token;
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

const mutating = () => routes.filter((r) => r.method !== "GET");

describe("every route is built by the one route builder from the contract table", () => {
  it("each exported handler carries the contract entry for its own method and path", () => {
    expect(routes.length).toBeGreaterThan(20);
    for (const r of routes) {
      expect(r.spec, `${r.method} ${r.path} (${r.file}) is not built with handler()`).toBeDefined();
      expect(`${r.spec!.method} ${r.spec!.path}`).toBe(`${r.method} ${r.path}`);
    }
  });

  it("each contract entry is served by a route file", () => {
    const served = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const spec of Object.values(api) as RouteSpec[]) expect(served, `${spec.method} ${spec.path}`).toContain(`${spec.method} ${spec.path}`);
  });
});

describe("authorization of every mutating route", () => {
  it("answers 401 without credentials (except the login route itself)", async () => {
    const checked: string[] = [];
    for (const r of mutating()) {
      if (r.spec!.role === null) continue;
      const res = await callRoute(r.fn, r.method, { params: sampleParams(r.path), path: r.path, body: {} });
      expect(res.status, `${r.method} ${r.path}: ${res.text}`).toBe(401);
      expect(res.json.error.code).toBe("unauthenticated");
      checked.push(`${r.method} ${r.path}`);
    }
    expect(checked.length).toBeGreaterThanOrEqual(15);
  });

  it("answers 401 for an unknown or revoked bearer token", async () => {
    const r = mutating().find((x) => x.path === "/api/v1/applications")!;
    const res = await callRoute(r.fn, "POST", { token: "sh_not-a-real-token", body: { name: "x" } });
    expect(res.status).toBe(401);
  });

  it("answers 403 to a viewer on every route that needs more than viewer", async () => {
    const checked: string[] = [];
    for (const r of mutating()) {
      if (r.spec!.role === null || r.spec!.role === "viewer") continue;
      const res = await callRoute(r.fn, r.method, { params: sampleParams(r.path), path: r.path, token: viewerToken, body: {} });
      expect(res.status, `${r.method} ${r.path}: ${res.text}`).toBe(403);
      expect(res.json.error.code).toBe("forbidden");
      expect(res.json.error.message).toContain(r.spec!.role);
      checked.push(r.path);
    }
    expect(checked.length).toBeGreaterThanOrEqual(14);
  });

  it("answers 403 to an operator on admin routes, and lets it pause", async () => {
    const create = routes.find((r) => r.method === "POST" && r.path === "/api/v1/applications")!;
    expect((await callRoute(create.fn, "POST", { token: operatorToken, body: { name: "ops" } })).status).toBe(403);
    expect((await callRoute(create.fn, "POST", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, body: { name: "ops" } })).status).toBe(201);
    const pause = routes.find((r) => r.path === "/api/v1/applications/{app}/pause")!;
    const res = await callRoute(pause.fn, "POST", { token: operatorToken, params: { app: "ops" } });
    expect(res.status).toBe(200);
    expect(res.json.paused).toBe(true);
  });
});

describe("console sessions", () => {
  const route = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)!.fn;

  async function loginAsAdmin() {
    const res = await callRoute(route("POST", "/api/v1/auth/login"), "POST", { body: { username: "admin", password: "test-admin-password" } });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    const session = /sh_session=([^;]+)/.exec(cookies.join("\n"))![1];
    expect(cookies.find((c) => c.startsWith("sh_session="))).toMatch(/HttpOnly/);
    expect(cookies.find((c) => c.startsWith("sh_csrf="))).not.toMatch(/HttpOnly/);
    expect(await ctx.db.auditEvent.count({ where: { action: "session.login", target: "admin" } })).toBeGreaterThan(0);
    return { cookie: session, csrf: res.json.csrfToken as string };
  }

  it("rejects a wrong password with 401 and the same message as an unknown user", async () => {
    const a = await callRoute(route("POST", "/api/v1/auth/login"), "POST", { body: { username: "admin", password: "wrong-password" } });
    const b = await callRoute(route("POST", "/api/v1/auth/login"), "POST", { body: { username: "nobody", password: "wrong-password" } });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.json.error.message).toBe(b.json.error.message);
  });

  it("refuses a cookie mutation without the CSRF header and accepts it with the header", async () => {
    const s = await loginAsAdmin();
    const create = route("POST", "/api/v1/applications");
    const without = await callRoute(create, "POST", { session: { cookie: s.cookie }, body: { name: "csrf-app" } });
    expect(without.status).toBe(403);
    expect(without.json.error.code).toBe("csrf-failed");
    const wrong = await callRoute(create, "POST", { session: { cookie: s.cookie, csrf: "forged" }, body: { name: "csrf-app" } });
    expect(wrong.status).toBe(403);
    const crossOrigin = await callRoute(create, "POST", { session: s, headers: { origin: "http://evil.example" }, body: { name: "csrf-app" } });
    expect(crossOrigin.status).toBe(403);
    const ok = await callRoute(create, "POST", { session: s, headers: { origin: "http://127.0.0.1:3000" }, body: { name: "csrf-app" } });
    expect(ok.status).toBe(201);
    // reads need no CSRF token
    expect((await callRoute(route("GET", "/api/v1/applications"), "GET", { session: { cookie: s.cookie } })).status).toBe(200);
  });

  it("logout ends the session", async () => {
    const s = await loginAsAdmin();
    const session = route("GET", "/api/v1/auth/session");
    expect((await callRoute(session, "GET", { session: s })).json.user.name).toBe("admin");
    expect((await callRoute(route("POST", "/api/v1/auth/logout"), "POST", { session: s })).status).toBe(200);
    expect((await callRoute(session, "GET", { session: s })).status).toBe(401);
  });

  it("a disabled user's sessions stop working", async () => {
    const users = route("POST", "/api/v1/users");
    const created = await callRoute(users, "POST", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, body: { username: "vera", password: "vera-password", role: "viewer" } });
    expect(created.status).toBe(201);
    const login = await callRoute(route("POST", "/api/v1/auth/login"), "POST", { body: { username: "vera", password: "vera-password" } });
    const cookie = /sh_session=([^;]+)/.exec(login.headers.getSetCookie().join("\n"))![1];
    expect((await callRoute(route("GET", "/api/v1/auth/session"), "GET", { session: { cookie } })).json.user.role).toBe("viewer");
    const patch = await callRoute(route("PATCH", "/api/v1/users/{userId}"), "PATCH", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, params: { userId: "vera" }, body: { disabled: true } });
    expect(patch.status).toBe(200);
    expect((await callRoute(route("GET", "/api/v1/auth/session"), "GET", { session: { cookie } })).status).toBe(401);
  });

  it("a revoked API token stops working", async () => {
    const created = await callRoute(route("POST", "/api/v1/tokens"), "POST", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, body: { name: "short-lived", role: "admin" } });
    expect(created.status).toBe(201);
    const list = route("GET", "/api/v1/applications");
    expect((await callRoute(list, "GET", { token: created.json.token })).status).toBe(200);
    const tokens = await ctx.db.apiToken.findMany();
    expect(tokens.every((t) => t.tokenHash !== created.json.token && !t.tokenHash.includes(created.json.token))).toBe(true);
    await callRoute(route("DELETE", "/api/v1/tokens/{tokenId}"), "DELETE", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, params: { tokenId: created.json.id } });
    expect((await callRoute(list, "GET", { token: created.json.token })).status).toBe(401);
  });
});
