import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";

let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

const audits = (action: string) => ctx.db.auditEvent.findMany({ where: { action }, orderBy: { id: "asc" } });

describe("applications", () => {
  it("creates an application, audits it in the same transaction, and refuses a duplicate name", async () => {
    const res = await call("POST", "/api/v1/applications", { body: { name: "shop", description: "the cart" } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ name: "shop", description: "the cart", paused: false, endpointCount: 0 });
    const dup = await call("POST", "/api/v1/applications", { body: { name: "shop" } });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toMatchObject({ code: "already-exists" });
    expect(dup.json.error.message).toContain('"shop"');
    const rows = await audits("application.create");
    expect(rows).toHaveLength(1); // the failed duplicate left no audit row
    expect(rows[0]).toMatchObject({ actor: "admin-token", target: "shop", after: { description: "the cart" } });
  });

  it("explains a bad name, a missing body and non-JSON input with 400s", async () => {
    const bad = await call("POST", "/api/v1/applications", { body: { name: "Bad Name!" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/body\.name: must be lowercase letters/);
    const missing = await call("POST", "/api/v1/applications", { body: {} });
    expect(missing.status).toBe(400);
    expect(missing.json.error.message).toContain("body.name");
    const notJson = await call("POST", "/api/v1/applications", { raw: "{name:", contentType: "application/json" });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error.message).toMatch(/not valid JSON/);
    const yaml = await call("POST", "/api/v1/applications", { raw: "name: x", contentType: "application/yaml" });
    expect(yaml.status).toBe(415);
  });

  it("answers 404 application-not-found for an unknown application on every per-app route", async () => {
    for (const [method, path, body] of [
      ["GET", "/api/v1/applications/{app}", undefined],
      ["PATCH", "/api/v1/applications/{app}", { description: "x" }],
      ["DELETE", "/api/v1/applications/{app}", undefined],
      ["POST", "/api/v1/applications/{app}/pause", undefined],
      ["GET", "/api/v1/applications/{app}/endpoints", undefined],
      ["POST", "/api/v1/applications/{app}/endpoints", { functions: "a/b", urlPathTemplate: "http://127.0.0.1:1/x", skipProbe: true }],
      ["GET", "/api/v1/applications/{app}/module", undefined],
    ] as const) {
      const res = await call(method, path, { params: { app: "ghost" }, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.json.error).toMatchObject({ code: "application-not-found", message: 'no application named "ghost"' });
    }
  });

  it("pauses and resumes, recording before and after", async () => {
    await call("POST", "/api/v1/applications", { body: { name: "pausable" } });
    const paused = await call("POST", "/api/v1/applications/{app}/pause", { params: { app: "pausable" } });
    expect(paused.json).toMatchObject({ paused: true });
    expect(paused.json.pausedAt).not.toBeNull();
    const resumed = await call("POST", "/api/v1/applications/{app}/resume", { params: { app: "pausable" } });
    expect(resumed.json).toMatchObject({ paused: false, pausedAt: null });
    const [p] = await audits("application.pause");
    expect(p).toMatchObject({ target: "pausable", before: { paused: false }, after: { paused: true } });
  });

  it("pages through applications with a server-side cursor", async () => {
    for (const n of ["page-a", "page-b", "page-c", "page-d", "page-e"]) await call("POST", "/api/v1/applications", { body: { name: n } });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call("GET", "/api/v1/applications", { query: { limit: "2", ...(cursor ? { cursor } : {}) } });
      expect(res.json.applications.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.applications.map((a: { name: string }) => a.name));
      cursor = res.json.next;
    } while (cursor);
    expect(seen).toEqual([...seen].sort());
    expect(seen.filter((n) => n.startsWith("page-"))).toEqual(["page-a", "page-b", "page-c", "page-d", "page-e"]);
    const bad = await call("GET", "/api/v1/applications", { query: { limit: "100000" } });
    expect(bad.status).toBe(400);
  });

  it("deletes an application with its endpoints", async () => {
    await call("POST", "/api/v1/applications", { body: { name: "doomed" } });
    const ep = await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "doomed" }, body: { functions: "doomed/*", urlPathTemplate: "http://127.0.0.1:9/statefun", skipProbe: true } });
    expect(ep.status).toBe(201);
    expect((await call("DELETE", "/api/v1/applications/{app}", { params: { app: "doomed" } })).status).toBe(200);
    expect(await ctx.db.functionEndpoint.count({ where: { functions: "doomed/*" } })).toBe(0);
    const [d] = await audits("application.delete");
    expect(d.before).toMatchObject({ endpoints: ["doomed/*"] });
  });

  it("lists audit events newest first with a cursor", async () => {
    const first = await call("GET", "/api/v1/audit", { query: { limit: "3" } });
    expect(first.status).toBe(200);
    expect(first.json.events).toHaveLength(3);
    const ids = first.json.events.map((e: { id: string }) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const second = await call("GET", "/api/v1/audit", { query: { limit: "3", cursor: first.json.next } });
    expect(Number(second.json.events[0].id)).toBeLessThan(ids[2]);
    expect((await call("GET", "/api/v1/audit", { query: { cursor: "drop table" } })).status).toBe(400);
  });
});
