import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createRedis } from "@/server/redis";
import { planeOf } from "@/server/dispatch/plane";
import { checkpointStatusKey } from "@/server/durability/lag";
import { removeHeartbeat, writeHeartbeat } from "@/server/operations/workers";
import { GET } from "@/app/api/health/route";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute } from "../support/call-route";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx.cleanup();
});

describe("GET /api/health", () => {
  it("reports Postgres and Redis up, and degraded while no worker is live", async () => {
    setAppContext(ctx);
    const res = await callRoute(GET, "GET");
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: "degraded", postgres: { ok: true }, redis: { ok: true }, workers: { live: 0 }, checkpoint: null });
  });

  it("reports the checkpoint lag, and degraded while it is above CHECKPOINT_LAG_CAP_MS", async () => {
    setAppContext(ctx);
    const { prefix, seq } = planeOf(ctx).keys;
    const status = (cpSeq: number, since: number) => ctx.redis.hset(checkpointStatusKey(prefix), { seq: cpSeq, since, pending: 0, at: Date.now() });
    await writeHeartbeat(ctx, { id: "health-test", startedAt: new Date().toISOString(), registryVersion: 0, roles: ["dispatch"] });
    await ctx.redis.set(seq, 7);
    try {
      await status(7, Date.now() - 60_000);
      const caughtUp = await callRoute(GET, "GET");
      expect(caughtUp.json).toMatchObject({ status: "ok", workers: { live: 1 }, checkpoint: { seq: 7, pending: 0, lagMs: 0 } });
      expect(Date.parse(caughtUp.json.checkpoint.lastRoundAt)).toBeGreaterThan(Date.now() - 60_000);

      await status(4, Date.now() - 5_000);
      const behind = await callRoute(GET, "GET");
      expect(behind.status).toBe(200);
      expect(behind.json).toMatchObject({ status: "degraded", workers: { live: 1 }, checkpoint: { seq: 4, pending: 3 } });
      expect(behind.json.checkpoint.lagMs).toBeGreaterThan(ctx.env.CHECKPOINT_LAG_CAP_MS);
    } finally {
      await removeHeartbeat(ctx, "health-test");
      await ctx.redis.del(checkpointStatusKey(prefix), seq);
    }
  });

  it("answers 503 naming Redis when Redis is unreachable, without hanging", async () => {
    const dead = createRedis("redis://127.0.0.1:1", "producer", "dead", { retryStrategy: () => null });
    dead.on("error", () => undefined);
    setAppContext({ ...ctx, redis: dead });
    const t0 = Date.now();
    const res = await callRoute(GET, "GET");
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(res.status).toBe(503);
    expect(res.json).toMatchObject({ status: "down", postgres: { ok: true }, redis: { ok: false } });
    expect(res.json.redis.error).toBeTruthy();
    dead.disconnect();
  });
});
