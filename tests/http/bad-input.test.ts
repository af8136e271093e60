import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute } from "../support/call-route";
import { loadRoutes, type LoadedRoute } from "../support/routes";

let ctx: TestContext;
let routes: LoadedRoute[];

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  routes = await loadRoutes();
  const create = routes.find((r) => r.method === "POST" && r.path === "/api/v1/applications")!;
  await callRoute(create.fn, "POST", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, body: { name: "target" } });
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

const BAD_BODIES: Array<{ label: string; raw?: string; body?: unknown; contentType?: string }> = [
  { label: "not JSON", raw: "{oops", contentType: "application/json" },
  { label: "an array", body: [1, 2, 3] },
  { label: "wrong types", body: { name: 42, functions: ["x"], urlPathTemplate: false, description: {}, role: "root", username: 7, password: 1, functionType: 3, transport: "fast", maxNumBatchRequests: "many" } },
  { label: "null", raw: "null", contentType: "application/json" },
  { label: "a huge body", raw: "x".repeat(1024 * 1024 + 10), contentType: "application/json" },
];

describe("bad input to every route with a body gets a 4xx with a message, never a 500", () => {
  it("sweeps every route × every kind of bad body", async () => {
    let checked = 0;
    for (const r of routes.filter((x) => x.spec?.body)) {
      for (const bad of BAD_BODIES) {
        const params = Object.fromEntries([...r.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1], m[1] === "app" ? "target" : "00000000-0000-4000-8000-000000000000"]));
        const res = await callRoute(r.fn, r.method, { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, params, path: r.path, ...bad });
        const where = `${r.method} ${r.path} with ${bad.label}: ${res.status} ${res.text.slice(0, 200)}`;
        expect(res.status, where).toBeGreaterThanOrEqual(400);
        expect(res.status, where).toBeLessThan(500);
        expect(res.json?.error?.message, where).toMatch(/\w{3,}/);
        expect(res.text, where).not.toMatch(/at \w+ \(|node_modules/); // no stack traces
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(40);
  });

  it("a bad path parameter is a 404 with the name, not a 500", async () => {
    const r = routes.find((x) => x.method === "GET" && x.path === "/api/v1/applications/{app}/endpoints/{endpointId}")!;
    const res = await callRoute(r.fn, "GET", { token: ctx.env.STATEHOUSE_ADMIN_TOKEN, params: { app: "target", endpointId: "'; drop table" } });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toContain("drop table");
  });
});
