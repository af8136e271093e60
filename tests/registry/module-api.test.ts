import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";

let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;
const params = { app: "playground" };

const MODULE = `kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: http://functions:8000/statefun
  transport:
    type: io.statefun.transports.v1/async
    call: 1 min
---
kind: io.statefun.endpoints.v1/http
spec:
  functions: com.example/*
  urlPathTemplate: http://shopping-cart-functions:1108/
  timeouts:
    call: 30s
---
kind: io.statefun.playground.v1/ingress
spec:
  port: 8090
---
kind: io.statefun.playground.v1/egress
spec:
  port: 8091
  topics:
    - greetings
    - receipts
`;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  await call("POST", "/api/v1/applications", { body: { name: "playground" } });
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

const put = (yaml: string, dryRun = false) => call("PUT", "/api/v1/applications/{app}/module", { params, raw: yaml, query: dryRun ? { dryRun: "true" } : {} });

describe("module YAML import and export", () => {
  it("a dry run returns the diff and changes nothing", async () => {
    const res = await put(MODULE, true);
    expect(res.status, res.text).toBe(200);
    expect(res.json.applied).toBe(false);
    expect(res.json.endpoints.added.map((e: { functions: string }) => e.functions)).toEqual(["com.example/*", "example/*"]);
    expect(res.json.egresses.added).toHaveLength(1);
    expect(await ctx.db.functionEndpoint.count()).toBe(0);
    expect(await ctx.db.auditEvent.count({ where: { action: "module.apply" } })).toBe(0);
  });

  it("applies, then exports YAML that re-imports with no changes", async () => {
    const applied = await put(MODULE);
    expect(applied.json.applied).toBe(true);
    const exported = await call("GET", "/api/v1/applications/{app}/module", { params });
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toMatch(/application\/yaml/);
    expect(exported.text).toContain("kind: io.statefun.endpoints.v2/http");
    const again = await put(exported.text, true);
    expect(again.json.endpoints).toMatchObject({ added: [], removed: [], changed: [], unchanged: 2 });
    expect(again.json.ingresses).toMatchObject({ added: [], removed: [], changed: [], unchanged: 1 });
    expect(again.json.egresses).toMatchObject({ added: [], removed: [], changed: [], unchanged: 1 });
    const detail = await call("GET", "/api/v1/applications/{app}", { params });
    const example = detail.json.endpoints.find((e: { functions: string }) => e.functions === "example/*");
    expect(example.timeoutsMillis).toEqual({ call: 60_000, connect: 20_000 });
    const v1 = detail.json.endpoints.find((e: { functions: string }) => e.functions === "com.example/*");
    expect(v1).toMatchObject({ kind: "io.statefun.endpoints.v1/http", timeoutsMillis: { call: 30_000, connect: 10_000, read: 10_000, write: 10_000 } });
  });

  it("a changed module keeps unchanged endpoints' ids and removes what is gone", async () => {
    const before = await ctx.db.functionEndpoint.findFirstOrThrow({ where: { functions: "example/*" } });
    const next = MODULE.split("---")[0] + "---\nkind: io.statefun.playground.v1/egress\nspec:\n  topics: [greetings]\n";
    const res = await put(next);
    expect(res.json.endpoints.removed.map((e: { functions: string }) => e.functions)).toEqual(["com.example/*"]);
    expect(res.json.egresses.changed).toHaveLength(1);
    expect(res.json.ingresses.removed).toHaveLength(1);
    const after = await ctx.db.functionEndpoint.findFirstOrThrow({ where: { functions: "example/*" } });
    expect(after.id).toBe(before.id);
    expect(await ctx.db.functionEndpoint.count()).toBe(1);
  });

  it("rejects malformed YAML with the document index and applies nothing", async () => {
    const res = await put(MODULE + "---\nkind: [unclosed\n");
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid-yaml");
    expect(res.json.error.message).toMatch(/document 5/);
    expect(await ctx.db.functionEndpoint.count()).toBe(1);
  });

  it("rejects an unsupported kind naming the document and the kind", async () => {
    const res = await put(MODULE + "---\nkind: io.statefun.kafka.v1/ingress\nspec:\n  id: example/names\n  topics: [{topic: names, valueType: example/x, targets: [example/person]}]\n");
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid-module");
    expect(res.json.error.message).toMatch(/^document 5 \(kind io\.statefun\.kafka\.v1\/ingress\)/);
    expect(res.json.error.message).toMatch(/HTTP ingress/);
  });

  it("rejects a bad pattern and a bad duration inside a module", async () => {
    const badPattern = await put("kind: io.statefun.endpoints.v2/http\nspec:\n  functions: ex*/greeter\n  urlPathTemplate: http://f/x\n");
    expect(badPattern.status).toBe(400);
    expect(badPattern.json.error.message).toMatch(/document 1 \(kind io\.statefun\.endpoints\.v2\/http\)/);
    const badDuration = await put("kind: io.statefun.endpoints.v2/http\nspec:\n  functions: ex/greeter\n  urlPathTemplate: http://f/x\n  transport:\n    call: soon\n");
    expect(badDuration.status).toBe(400);
    expect(badDuration.json.error.code).toBe("invalid-duration");
  });

  it("rejects a module binding a type another application already binds, applying nothing", async () => {
    await call("POST", "/api/v1/applications", { body: { name: "rival" } });
    await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "rival" }, body: { functions: "rival/*", urlPathTemplate: "http://127.0.0.1:9/x", skipProbe: true } });
    const res = await put(MODULE + "---\nkind: io.statefun.endpoints.v2/http\nspec:\n  functions: rival/*\n  urlPathTemplate: http://f/x\n");
    expect(res.status).toBe(409);
    expect(res.json.error.message).toContain('rival/* (application "rival")');
    expect(await ctx.db.functionEndpoint.count({ where: { application: { name: "playground" } } })).toBe(1);
  });

  it("rejects an empty body and a legacy format", async () => {
    expect((await put("")).status).toBe(400);
    const legacy = await put('version: "3.0"\nmodule:\n  meta:\n    type: remote\n  spec:\n    endpoints: []\n');
    expect(legacy.status).toBe(400);
    expect(legacy.json.error.message).toMatch(/3\.1/);
  });
});
