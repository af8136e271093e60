import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { closePool } from "@/server/durability/pool";
import { planeOf } from "@/server/dispatch/plane";
import { listFunctionTypes } from "@/server/registry/function-types";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";

/** GET /api/v1/functions: per type, its application, endpoint, address count, backlog and parked count — no key scan. */
let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;

beforeAll(async () => {
  ctx = await createTestContext({ STATEHOUSE_PARTITIONS: "8" });
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  expect((await call("POST", "/api/v1/applications", { body: { name: "shop" } })).status).toBe(201);
  const ep = await call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "shop" }, body: { functions: "shop/*", urlPathTemplate: "http://127.0.0.1:9/{function.name}", skipProbe: true } });
  expect(ep.status, ep.text).toBe(201);
});
afterAll(async () => {
  setAppContext(undefined);
  await closePool(ctx);
  await ctx.cleanup();
});

/** What the data-plane scripts keep: stats counters per partition, parked sets of addresses. */
async function seedDataPlane(parked: string[]): Promise<void> {
  const k = planeOf(ctx).keys;
  await ctx.redis.hset(k.stats(0), "shop/cart|addresses", "3", "shop/cart|backlog", "5");
  await ctx.redis.hset(k.stats(1), "shop/cart|addresses", "2", "shop/cart|backlog", "1", "lone/thing|addresses", "1");
  for (const a of parked) await ctx.redis.zadd(k.parked(k.partitionOf(a)), Date.now(), a);
}

describe("the function types list", () => {
  it("gives each type its application, endpoint, counts from the stats hashes and exact parked counts", async () => {
    await seedDataPlane(["shop/cart/a", "shop/cart/b", "shop/cart/c", "lone/thing/x"]);
    // a type only the checkpoint has seen (its addresses' stats would be in Redis too; here only the row)
    await ctx.db.checkpointAddress.create({ data: { address: "shop/order/1", functionType: "shop/order", version: 1n, updatedAt: 0n } });
    const res = await call("GET", "/api/v1/functions");
    expect(res.status, res.text).toBe(200);
    const by = Object.fromEntries(res.json.functions.map((f: { functionType: string }) => [f.functionType, f]));
    expect(by["shop/cart"]).toEqual({
      functionType: "shop/cart",
      pattern: "shop/*",
      endpointId: expect.any(String),
      endpointUrl: "http://127.0.0.1:9/{function.name}",
      application: "shop",
      paused: false,
      addresses: 5,
      backlog: 6,
      parked: 3,
      parkedEstimated: false,
    });
    expect(by["shop/order"]).toMatchObject({ application: "shop", addresses: 0, parked: 0 });
    expect(by["lone/thing"]).toMatchObject({ application: null, endpointUrl: null, addresses: 1, parked: 1 });
  });

  it("estimates parked counts from samples when many are parked, and says so", async () => {
    const many = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? `lone/thing/p${i}` : `shop/cart/p${i}`));
    await seedDataPlane(many);
    const out = await listFunctionTypes(ctx, { parkedExactMax: 100 });
    const by = Object.fromEntries(out.functions.map((f) => [f.functionType, f]));
    expect(by["shop/cart"].parkedEstimated).toBe(true);
    // 403 of shop/cart and 201 of lone/thing in all, 8 partitions sampled 200 at most each: within sampling error
    expect(by["shop/cart"].parked + by["lone/thing"].parked).toBeGreaterThan(590);
    expect(by["shop/cart"].parked).toBeGreaterThan(403 * 0.75);
    expect(by["shop/cart"].parked).toBeLessThan(403 * 1.25);
  });

  it("reads no key of Redis's key space by pattern", async () => {
    // only this context's client: other test files share the Redis server
    const addr = /\baddr=(\S+)/.exec(String(await ctx.redis.client("INFO")))![1];
    const monitor = await ctx.redis.duplicate().monitor();
    const commands: string[] = [];
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source === addr) commands.push(String(args[0]).toLowerCase());
    });
    await listFunctionTypes(ctx);
    await new Promise((r) => setTimeout(r, 100));
    monitor.disconnect();
    expect(commands).toContain("hgetall"); // the monitor saw this client's commands
    expect(commands).not.toContain("scan");
    expect(commands).not.toContain("keys");
  });
});
