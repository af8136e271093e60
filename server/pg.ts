import pg from "pg";

/**
 * A `pg` pool for the bulk durability paths (checkpoint drain, recovery, savepoints), where Prisma's per-row
 * writes are ~10× too slow (DESIGN §4). `?schema=name` in the URL selects the schema, as for Prisma.
 */
export function createPgPool(databaseUrl: string, max = 4): pg.Pool {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get("schema");
  url.searchParams.delete("schema");
  return new pg.Pool({
    connectionString: url.toString(),
    max,
    connectionTimeoutMillis: 5_000,
    // JIT compiles each statement whose estimated cost is high — the bulk ones here, and the checkpointer's
    // per-address LATERAL lookups over thousands of addresses — and loses: the copy of a 100k-address savepoint
    // took 1.63 s with it, 1.29 s without (measured on the same rows)
    options: `-c jit=off${schema ? ` -c search_path="${schema}"` : ""}`,
  });
}

/** One transaction on a pooled client; rolled back on any error. */
export async function inTransaction<T>(pool: pg.Pool, run: (c: pg.PoolClient) => Promise<T>, isolation = "READ COMMITTED"): Promise<T> {
  const c = await pool.connect();
  try {
    return await inClientTransaction(c, () => run(c), isolation);
  } finally {
    c.release();
  }
}

/** One transaction on a client the caller holds (its temporary tables stay with it); rolled back on any error. */
export async function inClientTransaction<T>(c: pg.ClientBase, run: () => Promise<T>, isolation = "READ COMMITTED"): Promise<T> {
  await c.query(`BEGIN ISOLATION LEVEL ${isolation}`);
  try {
    const out = await run();
    await c.query("COMMIT");
    return out;
  } catch (e) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}
