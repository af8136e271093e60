import { afterAll, beforeAll, expect, it } from "vitest";
import { Bell } from "@/server/dispatch/bell";
import { createTestContext, type TestContext } from "../support/test-context";
import { waitFor } from "../support/processes";

/** The bell's two messages: a partition number (an address became ready) and `t<partition>` (timers written). */
let ctx: TestContext;
let bell: Bell;
const channel = () => `${ctx.keys.prefix}:bell-test`;
beforeAll(async () => {
  ctx = await createTestContext();
  bell = new Bell(ctx.redis, channel());
  await bell.start();
});
afterAll(async () => {
  await bell?.stop();
  await ctx?.cleanup();
});

it("rings a partition for its number and tells onTimers for t<partition>, without ringing it", async () => {
  const timers: number[] = [];
  bell.onTimers = (p) => timers.push(p);
  await ctx.redis.publish(channel(), "t7");
  await ctx.redis.publish(channel(), "3");
  await waitFor(async () => bell.take([3]).length === 1, 5_000, 10);
  expect(timers).toEqual([7]);
  expect(bell.take([7])).toEqual([]);
});
