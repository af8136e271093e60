import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/**
 * A `pg` pool for the bulk durability paths (checkpoint drain, recovery, savepoints), where Prisma's per-row
 * writes are ~10× too slow (docs/DESIGN.md §4). `?schema=name` in the URL selects the schema, as for Prisma.
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

/**
 * A Postgres array literal (`{…}`, the text form of `text[]`, `bytea[]`, `bigint[]`…) built ahead of the query:
 * strings and Buffers are quoted (Buffers as `\x` hex), numbers as they are, null as NULL. `pg` passes a string
 * parameter through untouched, so a statement's arrays can be serialized while another statement runs.
 */
export function pgArray(items: ReadonlyArray<string | number | Buffer | null>): string {
  let out = "{";
  for (let i = 0; i < items.length; i++) {
    const x = items[i];
    if (i) out += ",";
    if (x === null) out += "NULL";
    else if (typeof x === "number") out += String(x);
    else if (typeof x === "string") out += `"${x.replace(/[\\"]/g, "\\$&")}"`;
    else out += `"\\\\x${x.toString("hex")}"`;
  }
  return out + "}";
}

/** A value in COPY's text format: `\N` for null, backslash escapes for text, `\\x` hex for bytes. */
function copyField(x: string | number | Buffer | null): string {
  if (x === null) return "\\N";
  if (typeof x === "number") return String(x);
  if (typeof x === "string") return /[\\\t\n\r]/.test(x) ? x.replace(/[\\\t\n\r]/g, (ch) => COPY_ESCAPES[ch]) : x;
  return `\\\\x${x.toString("hex")}`;
}
const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };

/**
 * Appends rows to a table with COPY FROM STDIN (text format), on the caller's client and in its transaction:
 * about twice the rate of INSERT … SELECT FROM unnest() for append-only rows (COPY inserts in multi-row batches).
 */
export async function copyRows(c: pg.ClientBase, table: string, columns: string[], rows: Iterable<ReadonlyArray<string | number | Buffer | null>>): Promise<void> {
  const chunks: string[] = [];
  let chunk = "";
  for (const row of rows) {
    for (let i = 0; i < row.length; i++) chunk += (i ? "\t" : "") + copyField(row[i]);
    chunk += "\n";
    if (chunk.length > 1 << 20) {
      chunks.push(chunk);
      chunk = "";
    }
  }
  if (chunk) chunks.push(chunk);
  if (!chunks.length) return;
  await pipeline(Readable.from(chunks), c.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`)));
}
