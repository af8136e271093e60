import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { startFunctionServer, type FunctionServer } from "@/examples/functions/server";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";

let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;
let fns: FunctionServer;
const app = { app: "greeter" };

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  fns = await startFunctionServer({ port: 0 });
  await call("POST", "/api/v1/applications", { body: { name: "greeter" } });
  await call("POST", "/api/v1/applications", { body: { name: "other" } });
});
afterAll(async () => {
  setAppContext(undefined);
  await fns.close();
  await ctx.cleanup();
});

const register = (body: Record<string, unknown>, params = app) => call("POST", "/api/v1/applications/{app}/endpoints", { params, body });

describe("function endpoints", () => {
  it("probes an official-SDK greeter before saving and stores the state it declares", async () => {
    const res = await register({ functions: "example/*", urlPathTemplate: fns.url, probeFunctionType: "example/person" });
    expect(res.status, res.text).toBe(201);
    expect(res.json).toMatchObject({
      functions: "example/*",
      urlPathTemplate: fns.url,
      maxNumBatchRequests: 1000,
      transport: { type: "io.statefun.transports.v1/async", call: "2 min", connect: "20 s" },
      timeoutsMillis: { call: 120_000, connect: 20_000 },
      declaredState: { "example/person": [{ name: "visits", typename: "io.statefun.types/int", expireMode: "NONE", expireAfterMillis: 0 }] },
    });
    expect(res.json.probedAt).not.toBeNull();
    const listed = await call("GET", "/api/v1/applications/{app}/endpoints", { params: app });
    expect(listed.json.endpoints.map((e: { functions: string }) => e.functions)).toEqual(["example/*"]);
  });

  it("applies Flink-syntax durations and rejects bad ones with a message saying what is wrong", async () => {
    const ok = await register({ functions: "timeouts/fn", urlPathTemplate: "http://127.0.0.1:9/{function.name}", skipProbe: true, transport: { call: "90s", connect: "500 ms" } });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.json.timeoutsMillis).toEqual({ call: 90_000, connect: 500 });
    const bad = await register({ functions: "timeouts/bad", urlPathTemplate: "http://127.0.0.1:9/x", skipProbe: true, transport: { call: "2 fortnights" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/transport\.call.*unknown time unit "fortnights"/);
    const zero = await register({ functions: "timeouts/zero", urlPathTemplate: "http://127.0.0.1:9/x", skipProbe: true, transport: { connect: "0 s" } });
    expect(zero.status).toBe(400);
    expect(zero.json.error.message).toMatch(/greater than 0/);
  });

  it("rejects patterns StateFun rejects", async () => {
    for (const functions of ["ex*mple/greeter", "*/greeter", "example", "example/greeter/extra", "example/gr*"]) {
      const res = await register({ functions, urlPathTemplate: fns.url, skipProbe: true });
      expect(res.status, functions).toBe(400);
      expect(res.json.error.message).toMatch(/functions: must be `namespace\/name` or `namespace\/\*`/);
    }
  });

  it("rejects URL templates that are not http(s) or use unknown placeholders", async () => {
    const cases: Array<[string, RegExp]> = [
      ["ftp://host/x", /scheme must be http or https/],
      ["http+unix:///tmp/x.sock/statefun", /not supported/],
      ["http://host/{function.namespace}", /unknown placeholder \{function\.namespace\}/],
      ["not a url", /not an absolute URL/],
    ];
    for (const [urlPathTemplate, message] of cases) {
      const res = await register({ functions: "urls/fn", urlPathTemplate, skipProbe: true });
      expect(res.status, urlPathTemplate).toBe(400);
      expect(res.json.error.message).toMatch(message);
    }
  });

  it("refuses a pattern bound elsewhere with 409 naming the application that has it", async () => {
    const res = await register({ functions: "example/*", urlPathTemplate: fns.url, skipProbe: true }, { app: "other" });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: "already-exists" });
    expect(res.json.error.message).toContain('application "greeter"');
  });

  it("reports an unreachable function with 422 and saves nothing", async () => {
    const res = await register({ functions: "dead/fn", urlPathTemplate: "http://127.0.0.1:1/statefun" });
    expect(res.status).toBe(422);
    expect(res.json.error.code).toBe("endpoint-unreachable");
    expect(res.json.error.message).toContain("http://127.0.0.1:1/statefun");
    expect(await ctx.db.functionEndpoint.count({ where: { functions: "dead/fn" } })).toBe(0);
  });

  it("refuses a probe type outside the pattern", async () => {
    const res = await register({ functions: "com.example/*", urlPathTemplate: fns.url, probeFunctionType: "example/person" });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/not bound by the pattern com\.example\/\*/);
  });

  it("replaces and deletes an endpoint, auditing both", async () => {
    const created = await register({ functions: "com.example/stock", urlPathTemplate: fns.url });
    expect(created.status, created.text).toBe(201);
    expect(created.json.declaredState["com.example/stock"][0]).toMatchObject({ name: "stock", typename: "io.statefun.types/int" });
    const params = { app: "greeter", endpointId: created.json.id };
    const replaced = await call("PUT", "/api/v1/applications/{app}/endpoints/{endpointId}", { params, body: { functions: "com.example/stock", urlPathTemplate: fns.url, maxNumBatchRequests: 10 } });
    expect(replaced.json).toMatchObject({ id: created.json.id, maxNumBatchRequests: 10 });
    expect((await call("DELETE", "/api/v1/applications/{app}/endpoints/{endpointId}", { params })).status).toBe(200);
    expect((await call("GET", "/api/v1/applications/{app}/endpoints/{endpointId}", { params })).status).toBe(404);
    const actions = (await ctx.db.auditEvent.findMany({ where: { target: "greeter/com.example/stock" }, orderBy: { id: "asc" } })).map((a) => a.action);
    expect(actions).toEqual(["endpoint.create", "endpoint.replace", "endpoint.delete"]);
    expect((await call("GET", "/api/v1/applications/{app}/endpoints/{endpointId}", { params: { app: "greeter", endpointId: "not-a-uuid" } })).status).toBe(404);
  });

  it("probes on demand and reports the declared state", async () => {
    const res = await call("POST", "/api/v1/probe", { body: { urlPathTemplate: fns.url, functionType: "com.example/user-shopping-cart" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ reachable: true, declaredState: [{ name: "basket", typename: "com.example/Basket" }] });
    const bad = await call("POST", "/api/v1/probe", { body: { urlPathTemplate: fns.url, functionType: "no-slash" } });
    expect(bad.status).toBe(400);
  });
});
