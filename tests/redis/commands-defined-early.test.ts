import { afterAll, expect, it } from "vitest";
import { createRedis } from "@/server/redis";
import { DataPlane } from "@/server/dispatch/data-plane";
import { encodeEntry } from "@/server/dispatch/entries";
import { env } from "@/server/env";

/**
 * ioredis#1931: a Lua command defined on an auto-pipelined client and called in the tick it was defined lands in
 * the pipeline an earlier command of that tick made, which lacks it ("pipeline[functionName] is not a function":
 * a batch-ingress 500 in CI). createRedis defines every command before the client is used; here an ordinary
 * command and a data plane's first script call share one tick.
 */
const prefix = `test:cmds-${process.pid}-${Date.now()}`;
const redis = createRedis(env().REDIS_URL, "producer", "commands-defined-early");
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

it("a data plane's first script call in the same tick as another command is sent, not refused", async () => {
  // the marker that says the data plane exists, written through another client: `redis` has sent no script yet
  const other = createRedis(env().REDIS_URL, "producer", "commands-defined-early-init");
  await new DataPlane(other, prefix, 4, 1).initMarker();
  await other.quit();
  await redis.ping();
  const first = redis.get(`${prefix}:anything`); // opens this tick's auto pipeline
  const dp = new DataPlane(redis, prefix, 4, 1);
  const entry = encodeEntry("m1", Date.now(), null, { typename: "t/x", hasValue: true, value: Buffer.from("x") });
  const [, res] = await Promise.all([first, dp.enqueue([{ address: "t/x/1", functionType: "t/x", entry, cap: 0 }], 60_000)]);
  expect(res).toEqual(["queued"]);
});
