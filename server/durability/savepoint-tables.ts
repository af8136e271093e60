import type pg from "pg";

/**
 * `savepoint_address` is partitioned by savepoint (LIST on savepoint_id): each savepoint's address rows — values
 * inline — are a table of their own. A savepoint loads its table while it is still detached and has no index,
 * builds the index once by attaching it, and is deleted by dropping it. Rows of savepoints from before the
 * partitioning sit in the DEFAULT partition (the delete rule on `savepoint` removes those).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The partition's table name for a savepoint id (a UUID; anything else is a bug, not input). */
export function savepointTable(id: string): string {
  if (!UUID.test(id)) throw new Error(`not a savepoint id: ${JSON.stringify(id)}`);
  return `savepoint_address_${id.replace(/-/g, "")}`;
}

/**
 * A fresh, detached, index-free table for savepoint `id` to be loaded (from any number of connections, which
 * is why it is created and committed on its own). The CHECK lets the attach skip its validation scan.
 */
export async function createLoadTable(q: pg.Pool | pg.ClientBase, id: string): Promise<string> {
  const t = savepointTable(id);
  await q.query(`DROP TABLE IF EXISTS "${t}"`);
  await q.query(`CREATE TABLE "${t}" (LIKE savepoint_address INCLUDING DEFAULTS, CONSTRAINT "${t}_id" CHECK (savepoint_id = '${id}'::uuid))`);
  return t;
}

/** Builds the primary key of the loaded table and makes it the savepoint's partition, in the caller's transaction. */
export async function attachLoadTable(c: pg.ClientBase, id: string): Promise<void> {
  // the index of a million addresses sorts in memory instead of in temporary files
  await c.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  await c.query(`ALTER TABLE savepoint_address ATTACH PARTITION "${savepointTable(id)}" FOR VALUES IN ('${id}')`);
}

/** The partition of a savepoint written in one transaction (import): created attached, filled through the parent. */
export async function createPartition(c: pg.ClientBase, id: string): Promise<void> {
  const t = savepointTable(id);
  await c.query(`CREATE TABLE "${t}" PARTITION OF savepoint_address FOR VALUES IN ('${id}')`);
}

/**
 * Drops the tables of these savepoints, and of any savepoint that no longer exists (a deleted application's, a
 * crashed attempt's). Dropping a partition locks the parent table briefly: a drop that cannot get its lock within
 * a second is left for the next call (the savepoint's rows are deleted by the rule on `savepoint` anyway).
 */
export async function dropSavepointTables(pool: pg.Pool, ids: string[]): Promise<number> {
  const tables = await pool.query<{ relname: string; exists: boolean }>(
    `SELECT c.relname, s.id IS NOT NULL AS exists FROM pg_class c
       LEFT JOIN savepoint s ON c.relname = 'savepoint_address_' || replace(s.id::text, '-', '')
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND c.relname ~ '^savepoint_address_[0-9a-f]{32}$'`,
  );
  const wanted = new Set(ids.map(savepointTable));
  let dropped = 0;
  for (const t of tables.rows) {
    if (!wanted.has(t.relname) && t.exists) continue;
    const c = await pool.connect();
    try {
      await c.query("BEGIN");
      await c.query("SET LOCAL lock_timeout = '1s'");
      await c.query(`DROP TABLE IF EXISTS "${t.relname}"`);
      await c.query("COMMIT");
      dropped++;
    } catch {
      await c.query("ROLLBACK").catch(() => undefined);
    } finally {
      c.release();
    }
  }
  return dropped;
}
