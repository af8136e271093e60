import { Checkpointer } from "@/server/durability/checkpointer";
import { createPgPool } from "@/server/pg";
import { createLogger } from "@/server/logger";
import { planeOf } from "@/server/dispatch/plane";
import type { TestContext } from "./test-context";

/**
 * Applies every change Redis holds to the checkpoint tables now, as the worker's checkpointer would within a second:
 * for tests of readers of the checkpoint (the address listing) that run without a worker.
 */
export async function checkpointNow(ctx: TestContext): Promise<void> {
  const pool = createPgPool(ctx.databaseUrl, 2);
  try {
    const keys = planeOf(ctx).keys;
    const cp = new Checkpointer(ctx.redis, pool, keys, createLogger("silent"), { batch: 1_000_000, retain: 100 });
    const G = Number((await ctx.redis.get(keys.seq)) ?? 0);
    for (let i = 0; i < 50; i++) if ((await cp.round()).seq >= G) return;
    throw new Error("the checkpointer did not catch up");
  } finally {
    await pool.end();
  }
}
