import { afterAll, beforeAll, expect, it } from "vitest";
import { planeOf } from "@/server/dispatch/plane";
import { encodeEntry } from "@/server/dispatch/entries";
import { processClaimed } from "@/server/dispatch/invoke";
import { SpecCache } from "@/server/dispatch/spec-cache";
import { RegistrySnapshot, type BoundEndpoint } from "@/server/registry/registry-snapshot";
import { ENDPOINT_V2 } from "@/server/contracts/registry";
import { createTestContext, type TestContext } from "../support/test-context";

/**
 * An address claimed while its application is paused is held; a resume releases the held addresses. When the
 * resume reaches the worker between the claim and the hold — the runner's release for it having already run,
 * finding nothing — the hold itself must be undone, or the address waits for the next sweep (up to 5 s).
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.cleanup());

const endpoint = (paused: boolean): BoundEndpoint => ({
  id: "ep",
  application: "app",
  paused,
  kind: ENDPOINT_V2,
  functions: "hr/*",
  namespace: "hr",
  typeName: null,
  urlPathTemplate: "http://127.0.0.1:9/statefun",
  maxNumBatchRequests: 1000,
  transportType: "io.statefun.transports.v1/async",
  callTimeoutMs: 1000,
  connectTimeoutMs: 1000,
  readTimeoutMs: null,
  writeTimeoutMs: null,
  transportExtra: {},
});

it("a hold that raced a resume is released at once", async () => {
  const plane = planeOf(ctx);
  const k = plane.keys;
  const address = "hr/counter/1";
  const p = k.partitionOf(address);
  const entry = encodeEntry("m1", Date.now(), null, { typename: "io.statefun.types/int", hasValue: true, value: Buffer.from([8, 1]) });
  expect(await plane.enqueue([{ address, functionType: "hr/counter", entry, cap: 0 }], 60_000)).toEqual(["queued"]);
  const [c] = await plane.claim(p, 10, 100, 10_000);
  expect(c.address).toBe(address);

  const paused = new RegistrySnapshot(1, [endpoint(true)]);
  const resumed = new RegistrySnapshot(2, [endpoint(false)]);
  let current = paused;
  const realHold = plane.hold.bind(plane);
  // the resume arrives (and the runner's release finds nothing held) just before this hold reaches Redis
  plane.hold = (claimed, ft) => ((current = resumed), realHold(claimed, ft));
  try {
    const outcome = await processClaimed({ plane, registry: () => current, specs: new SpecCache(plane), log: ctx.log }, c);
    expect(outcome).toBe("held");
  } finally {
    plane.hold = realHold;
  }
  expect(await ctx.redis.hexists(k.held(p), address)).toBe(0);
  expect(await ctx.redis.lrange(k.ready(p), 0, -1)).toEqual([address]);
});
