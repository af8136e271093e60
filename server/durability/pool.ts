import type pg from "pg";
import type { Ctx } from "../context";
import { createPgPool } from "../pg";

const pools = new WeakMap<Ctx, pg.Pool>();

/** The web process's `pg` pool for the bulk savepoint paths (export, import, diff): one per context, built on first use. */
export function poolOf(ctx: Ctx): pg.Pool {
  let p = pools.get(ctx);
  if (!p) {
    p = createPgPool(ctx.env.DATABASE_URL, 4);
    // an idle client's connection dropping must not take the process down; the next query reconnects
    p.on("error", (err) => ctx.log.warn({ err }, "savepoint pool: idle connection failed"));
    pools.set(ctx, p);
  }
  return p;
}

export async function closePool(ctx: Ctx): Promise<void> {
  const p = pools.get(ctx);
  pools.delete(ctx);
  await p?.end();
}
