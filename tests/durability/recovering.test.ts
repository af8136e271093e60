import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { setAppContext } from "@/server/context";
import { createPgPool } from "@/server/pg";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";
import { keysOf } from "../support/fixtures/plane";

/**
 * While Redis holds no data plane (it came back empty and the checkpointer has not rebuilt it yet), writes are
 * refused with a 503 the caller can retry — nothing is half-applied on top of a Redis that is about to be
 * rebuilt. A deployment that was never checkpointed simply starts empty.
 */
let ctx: TestContext;
let pool: pg.Pool;
let call: Awaited<ReturnType<typeof apiClient>>;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  pool = createPgPool(ctx.databaseUrl, 1);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  await call("POST", "/api/v1/applications", { body: { name: "rec" } });
  const ep = await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "rec" }, body: { functions: "rec/*", urlPathTemplate: "http://127.0.0.1:9/{function.name}", skipProbe: true } });
  expect(ep.status, ep.text).toBe(201);
});
afterAll(async () => {
  setAppContext(undefined);
  await pool?.end();
  await ctx?.cleanup();
});

const send = () => call("PUT", "/api/v1/ingress/{namespace}/{type}/{id}", { params: { namespace: "rec", type: "box", id: "1" }, raw: "hi", contentType: "text/plain" });

describe("writes while the data plane is missing", () => {
  it("a deployment never checkpointed starts empty: the first write creates the data plane", async () => {
    expect(await ctx.redis.exists(keysOf(ctx).marker)).toBe(0);
    expect((await send()).status).toBe(202);
    expect(await ctx.redis.exists(keysOf(ctx).marker)).toBe(1);
  });

  it("after Redis lost a checkpointed data plane, ingress answers 503 with retry-after until it is rebuilt", async () => {
    await pool.query(`INSERT INTO cp_cursor (id, seq) VALUES (1, 5)`);
    await ctx.redis.del(keysOf(ctx).marker);
    const r = await send();
    expect(r.status).toBe(503);
    expect(r.json.error).toMatchObject({ code: "unavailable" });
    expect(r.json.error.message).toMatch(/rebuilt from the last checkpoint/);
    expect(r.headers.get("retry-after")).toBe("2");
    expect(await ctx.redis.exists(keysOf(ctx).marker), "nobody but the recovery creates it now").toBe(0);
  });
});

describe("a large batch", () => {
  it("10,000 NDJSON lines to one address are taken in bounded script calls: the first maxNumBatchRequests queue, the rest are refused per line", async () => {
    await ctx.redis.set(keysOf(ctx).marker, "{}");
    const body = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ target: "rec/box/big", typename: "rec/msg", value: { i } })).join("\n");
    const r = await call("POST", "/api/v1/ingress", { raw: body, contentType: "application/x-ndjson" });
    expect(r.status, r.text.slice(0, 300)).toBe(200);
    expect(r.json.accepted).toBe(1000);
    expect(r.json.rejected).toHaveLength(9000);
    expect(r.json.rejected[0].error).toMatch(/mailbox .* is full/);
    const k = keysOf(ctx);
    expect(await ctx.redis.llen(k.mailbox(k.partitionOf("rec/box/big"), "rec/box/big"))).toBe(1000);
  });
});
