import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createRedis } from "@/server/redis";
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
    expect(res.json).toMatchObject({ status: "degraded", postgres: { ok: true }, redis: { ok: true }, workers: { live: 0 } });
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
