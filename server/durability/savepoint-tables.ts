import type pg from "pg";
import { inTransaction } from "../pg";

/**
 * `savepoint_address` is partitioned by savepoint (LIST on savepoint_id): each savepoint's address rows — values
 * inline — are a table of their own. A savepoint loads its table while it is still detached and has no index,
 * builds the index once after the load, attaches it, and is deleted by dropping it. Rows of savepoints from before the
 * partitioning sit in the DEFAULT partition (the delete rule on `savepoint` removes those).
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The partition's table name for a savepoint id (a UUID; anything else is a bug, not input). */
export function savepointTable(id: string): string {
  if (!UUID.test(id)) throw new Error(`not a savepoint id: ${JSON.stringify(id)}`);
  return `savepoint_address_${id.replace(/-/g, "")}`;
}

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** The tables a savepoint loads: the whole, or its two halves split at `split` (see createLoadTables). */
export function loadTables(id: string, split: string | null): string[] {
  const t = savepointTable(id);
  return split === null ? [t] : [`${t}_0`, `${t}_1`];
}

/**
 * Fresh, detached, index-free tables for savepoint `id` to be loaded from several connections (which is why they
 * are created and committed on their own; an import, on one client, creates its table in its transaction). With
 * a split point, the savepoint's table is itself partitioned by address range into two halves, `[-∞, split)` and
 * `[split, ∞)`, each loaded and indexed by its own connection in parallel. The CHECKs let the attaches skip their
 * validation scans.
 */
export async function createLoadTables(pool: pg.Pool | pg.PoolClient, id: string, split: string | null): Promise<string[]> {
  const t = savepointTable(id);
  const own = `CONSTRAINT "${t}_id" CHECK (savepoint_id = '${id}'::uuid)`;
  await pool.query(`DROP TABLE IF EXISTS "${t}", "${t}_0", "${t}_1"`);
  if (split === null) {
    await pool.query(`CREATE TABLE "${t}" (LIKE savepoint_address INCLUDING DEFAULTS, ${own})`);
    return [t];
  }
  const [lo, hi] = loadTables(id, split);
  await pool.query(`CREATE TABLE "${t}" (LIKE savepoint_address INCLUDING DEFAULTS, ${own}) PARTITION BY RANGE (address)`);
  await pool.query(`CREATE TABLE "${lo}" (LIKE savepoint_address INCLUDING DEFAULTS, ${own}, CHECK (address < ${literal(split)}))`);
  await pool.query(`CREATE TABLE "${hi}" (LIKE savepoint_address INCLUDING DEFAULTS, ${own}, CHECK (address >= ${literal(split)}))`);
  return [lo, hi];
}

/**
 * Builds a loaded table's primary key, in one sorted pass (the index of a million addresses sorts in memory), and
 * its statistics: without them the planner takes a new table for a few rows, and the next savepoint (copying from
 * this one) and a rollback onto it chose plans for that.
 */
export async function indexLoadTable(c: pg.ClientBase, table: string): Promise<void> {
  await c.query(`SET LOCAL maintenance_work_mem = '256MB'`);
  await c.query(`ALTER TABLE "${table}" ADD PRIMARY KEY (savepoint_id, address)`);
  await c.query(`ANALYZE "${table}"`);
}

/** Makes the loaded (and indexed) tables the savepoint's partition, in the caller's transaction. */
export async function attachLoadTables(c: pg.ClientBase, id: string, split: string | null): Promise<void> {
  const t = savepointTable(id);
  if (split !== null) {
    const [lo, hi] = loadTables(id, split);
    await c.query(`ALTER TABLE "${t}" ATTACH PARTITION "${lo}" FOR VALUES FROM (MINVALUE) TO (${literal(split)})`);
    await c.query(`ALTER TABLE "${t}" ATTACH PARTITION "${hi}" FOR VALUES FROM (${literal(split)}) TO (MAXVALUE)`);
  }
  await c.query(`ALTER TABLE savepoint_address ATTACH PARTITION "${t}" FOR VALUES IN ('${id}')`);
}

/** The partition of a savepoint written in one transaction: created attached, filled through the parent. */
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
  // `base`: the savepoint's table a half belongs to (the name without `_0` / `_1`)
  const tables = await pool.query<{ relname: string; base: string; exists: boolean }>(
    `SELECT t.relname, t.base, s.id IS NOT NULL AS exists
       FROM (SELECT relname, substring(relname from '^savepoint_address_[0-9a-f]{32}') AS base FROM pg_class
              WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND relname ~ '^savepoint_address_[0-9a-f]{32}(_[01])?$') t
       LEFT JOIN savepoint s ON t.base = 'savepoint_address_' || replace(s.id::text, '-', '')
      ORDER BY t.relname`,
  );
  const wanted = new Set(ids.map(savepointTable));
  let dropped = 0;
  for (const t of tables.rows) {
    if (!wanted.has(t.base) && t.exists) continue;
    try {
      await inTransaction(pool, async (c) => {
        await c.query("SET LOCAL lock_timeout = '1s'");
        await c.query(`DROP TABLE IF EXISTS "${t.relname}"`);
      });
      dropped++;
    } catch {
      // no lock within a second (or the drop failed otherwise): the next call tries again
    }
  }
  return dropped;
}

/** What a reader needs to know of a savepoint to read its address rows. */
export interface SavepointRef {
  id: string;
  /** A delta's base: the full savepoint holding the rows of every address the delta does not. */
  baseId: string | null;
  functionTypes: string[];
}

const COLUMNS = "address, function_type, version, invoked_at, value_names, value_data, value_written, value_bytes";

/**
 * The address rows of a savepoint, as a parenthesized FROM item with the columns of `savepoint_address`. A delta
 * savepoint's own table holds only the addresses changed since its base's cut; every other address of its
 * function types has, unchanged since then, the base's row (see takeSavepoint), which is read from there. Quals
 * of the reader (`address = …`, `address > …`) reach both arms, so point and range reads stay index reads.
 */
export function addressRows(sp: SavepointRef): string {
  savepointTable(sp.id);
  const own = `SELECT savepoint_id, ${COLUMNS} FROM savepoint_address WHERE savepoint_id = '${sp.id}'::uuid`;
  if (sp.baseId === null) return `(${own})`;
  savepointTable(sp.baseId);
  const types = `ARRAY[${sp.functionTypes.map(literal).join(", ") || "NULL"}]::text[]`;
  return `(${own}
     UNION ALL
     SELECT '${sp.id}'::uuid, ${COLUMNS.split(", ").map((c) => `b.${c}`).join(", ")} FROM savepoint_address b
      WHERE b.savepoint_id = '${sp.baseId}'::uuid AND b.function_type = ANY(${types})
        AND NOT EXISTS (SELECT 1 FROM savepoint_address d WHERE d.savepoint_id = '${sp.id}'::uuid AND d.address = b.address))`;
}

/**
 * The row of `address` (an SQL expression, e.g. a column of the outer query) in `rows` (a FROM item such as
 * addressRows or cp_address), for a LATERAL join: read by key. `OFFSET 0` keeps the planner from flattening it
 * into a join that scans every row of a million-row table for a few thousand addresses (it did). The inner
 * alias is `keyed`: an outer `address` expression must not name it.
 */
export const rowOf = (rows: string, address: string, columns = "*") => `(SELECT ${columns} FROM ${rows} keyed WHERE keyed.address = ${address} OFFSET 0)`;

/** A savepoint's values, one row per value (savepoint_id, address, name, value, written_at), as a FROM item. */
export function valueRows(sp: SavepointRef): string {
  return `(SELECT s.savepoint_id, s.address, u.name, u.value, u.written_at FROM ${addressRows(sp)} s
      CROSS JOIN LATERAL unnest(s.value_names, s.value_data, s.value_written) AS u(name, value, written_at))`;
}
