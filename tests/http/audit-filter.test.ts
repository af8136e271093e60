import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";

/** GET /api/v1/audit?targetType=&target=&actor= — the console's audit page filters with these. */
let ctx: TestContext;
let admin: Awaited<ReturnType<typeof apiClient>>;
let operator: Awaited<ReturnType<typeof apiClient>>;

type Event = { actor: string; action: string; targetType: string; target: string };
const list = async (query: Record<string, string>): Promise<Event[]> => {
  const res = await admin("GET", "/api/v1/audit", { query: { limit: "200", ...query } });
  expect(res.status, res.text).toBe(200);
  return res.json.events;
};

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  admin = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  const tok = await admin("POST", "/api/v1/tokens", { body: { name: "ops-bot", role: "operator" } });
  expect(tok.status, tok.text).toBe(201);
  operator = await apiClient(tok.json.token);
  for (const name of ["alpha", "beta"]) expect((await admin("POST", "/api/v1/applications", { body: { name } })).status).toBe(201);
  expect((await operator("POST", "/api/v1/applications/{app}/pause", { params: { app: "alpha" } })).status).toBe(200);
  expect((await operator("POST", "/api/v1/applications/{app}/resume", { params: { app: "alpha" } })).status).toBe(200);
  expect((await admin("POST", "/api/v1/users", { body: { username: "vera", password: "vera-password-1", role: "viewer" } })).status).toBe(201);
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

describe("filtering the audit log", () => {
  it("unfiltered, every kind of event is there (the negative control)", async () => {
    const all = await list({});
    expect(new Set(all.map((e) => e.targetType))).toEqual(new Set(["application", "token", "user"]));
    expect(new Set(all.map((e) => e.actor))).toEqual(new Set(["admin-token", "token:ops-bot"]));
  });

  it("by target type, and by target type and target", async () => {
    const apps = await list({ targetType: "application" });
    expect(apps.map((e) => e.action).sort()).toEqual(["application.create", "application.create", "application.pause", "application.resume"]);
    const alpha = await list({ targetType: "application", target: "alpha" });
    expect(alpha.map((e) => e.action)).toEqual(["application.resume", "application.pause", "application.create"]);
    expect(await list({ targetType: "user", target: "alpha" })).toEqual([]);
  });

  it("by actor, alone or with the target", async () => {
    const byOps = await list({ actor: "token:ops-bot" });
    expect(byOps.map((e) => e.action)).toEqual(["application.resume", "application.pause"]);
    expect((await list({ actor: "admin-token", targetType: "application", target: "alpha" })).map((e) => e.action)).toEqual(["application.create"]);
    expect(await list({ actor: "token:nobody" })).toEqual([]);
  });

  it("pages a filtered listing with its cursor", async () => {
    const first = await admin("GET", "/api/v1/audit", { query: { targetType: "application", limit: "3" } });
    expect(first.json.events).toHaveLength(3);
    expect(first.json.next).toBeTruthy();
    const second = await admin("GET", "/api/v1/audit", { query: { targetType: "application", limit: "3", cursor: first.json.next } });
    expect(second.json.events.map((e: Event) => e.target)).toEqual(["alpha"]);
    expect(second.json.next).toBeNull();
  });
});
