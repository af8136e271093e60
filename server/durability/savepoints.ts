import type pg from "pg";
import type { z } from "zod";
import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";
import type { Savepoint as SavepointView, SavepointProgress } from "../contracts/savepoints";
import { AppError } from "../errors";
import { recordAudit } from "../audit/audit";
import { findApplication } from "../registry/applications";
import { loadRegistrySnapshot } from "../registry/registry-snapshot";
import { inTransaction } from "../pg";
import { planeOf } from "../dispatch/plane";
import type { Savepoint as SavepointRow } from "../generated/prisma/client.ts";
import { applicationTypes } from "./app-types";
import { readCursor } from "./checkpoint-store";
import { controlQueue, savepointJobId } from "./control-queue";
import { attachLoadTables, createLoadTables, dropSavepointTables, indexLoadTable, savepointTable } from "./savepoint-tables";

type View = z.infer<typeof SavepointView>;
type Progress = z.infer<typeof SavepointProgress>;

export function toSavepointView(row: SavepointRow, application: string, progress: Progress | null = null): View {
  return {
    id: row.id,
    application,
    label: row.label,
    status: row.status as View["status"],
    origin: row.origin as View["origin"],
    seq: row.seq === null ? null : Number(row.seq),
    functionTypes: row.functionTypes,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    durationMs: row.durationMs,
    addresses: row.addresses,
    values: row.values,
    bytes: Number(row.bytes),
    messages: row.messages,
    timers: row.timers,
    error: row.error,
    restoredAt: row.restoredAt?.toISOString() ?? null,
    base: row.baseId === null ? null : { id: row.baseId, addresses: row.fromBase },
    progress,
  };
}

/** Creates the savepoint row (pending) and its control job; the job takes the cut without pausing dispatch. */
export async function requestSavepoint(ctx: Ctx, actor: Principal, application: string, opts: { label?: string; origin?: "manual" | "pre-rollback" } = {}) {
  const origin = opts.origin ?? "manual";
  const row = await ctx.db.$transaction(async (tx) => {
    const app = await findApplication(tx, application);
    const sp = await tx.savepoint.create({ data: { applicationId: app.id, label: opts.label ?? "", status: "pending", origin, createdBy: actor.name, functionTypes: [] } });
    await recordAudit(tx, actor, { action: "savepoint.create", targetType: "savepoint", target: sp.id, after: { application, label: sp.label, origin } });
    return sp;
  });
  if (origin === "manual") await controlQueue(ctx).add("savepoint", { kind: "savepoint", savepointId: row.id }, { jobId: savepointJobId(row.id), removeOnComplete: 100, removeOnFail: 100 });
  return row;
}

export async function listSavepoints(ctx: Ctx, application: string): Promise<View[]> {
  const app = await findApplication(ctx.db, application);
  const rows = await ctx.db.savepoint.findMany({ where: { applicationId: app.id }, orderBy: { createdAt: "desc" }, take: 500 });
  return rows.map((r) => toSavepointView(r, application));
}

export async function findSavepoint(ctx: Ctx, id: string) {
  const row = await ctx.db.savepoint.findUnique({ where: { id }, include: { application: { select: { name: true, id: true } } } });
  if (!row) throw new AppError("not-found", `no savepoint ${id}; list an application's savepoints with GET /api/v1/applications/{app}/savepoints`);
  return row;
}

/** One savepoint, with the control job's progress while it runs. */
export async function getSavepoint(ctx: Ctx, id: string): Promise<View> {
  const row = await findSavepoint(ctx, id);
  let progress: Progress | null = null;
  if (row.status === "pending" || row.status === "running") {
    const job = await controlQueue(ctx).getJob(savepointJobId(id));
    const p = job?.progress;
    if (p && typeof p === "object") progress = p as Progress;
  }
  return toSavepointView(row, row.application.name, progress);
}

export interface DurabilityDeps {
  ctx: Ctx;
  pool: pg.Pool;
}

/**
 * Takes savepoint `id`: waits until the checkpoint holds every change committed before the request (global
 * sequence G), then copies the application's rows out of one REPEATABLE READ snapshot of the checkpoint tables.
 * Every checkpoint round moves the tables and the cursor in one transaction, so the snapshot is a consistent
 * cut at the cursor it shows — state, in-flight messages and pending timers together — and dispatch never
 * pauses: the checkpointer keeps committing newer rounds beside it.
 */
export async function takeSavepoint(deps: DurabilityDeps, id: string, progress: (p: Progress) => Promise<void> | void = () => undefined, keep: string[] = []): Promise<SavepointRow> {
  const { ctx, pool } = deps;
  const started = Date.now();
  const row = await findSavepoint(ctx, id);
  if (row.status === "complete") return row;
  await ctx.db.savepoint.update({ where: { id }, data: { status: "running" } });
  try {
    const target = await planeOf(ctx).sequence();
    await progress({ phase: "waiting-for-checkpoint", target });
    await waitForCheckpoint(pool, target, 60_000);
    await progress({ phase: "copying", target });
    const registry = await loadRegistrySnapshot(ctx.db, 0);
    const done = await inTransaction(
      pool,
      async (c) => {
        // The first statement fixes this transaction's snapshot; a second connection imports it and copies half
        // of the addresses beside this one, so both halves are the same cut.
        const snapshot = (await c.query<{ s: string }>(`SELECT pg_export_snapshot() AS s`)).rows[0].s;
        const cursor = (await readCursor(c))!;
        const types = await applicationTypes(c, registry, row.application.name);
        // retention waits while a savepoint that may become a delta of its base is taken
        await c.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [retentionLockKey(row.applicationId)]);
        const counts = await copyCheckpoint(pool, c, snapshot, id, types, await lockBase(ctx, c, row.applicationId, id));
        await attachLoadTables(c, id, counts.split);
        await c.query(
          `UPDATE savepoint SET status = 'complete', seq = $2, "functionTypes" = $3, addresses = $4, "values" = $5, messages = $6, timers = $7, bytes = $8,
                  "finishedAt" = now(), "durationMs" = $9, "baseId" = $10, "fromBase" = $11 WHERE id = $1`,
          [id, cursor.seq, types, counts.addresses, counts.values, counts.messages, counts.timers, counts.bytes, Date.now() - started, counts.base, counts.fromBase],
        );
        return counts;
      },
      "REPEATABLE READ",
    );
    await progress({ phase: "complete", target, done: done.addresses, total: done.addresses });
    await applyRetention(ctx, pool, row.applicationId, keep);
    return await ctx.db.savepoint.findUniqueOrThrow({ where: { id } });
  } catch (e) {
    await ctx.db.savepoint.update({ where: { id }, data: { status: "failed", error: (e as Error).message, finishedAt: new Date(), durationMs: Date.now() - started } });
    await dropSavepointTables(pool, [id]).catch(() => undefined);
    throw e;
  }
}

/** What a delta savepoint shares its unchanged addresses' rows with: a full savepoint of this deployment, with its cut. */
interface Base {
  id: string;
  seq: number;
  functionTypes: string[];
  addresses: number;
}

const retentionLockKey = (applicationId: string) => `statehouse:savepoints:${applicationId}`;

/**
 * The newest complete full savepoint of the application taken here (not imported: its cut is this deployment's;
 * not a delta: a delta's base is always full, so a read is never more than two tables), its table locked for
 * this transaction; null if there is none or its table is gone.
 */
async function lockBase(ctx: Ctx, c: pg.ClientBase, applicationId: string, id: string): Promise<Base | null> {
  const b = await ctx.db.savepoint.findFirst({
    where: { applicationId, status: "complete", origin: { not: "import" }, seq: { not: null }, baseId: null, id: { not: id } },
    orderBy: { seq: "desc" },
    select: { id: true, seq: true, functionTypes: true, addresses: true },
  });
  if (!b) return null;
  const t = savepointTable(b.id);
  if ((await c.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [t])).rows[0].t === null) return null;
  await c.query(`LOCK TABLE "${t}" IN ACCESS SHARE MODE`);
  // deleted (retention) between the lookup and the lock: its table was dropped first
  if (!(await c.query(`SELECT 1 FROM savepoint WHERE id = $1 AND status = 'complete'`, [b.id])).rowCount) return null;
  return { id: b.id, seq: Number(b.seq), functionTypes: b.functionTypes, addresses: b.addresses };
}

export async function waitForCheckpoint(pool: pg.Pool, target: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cur = await readCursor(pool);
    if ((cur?.seq ?? 0) >= target) return;
    if (Date.now() > deadline) throw new Error(`the checkpoint did not reach sequence ${target} within ${timeoutMs} ms (is a worker with the checkpoint role running?)`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The rows of cp_address whose address changed since a savepoint's cut (the cut and that savepoint's function
 * types are SQL parameters): a later change, one from before cp_address.seq was kept, or of
 * a type the savepoint did not have. Every other address has the content it had at the cut.
 */
export const changedSinceCut = (cut: string, cutTypes: string) => `(seq IS NULL OR seq > ${cut} OR function_type <> ALL(${cutTypes}))`;

/**
 * The checkpoint tables are written in commit order, not key order, so a walk in key order (index scans, the
 * planner's choice) reads the heap at random: 5.2 s for 500k addresses against 1.8 s for scanning both tables
 * and joining by hash (measured, 1M addresses in shuffled order). The load table has no index to keep in order.
 */
export async function planForBulk(c: pg.ClientBase): Promise<void> {
  await c.query(`SET LOCAL enable_indexscan = off`);
  await c.query(`SET LOCAL enable_bitmapscan = off`);
  // Hash joins only. A nested loop over an underestimated side (an incremental copy's changed addresses, in a
  // table with no statistics yet) re-scanned it once per row; a merge join sorted half a million values of
  // cp_value by address under the database's collation (strcoll): 9–11 s where the hash join takes under one.
  await c.query(`SET LOCAL enable_nestloop = off`);
  await c.query(`SET LOCAL enable_mergejoin = off`);
  await c.query(`SET LOCAL work_mem = '256MB'`);
}

/** A savepoint is a delta when at least this share of its base's addresses are unchanged since the base's cut. */
const DELTA_MIN_SHARED = 0.5;

/**
 * INSERT … SELECT inside Postgres: no row crosses the network. One row per address, values inline, copied as
 * cp_address holds it (the same layout: no join, no aggregation) into the savepoint's own detached tables.
 *
 * With a base (the application's newest full savepoint) of which at least DELTA_MIN_SHARED of the addresses are
 * unchanged since its cut (so that a reader of the delta does not scan a base it mostly overrides), the savepoint
 * is a delta: only the changed addresses (cp_address.seq after the cut, or of a type
 * the base did not have) are copied into its table; every other address has the content it had at the cut,
 * which is the base's row, read from there (addressRows). A savepoint after a small change — a rollback's
 * automatic one — costs what changed, not the application's size. Mailboxes and timers are copied whole.
 *
 * A full savepoint's addresses are split at a sampled median into two halves, each a table with no index yet:
 * the upper half is copied and indexed on a second connection that imported the snapshot of `c`, in parallel
 * with the lower half on `c` (an index built in one sorted pass after the load, not row by row). The upper half
 * commits first, into a table no reader sees until `c` attaches both (takeSavepoint); if `c` fails, the tables
 * are dropped (the savepoint is never `complete` without both halves).
 */
async function copyCheckpoint(pool: pg.Pool, c: pg.PoolClient, snapshot: string, id: string, types: string[], candidate: Base | null) {
  const one = async (q: pg.ClientBase, sql: string, params: unknown[] = [id, types]) => {
    const r = await q.query<{ n: string; v: string; b: string }>(sql, params);
    return { n: Number(r.rows[0].n), v: Number(r.rows[0].v ?? 0), b: Number(r.rows[0].b) };
  };
  await planForBulk(c);
  // a delta's other addresses: the base's rows of its function types whose address did not change since its cut
  const unchanged =
    candidate === null
      ? { n: 0, v: 0, b: 0 }
      : await one(
          c,
          `SELECT count(*) AS n, coalesce(sum(cardinality(b.value_names)), 0) AS v, coalesce(sum(b.value_bytes), 0) AS b FROM savepoint_address b
            WHERE b.savepoint_id = $1 AND b.function_type = ANY($2)
              AND NOT EXISTS (SELECT 1 FROM cp_address a WHERE a.address = b.address AND ${changedSinceCut("$3", "$4")})`,
          [candidate.id, types, candidate.seq, candidate.functionTypes],
        );
  const base = candidate !== null && unchanged.n > 0 && unchanged.n >= candidate.addresses * DELTA_MIN_SHARED ? candidate : null;
  const shared = base === null ? { n: 0, v: 0, b: 0 } : unchanged;
  // Any split point is correct (the halves are [-∞, m) and [m, ∞)); a good one halves the work. The sample is
  // ~200 pages of the table, by its size on disk (statistics may not exist yet): all of a small table, so small
  // savepoints take the same two-half path as large ones. A delta is one table.
  const m =
    base !== null
      ? null
      : (
          await c.query<{ m: string | null }>(
            `SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY address) AS m FROM cp_address
               TABLESAMPLE SYSTEM ((SELECT least(100, 100.0 * 200 / greatest(1, pg_relation_size('cp_address') / current_setting('block_size')::int))))
              WHERE function_type = ANY($1)`,
            [types],
          )
        ).rows[0].m;
  // (an attempt that died left its tables behind: they are made anew)
  const [lowTable, highTable] = await createLoadTables(pool, id, m);
  const copyAddresses = async (q: pg.ClientBase, range: "low" | "high" | "all") => {
    const cond = (col: string) => (range === "all" ? "" : range === "low" ? `AND ${col} < $3` : `AND ${col} >= $3`);
    const table = range === "high" ? highTable! : lowTable!;
    const params: unknown[] = range === "all" ? [id, types] : [id, types, m];
    const at = (v: unknown) => `$${params.push(v)}`;
    const changed = base === null ? "" : `AND ${changedSinceCut(at(base.seq), at(base.functionTypes))}`;
    const copied = await one(
      q,
      `WITH i AS (INSERT INTO "${table}" (savepoint_id, address, function_type, version, invoked_at, value_names, value_data, value_written, value_bytes)
         SELECT $1::uuid, address, function_type, version, invoked_at, value_names, value_data, value_written, value_bytes
           FROM cp_address WHERE function_type = ANY($2) ${cond("address")} ${changed}
         RETURNING cardinality(value_names) AS nv, value_bytes AS b)
       SELECT count(*) AS n, coalesce(sum(nv), 0) AS v, coalesce(sum(b), 0) AS b FROM i`,
      params,
    );
    // halves build their indexes in parallel; a whole table gets its index here (a delta's readers anti-join it)
    await indexLoadTable(q, table);
    return copied;
  };
  const upper =
    m === null
      ? null
      : inTransaction(
          pool,
          async (c2) => {
            await c2.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/[^0-9A-Fa-f-]/g, "")}'`);
            await planForBulk(c2);
            return copyAddresses(c2, "high");
          },
          "REPEATABLE READ",
        );
  upper?.catch(() => undefined); // awaited below; not an unhandled rejection while the lower half copies
  try {
    const lower = await copyAddresses(c, m === null ? "all" : "low");
    const messages = await one(
      c,
      `WITH i AS (INSERT INTO savepoint_message (savepoint_id, address, function_type, seq, idx, entry)
         SELECT $1, address, function_type, seq, idx, entry FROM cp_message WHERE function_type = ANY($2) ORDER BY address, seq, idx RETURNING octet_length(entry) AS len)
       SELECT count(*) AS n, 0 AS v, coalesce(sum(len), 0) AS b FROM i`,
    );
    const timers = await one(
      c,
      `WITH i AS (INSERT INTO savepoint_timer (savepoint_id, partition, id, sender_type, due_at, data)
         SELECT $1, partition, id, sender_type, due_at, data FROM cp_timer WHERE sender_type = ANY($2) RETURNING octet_length(data) AS len)
       SELECT count(*) AS n, 0 AS v, coalesce(sum(len), 0) AS b FROM i`,
    );
    const high = (await upper) ?? { n: 0, v: 0, b: 0 };
    return {
      split: m,
      addresses: lower.n + high.n + shared.n,
      values: lower.v + high.v + shared.v,
      messages: messages.n,
      timers: timers.n,
      bytes: lower.b + high.b + shared.b + messages.b + timers.b,
      base: base?.id ?? null,
      fromBase: shared.n,
    };
  } catch (e) {
    await upper?.catch(() => undefined); // its rows go with the tables (takeSavepoint drops them)
    throw e;
  }
}

/**
 * Keeps the newest SAVEPOINT_RETAIN complete savepoints of an application, and always the newest one, every
 * one a rollback restored (a rollback may have to be explained or repeated), those in `keep` (a rollback's
 * target while it runs) and the base of every savepoint kept (a delta reads its unchanged addresses there).
 * Holds the application's savepoint lock meanwhile: a savepoint being taken cannot pick a base this drops.
 */
export async function applyRetention(ctx: Ctx, pool: pg.Pool, applicationId: string, keep: string[] = []): Promise<number> {
  const lock = await pool.connect();
  try {
    await lock.query(`SELECT pg_advisory_lock(hashtext($1))`, [retentionLockKey(applicationId)]);
    const complete = await ctx.db.savepoint.findMany({
      where: { applicationId, status: { in: ["complete", "failed"] } },
      orderBy: { createdAt: "desc" },
      select: { id: true, restoredAt: true, baseId: true },
    });
    const candidates = complete.slice(Math.max(1, ctx.env.SAVEPOINT_RETAIN)).filter((s) => s.restoredAt === null && !keep.includes(s.id));
    const dropping = new Set(candidates.map((s) => s.id));
    const bases = new Set(complete.filter((s) => !dropping.has(s.id) && s.baseId !== null).map((s) => s.baseId!));
    const drop = candidates.filter((s) => !bases.has(s.id));
    // their tables first (a drop is instant; the delete rule would delete their rows one by one), and any table
    // whose savepoint is gone (a deleted application's)
    await dropSavepointTables(pool, drop.map((d) => d.id));
    if (drop.length) await ctx.db.savepoint.deleteMany({ where: { id: { in: drop.map((d) => d.id) } } });
    return drop.length;
  } finally {
    await lock.query(`SELECT pg_advisory_unlock(hashtext($1))`, [retentionLockKey(applicationId)]).catch(() => undefined);
    lock.release();
  }
}
