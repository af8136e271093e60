import { getEventListeners } from "node:events";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CheckpointService } from "@/server/durability/checkpoint-service";
import { createTestContext, type TestContext } from "../support/test-context";
import { waitFor } from "../support/processes";

/**
 * The checkpointer sleeps between rounds ~10 times a second for as long as the worker lives. Each sleep used to
 * add an abort listener to the service's stop signal and never remove it: a leak that grew without bound (Node
 * warned "MaxListenersExceededWarning … 11 abort listeners added to [AbortSignal]" a second after start).
 */
let ctx: TestContext;
let service: CheckpointService;
beforeAll(async () => {
  ctx = await createTestContext();
  service = new CheckpointService(ctx);
  await service.start();
});
afterAll(async () => {
  await service?.stop();
  await ctx?.cleanup();
});

it("leaves no abort listener behind per idle round", async () => {
  // idle rounds sleep 100 ms each: 15 rounds is 1.5 s
  await waitFor(async () => service.stats.rounds >= 15, 20_000, 50);
  const signal = (service as unknown as { stopping: AbortController }).stopping.signal;
  // at most the sleep under way holds one
  expect(getEventListeners(signal, "abort").length).toBeLessThanOrEqual(1);
});
