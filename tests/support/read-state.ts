import { Partitioning } from "@/server/dispatch/keys";
import { decodePrimitive } from "@/server/protocol/typed-values";
import type { TestContext } from "./test-context";

export const partitioning = (ctx: TestContext) => new Partitioning(ctx.env.STATEHOUSE_REDIS_PREFIX, ctx.env.STATEHOUSE_PARTITIONS, ctx.env.DISPATCH_GROUPS);

export async function readState(ctx: TestContext, address: string, name: string): Promise<Buffer | null> {
  const k = partitioning(ctx);
  return ctx.redis.hgetBuffer(k.state(k.partitionOf(address), address), `v:${name}`);
}

export async function readInt(ctx: TestContext, address: string, name = "count"): Promise<number> {
  const v = await readState(ctx, address, name);
  return v ? decodePrimitive("io.statefun.types/int", v) : 0;
}

/**
 * Every commit, patch and skip in the changelog streams of every partition: address, version, messages consumed
 * (entries of other kinds — enqueues, deliveries, timers, specs — carry no address). The checkpointer trims
 * drained entries beyond CHANGELOG_RETAIN per partition: a test reading all of them sets it high.
 */
export async function changelog(ctx: TestContext): Promise<Array<{ address: string; version: number; consumed: number }>> {
  const k = partitioning(ctx);
  const out: Array<{ address: string; version: number; consumed: number }> = [];
  for (let p = 0; p < k.partitions; p++) {
    const rows = await ctx.redis.xrange(k.changelog(p), "-", "+");
    for (const [, f] of rows) {
      const fields = new Map<string, string>();
      for (let i = 0; i < f.length; i += 2) fields.set(f[i], f[i + 1]);
      if (fields.has("a")) out.push({ address: fields.get("a")!, version: Number(fields.get("v")), consumed: Number(fields.get("n")) });
    }
  }
  return out;
}
