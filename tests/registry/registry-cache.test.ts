import { afterAll, beforeAll, expect, it } from "vitest";
import type { Ctx } from "@/server/context";
import { announceRegistryChange } from "@/server/registry/registry-bus";
import { RegistryCache } from "@/server/registry/registry-cache";
import { createTestContext, type TestContext } from "../support/test-context";
import { waitFor } from "../support/processes";

/**
 * A registry change announced while Postgres cannot be read (here: the client closed, as at shutdown) must not
 * become an unhandled rejection — which would fail a test run and can end a process — but a warning, with the
 * snapshot already loaded kept.
 */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx?.cleanup());

it("keeps its snapshot and warns when a reload after a change announcement fails", async () => {
  const warnings: string[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown) => unhandled.push(e);
  process.on("unhandledRejection", onUnhandled);
  const log = { ...ctx.log, info: () => undefined, warn: (_o: unknown, msg: string) => warnings.push(msg) } as unknown as Ctx["log"];
  const live: Ctx = { ...ctx, log };
  const cache = new RegistryCache(live);
  try {
    await cache.start();
    const loaded = cache.current;
    expect(loaded.version).toBeGreaterThanOrEqual(0);
    // Postgres unreadable from here on, as when the client is closed at shutdown ("Cannot use a pool after
    // calling end on the pool", seen in CI): every model query of the reload rejects
    const down = () => Promise.reject(new Error("Cannot use a pool after calling end on the pool"));
    live.db = new Proxy({}, { get: () => new Proxy({}, { get: () => down }) }) as Ctx["db"];
    await announceRegistryChange(ctx.redis, ctx.keys);
    await waitFor(async () => warnings.length > 0 || unhandled.length > 0, 10_000, 20);
    await new Promise((r) => setTimeout(r, 100));
    expect(unhandled).toEqual([]);
    expect(warnings).toContain("registry reload failed; keeping the loaded snapshot");
    expect(cache.current).toBe(loaded);
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await cache.stop();
  }
});
