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
export async function takeSavepoint(deps: DurabilityDeps, id: string, progress: (p: Progress) => Promise<void> | void = () => undefined): Promise<SavepointRow> {
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
    // an attempt that died between its two commits (see copyCheckpoint) left value rows behind
    await pool.query(`DELETE FROM savepoint_value WHERE savepoint_id = $1`, [id]);
    const done = await inTransaction(
      pool,
      async (c) => {
        // The first statement fixes this transaction's snapshot; a second connection imports it and copies the
        // values beside the address rows, so both halves are the same cut.
        const snapshot = (await c.query<{ s: string }>(`SELECT pg_export_snapshot() AS s`)).rows[0].s;
        const cursor = (await readCursor(c))!;
        const types = await applicationTypes(c, registry, row.application.name);
        const counts = await copyCheckpoint(pool, c, snapshot, id, types);
        await c.query(
          `UPDATE savepoint SET status = 'complete', seq = $2, "functionTypes" = $3, addresses = $4, "values" = $5, messages = $6, timers = $7, bytes = $8,
                  "finishedAt" = now(), "durationMs" = $9 WHERE id = $1`,
          [id, cursor.seq, types, counts.addresses, counts.values, counts.messages, counts.timers, counts.bytes, Date.now() - started],
        );
        return counts;
      },
      "REPEATABLE READ",
    );
    await progress({ phase: "complete", target, done: done.addresses, total: done.addresses });
    await applyRetention(ctx, row.applicationId);
    return await ctx.db.savepoint.findUniqueOrThrow({ where: { id } });
  } catch (e) {
    await ctx.db.savepoint.update({ where: { id }, data: { status: "failed", error: (e as Error).message, finishedAt: new Date(), durationMs: Date.now() - started } });
    throw e;
  }
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
 * INSERT … SELECT inside Postgres: no row crosses the network. Rows are inserted in primary-key order (appends to
 * the index instead of random page splits), and the values are copied on a second connection that imported the
 * snapshot of `c`, in parallel with the address rows. The values' transaction commits first; if `c` then fails,
 * its rows are deleted again (the savepoint row is never `complete` without both).
 */
async function copyCheckpoint(pool: pg.Pool, c: pg.PoolClient, snapshot: string, id: string, types: string[]) {
  const one = async (q: pg.ClientBase, sql: string) => {
    const r = await q.query<{ n: string; b: string }>(sql, [id, types]);
    return { n: Number(r.rows[0].n), b: Number(r.rows[0].b) };
  };
  const valuesCopy = inTransaction(
    pool,
    async (c2) => {
      await c2.query(`SET TRANSACTION SNAPSHOT '${snapshot.replace(/[^0-9A-Fa-f-]/g, "")}'`);
      return one(
        c2,
        `WITH i AS (INSERT INTO savepoint_value (savepoint_id, address, name, value, written_at)
           SELECT $1, v.address, v.name, v.value, v.written_at FROM cp_value v JOIN cp_address a ON a.address = v.address
            WHERE a.function_type = ANY($2) ORDER BY v.address, v.name RETURNING octet_length(value) AS len)
         SELECT count(*) AS n, coalesce(sum(len), 0) AS b FROM i`,
      );
    },
    "REPEATABLE READ",
  );
  valuesCopy.catch(() => undefined); // awaited below; not an unhandled rejection while the address rows copy
  try {
    const addresses = await one(
      c,
      `WITH i AS (INSERT INTO savepoint_address (savepoint_id, address, function_type, version, invoked_at)
         SELECT $1, address, function_type, version, invoked_at FROM cp_address WHERE function_type = ANY($2) ORDER BY address RETURNING 1)
       SELECT count(*) AS n, 0 AS b FROM i`,
    );
    const messages = await one(
      c,
      `WITH i AS (INSERT INTO savepoint_message (savepoint_id, address, function_type, seq, idx, entry)
         SELECT $1, address, function_type, seq, idx, entry FROM cp_message WHERE function_type = ANY($2) ORDER BY address, seq, idx RETURNING octet_length(entry) AS len)
       SELECT count(*) AS n, coalesce(sum(len), 0) AS b FROM i`,
    );
    const timers = await one(
      c,
      `WITH i AS (INSERT INTO savepoint_timer (savepoint_id, partition, id, sender_type, due_at, data)
         SELECT $1, partition, id, sender_type, due_at, data FROM cp_timer WHERE sender_type = ANY($2) RETURNING octet_length(data) AS len)
       SELECT count(*) AS n, coalesce(sum(len), 0) AS b FROM i`,
    );
    const values = await valuesCopy;
    return { addresses: addresses.n, values: values.n, messages: messages.n, timers: timers.n, bytes: values.b + messages.b + timers.b };
  } catch (e) {
    await valuesCopy.then(() => pool.query(`DELETE FROM savepoint_value WHERE savepoint_id = $1`, [id]), () => undefined).catch(() => undefined);
    throw e;
  }
}

/**
 * Keeps the newest SAVEPOINT_RETAIN complete savepoints of an application, and always the newest one and every
 * one a rollback restored (a rollback may have to be explained or repeated).
 */
export async function applyRetention(ctx: Ctx, applicationId: string): Promise<number> {
  const complete = await ctx.db.savepoint.findMany({ where: { applicationId, status: { in: ["complete", "failed"] } }, orderBy: { createdAt: "desc" }, select: { id: true, restoredAt: true } });
  const drop = complete.slice(Math.max(1, ctx.env.SAVEPOINT_RETAIN)).filter((s) => s.restoredAt === null);
  if (drop.length) await ctx.db.savepoint.deleteMany({ where: { id: { in: drop.map((d) => d.id) } } });
  return drop.length;
}
