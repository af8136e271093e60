import type pg from "pg";
import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";
import { AppError } from "../errors";
import { recordAudit } from "../audit/audit";
import { findApplication, setApplicationPaused } from "../registry/applications";
import { currentRegistryVersion } from "../registry/registry-bus";
import { loadRegistrySnapshot } from "../registry/registry-snapshot";
import { liveWorkers } from "../operations/workers";
import { inClientTransaction } from "../pg";
import { dataPlaneFor, planeOf } from "../dispatch/plane";
import { parseAddress, functionTypeOf } from "../dispatch/keys";
import type { DataPlane, RestoredAddress, RestoredTimer } from "../dispatch/data-plane";
import { applicationTypes } from "./app-types";
import { rollbackInProgressKey } from "./lag";
import { controlQueue, rollbackJobId } from "./control-queue";
import { changedSinceCut, findSavepoint, planForBulk, requestSavepoint, takeSavepoint, waitForCheckpoint, type DurabilityDeps } from "./savepoints";
import { addressRows, rowOf, type SavepointRef } from "./savepoint-tables";
import { getOrSet } from "../collections";

export const EGRESS_NOT_RECALLED =
  "A rollback replaces the application's state, mailboxes and delayed messages; egress records already emitted (Kafka, Kinesis, webhooks, playground topics) are not recalled.";

const PAGE = 10_000;
/** A large rollback's restored rows take the checkpoint a while to copy: slow is not failed. */
const CHECKPOINT_WAIT_MS = 15 * 60_000;
const PER_CALL = 500;
const RESTORE_CALLS_IN_FLIGHT = 8;

/** Queues a rollback of the savepoint's application onto it; an automatic savepoint of the current state is taken first. */
export async function requestRollback(ctx: Ctx, actor: Principal, targetId: string) {
  const target = await findSavepoint(ctx, targetId);
  if (target.status !== "complete") throw new AppError("conflict", `savepoint ${targetId} is ${target.status}; only a complete savepoint can be rolled back onto`);
  const pre = await requestSavepoint(ctx, actor, target.application.name, { label: `before rollback to ${target.label || target.id}`, origin: "pre-rollback" });
  const jobId = rollbackJobId(target.id, pre.id);
  await controlQueue(ctx).add("rollback", { kind: "rollback", targetId, preRollbackId: pre.id, actor }, { jobId, removeOnComplete: 100, removeOnFail: 100 });
  return { jobId, preRollbackSavepointId: pre.id, note: EGRESS_NOT_RECALLED };
}

export interface RollbackReport {
  application: string;
  /** addresses rewritten with the savepoint's content */
  restored: number;
  /** addresses the savepoint lacks, emptied */
  removed: number;
  /** addresses already equal to the savepoint, left as they were */
  unchanged: number;
  timersRemoved: number;
  timersRestored: number;
  version: number;
  ms: number;
  phases: Record<string, number>;
}

type Progress = (p: { phase: string; done?: number; total?: number }) => Promise<void> | void;

/**
 * Rolls the application back onto a savepoint, online: pause (if it was not) → fence its leased addresses (their
 * calls' commits fail; slow calls are not waited for) → drain the checkpoint → automatic savepoint of the current
 * state → diff it against the target → replace every address whose state or mailbox differs with the target's,
 * with one new version higher than any used before, and the delayed messages → verify → resume. Other
 * applications keep flowing.
 *
 * The automatic savepoint is taken once the application is paused and its checkpoint drained, so it is exactly
 * the live state (an undo loses nothing committed before the pause), and it is what the target is diffed
 * against: a rollback's work is the addresses that differ, not every address of the application. An address
 * whose state and mailbox are the same in both is not rewritten and keeps its version — the pair (address,
 * version) still names one content, which is what versions are for; leases are fenced either way.
 */
export async function runRollback(deps: DurabilityDeps, job: { targetId: string; preRollbackId: string; actor: Principal }, progress: Progress = () => undefined): Promise<RollbackReport> {
  const { ctx, pool } = deps;
  const plane = planeOf(ctx);
  const started = Date.now();
  const phases: Record<string, number> = {};
  const phase = async (name: string) => {
    phases[name] = Date.now() - started;
    await progress({ phase: name });
  };
  const target = await findSavepoint(ctx, job.targetId);
  const appName = target.application.name;
  const lockKey = `${plane.keys.prefix}:rollback:${target.applicationId}`;
  if (!(await ctx.redis.set(lockKey, job.preRollbackId, "PX", 600_000, "NX"))) throw new Error(`another rollback of ${appName} is running`);
  const c = await pool.connect();
  try {
    await phase("pausing");
    const wasPaused = (await findApplication(ctx.db, appName)).paused;
    if (!wasPaused) await setApplicationPaused(ctx, job.actor, appName, true);
    await waitWorkersOnRegistry(ctx, await currentRegistryVersion(ctx.redis, ctx.keys), 10_000);

    const registry = await loadRegistrySnapshot(ctx.db, 0);
    const types = await applicationTypes(pool, registry, appName, target.functionTypes);
    await phase("fencing");
    await fenceLeases(ctx, types);

    await phase("draining");
    await waitForCheckpoint(pool, await plane.sequence(), CHECKPOINT_WAIT_MS);

    await phase("pre-rollback-savepoint");
    const pre = await takeSavepoint(deps, job.preRollbackId, undefined, [target.id]); // (its retention must not drop the target)

    await phase("diffing");
    // the target's cut, when "unchanged since it" can be read off cp_address.seq (not for a file's savepoint)
    const since = target.seq !== null && target.origin !== "import" ? Number(target.seq) : null;
    await planRestore(c, target, since, pre, types);

    await phase("restoring");
    await ctx.redis.set(rollbackInProgressKey(plane.keys.prefix), job.preRollbackId, "PX", 600_000);
    const version = await ctx.redis.incr(plane.keys.seq);
    const { rows: fromTarget, ...counts } = await restoreAll(ctx, c, pool, target, types, version, progress);
    // every address row of the savepoint is either rewritten (read by the restore) or already equal
    const unchanged = target.addresses - fromTarget;

    await phase("checkpointing"); // the checkpoint copies the restored addresses' rows from the savepoint
    await waitForCheckpoint(pool, await plane.sequence(), CHECKPOINT_WAIT_MS);
    await phase("verifying");
    await verify(ctx, c, target, since, pre, types);
    await c.query(`DROP TABLE rb_addr`);
    await ctx.redis.del(rollbackInProgressKey(plane.keys.prefix));

    if (!wasPaused) {
      await phase("resuming");
      await setApplicationPaused(ctx, job.actor, appName, false);
    }
    const report: RollbackReport = { application: appName, ...counts, unchanged, version, ms: Date.now() - started, phases };
    await ctx.db.$transaction(async (tx) => {
      await tx.savepoint.update({ where: { id: target.id }, data: { restoredAt: new Date() } });
      await recordAudit(tx, job.actor, { action: "savepoint.rollback", targetType: "application", target: appName, after: { savepoint: target.id, preRollbackSavepoint: job.preRollbackId, ...counts, unchanged, ms: report.ms } });
    });
    await phase("complete");
    return report;
  } finally {
    await c.query(`DROP TABLE IF EXISTS rb_addr`).catch(() => undefined);
    c.release();
    await ctx.redis.del(lockKey, rollbackInProgressKey(plane.keys.prefix));
  }
}

/** Each address's messages of these rows in order, numbered from 1 (a mailbox compared as a sequence, whatever its seq numbers). */
const numberedMessages = (rows: string) => `SELECT address, row_number() OVER (PARTITION BY address ORDER BY seq, idx) AS rn, entry FROM ${rows}`;
/** A savepoint's mailboxes, numbered. */
const mailboxOf = (sp: string) => numberedMessages(`savepoint_message WHERE savepoint_id = ${sp}`);

/**
 * Fills the temporary table rb_addr (on `c`) with the addresses the rollback rewrites; the others already hold
 * the target's content. For a savepoint of this deployment (its cut `since` known), those are the application's
 * addresses changed since the cut — cp_address.seq after it, or of a function type the savepoint did not have —
 * an index-free scan of one narrow table, however many addresses the application has; a row's content at its
 * last change is its content until the next one, and cp_address rows are never deleted. For an imported one,
 * each row (function type, values with their write times, last invocation) is compared with the automatic
 * savepoint of the live state ($2), both scanned and joined by hash; an address only one of them has is
 * rewritten too (a row whose values are aggregated in another order compares unequal: rewritten, never missed).
 * Either way, an address whose mailbox differs from the target's (as the automatic savepoint holds it) is
 * rewritten.
 */
async function planRestore(c: pg.ClientBase, target: SavepointRef, since: number | null, live: SavepointRef, types: string[]): Promise<void> {
  const mailboxes = `SELECT address FROM (((${mailboxOf("$1")}) EXCEPT (${mailboxOf("$2")})) UNION ALL ((${mailboxOf("$2")}) EXCEPT (${mailboxOf("$1")}))) m`;
  await c.query(`DROP TABLE IF EXISTS rb_addr`);
  await inClientTransaction(c, async () => {
    await planForBulk(c);
    if (since !== null)
      await c.query(
        `CREATE TEMP TABLE rb_addr AS
           SELECT address FROM cp_address WHERE function_type = ANY($3) AND ${changedSinceCut("$4", "$5")}
           UNION ${mailboxes}`,
        [target.id, live.id, types, since, target.functionTypes],
      );
    else
      await c.query(
        `CREATE TEMP TABLE rb_addr AS
           SELECT coalesce(t.address, p.address) AS address
             FROM ${addressRows(target)} t
             FULL JOIN ${addressRows(live)} p ON p.address = t.address
            WHERE t.address IS NULL OR p.address IS NULL
               OR (t.function_type, t.invoked_at, t.value_names, t.value_data, t.value_written) IS DISTINCT FROM (p.function_type, p.invoked_at, p.value_names, p.value_data, p.value_written)
           UNION ${mailboxes}`,
        [target.id, live.id],
      );
  });
  await c.query(`CREATE UNIQUE INDEX ON rb_addr (address)`);
  await c.query(`ANALYZE rb_addr`);
}

/** Every live worker routes with at least registry version v (so none dispatches the paused application). */
async function waitWorkersOnRegistry(ctx: Ctx, v: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ws = await liveWorkers(ctx);
    if (ws.every((w) => w.registryVersion >= v)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  // fencing below still makes a late dispatcher's commit fail; waiting longer only narrows the window
  ctx.log.warn({ version: v }, "rollback: not every worker confirmed the pause in time; continuing (leases are fenced)");
}

/** Drops the lease of every leased address of these types: the calls in flight cannot commit any more. */
async function fenceLeases(ctx: Ctx, types: string[]): Promise<void> {
  const k = planeOf(ctx).keys;
  const wanted = new Set(types);
  const pipe = ctx.redis.pipeline();
  for (let p = 0; p < k.partitions; p++) pipe.zrange(k.leases(p), 0, -1);
  const res = (await pipe.exec()) ?? [];
  const fence = ctx.redis.pipeline();
  res.forEach(([, addrs], p) => {
    for (const a of addrs as string[]) {
      const ref = parseAddress(a);
      if (!ref || !wanted.has(functionTypeOf(ref))) continue;
      fence.hdel(k.meta(p, a), "lease");
      fence.zrem(k.leases(p), a);
    }
  });
  await fence.exec();
}

/**
 * The restore writes on a Redis connection of its own, with at most RESTORE_CALLS_IN_FLIGHT script calls queued:
 * on the shared connection, every page's few hundred calls queued ahead of the dispatch of other applications
 * (their calls waited seconds behind a large rollback).
 */
async function restoreAll(ctx: Ctx, c: pg.ClientBase, pool: pg.Pool, target: SavepointRef, types: string[], version: number, progress: Progress) {
  const plane = dataPlaneFor({ ...ctx, redis: ctx.redis.duplicate() });
  try {
    return await restoreWith(plane, c, pool, target, types, version, progress);
  } finally {
    plane.redis.disconnect();
  }
}

/** Runs the calls with at most `limit` of them in flight. */
async function bounded(calls: Array<() => Promise<unknown>>, limit: number): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < calls.length) await calls[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(limit, calls.length) }, lane));
}

/** Rewrites the addresses of rb_addr (on `c`) from the savepoint, then the application's delayed messages. */
async function restoreWith(plane: DataPlane, c: pg.ClientBase, pool: pg.Pool, target: SavepointRef, types: string[], version: number, progress: Progress) {
  const savepointId = target.id;
  let restored = 0;
  let removed = 0;
  let rows = 0;
  const total = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM rb_addr`)).rows[0].n);
  // Pages in address order; each page's savepoint rows are read by primary key on other pooled connections
  // (the page's addresses may be spread over the whole key range), and the next page is read while this one
  // is written to Redis.
  const readPage = async (after: string) => {
    const page = (await c.query<{ address: string }>(`SELECT address FROM rb_addr WHERE address > $1 ORDER BY address LIMIT $2`, [after, PAGE])).rows.map((r) => r.address);
    if (page.length === 0) return null;
    const last = page[page.length - 1];
    const params = [savepointId, page];
    const [addrs, msgs] = await Promise.all([
      pool.query<{ address: string; invoked_at: string | null; names: string[] | null; data: Buffer[] | null; written: string[] | null }>(
        `SELECT address, invoked_at, value_names AS names, value_data AS data, value_written AS written FROM ${addressRows(target)} s WHERE address = ANY($1::text[])`,
        [page],
      ),
      pool.query<{ address: string; entry: Buffer }>(`SELECT address, entry FROM savepoint_message WHERE savepoint_id = $1 AND address = ANY($2::text[]) ORDER BY address, seq, idx`, params),
    ]);
    return { page, last, addrs: addrs.rows, msgs: msgs.rows };
  };
  // a prefetch that fails while the page before it is being written must not become an unhandled rejection
  const prefetch = (after: string) => {
    const p = readPage(after);
    p.catch(() => undefined);
    return p;
  };
  let next = prefetch("");
  for (;;) {
    const cur = await next;
    if (!cur) break;
    next = prefetch(cur.last);
    const byAddress = new Map<string, RestoredAddress>();
    for (const a of cur.page) {
      const ref = parseAddress(a);
      byAddress.set(a, { address: a, functionType: ref ? functionTypeOf(ref) : "", invokedAt: null, values: [], mailbox: [] });
    }
    for (const r of cur.addrs) {
      const a = byAddress.get(r.address)!;
      a.invokedAt = r.invoked_at === null ? null : Number(r.invoked_at);
      (r.names ?? []).forEach((name, i) => a.values.push({ name, value: r.data![i], writtenAt: Number(r.written![i]) }));
    }
    for (const m of cur.msgs) byAddress.get(m.address)!.mailbox.push(m.entry);
    rows += cur.addrs.length;
    const present = new Set([...cur.addrs.map((r) => r.address), ...cur.msgs.map((m) => m.address)]);
    const byPartition = new Map<number, RestoredAddress[]>();
    for (const a of byAddress.values()) {
      const p = plane.keys.partitionOf(a.address);
      getOrSet(byPartition, p, () => []).push(a);
      if (present.has(a.address)) restored++;
      else removed++;
    }
    const calls: Array<() => Promise<number>> = [];
    for (const [p, list] of byPartition) for (let i = 0; i < list.length; i += PER_CALL) calls.push(() => plane.restore(p, savepointId, version, list.slice(i, i + PER_CALL), [], []));
    await bounded(calls, RESTORE_CALLS_IN_FLIGHT);
    await progress({ phase: "restoring", done: restored + removed, total });
  }
  // delayed messages: the application's live ones go, the savepoint's come back with their absolute due times
  const live = await c.query<{ partition: number; id: string }>(`SELECT partition, id FROM cp_timer WHERE sender_type = ANY($1)`, [types]);
  const saved = await c.query<{ partition: number; id: string; due_at: string; data: Buffer }>(`SELECT partition, id, due_at, data FROM savepoint_timer WHERE savepoint_id = $1`, [savepointId]);
  const rm = new Map<number, string[]>();
  const add = new Map<number, RestoredTimer[]>();
  for (const t of live.rows) getOrSet(rm, t.partition, () => []).push(t.id);
  for (const t of saved.rows) getOrSet(add, t.partition, () => []).push({ id: t.id, dueAt: Number(t.due_at), data: t.data });
  await bounded(
    [...new Set([...rm.keys(), ...add.keys()])].map((p) => () => plane.restore(p, savepointId, version, [], rm.get(p) ?? [], add.get(p) ?? [])),
    RESTORE_CALLS_IN_FLIGHT,
  );
  return { restored, removed, timersRemoved: live.rows.length, timersRestored: saved.rows.length, rows };
}

/**
 * Live equals the savepoint: the checkpoint (which the restore's changelog entries reached) holds exactly the
 * savepoint's values for every rewritten address (rb_addr); no other address changed since the savepoint's cut
 * (`since`; for an imported savepoint, every other address still has the version the automatic savepoint
 * `live`, diffed equal to the target, saw); the timers are the savepoint's; every mailbox starts with the
 * savepoint's messages in order (messages sent to the application since may follow). Then a sample is read from
 * Redis itself.
 */
async function verify(ctx: Ctx, c: pg.ClientBase, target: SavepointRef, since: number | null, live: SavepointRef, types: string[]): Promise<void> {
  const savepointId = target.id;
  const q = async (sql: string, params: unknown[] = [savepointId, types]) => Number((await c.query<{ n: string }>(sql, params)).rows[0].n);
  // Each side once (MATERIALIZED), each address's row read by key (rowOf: it had been flattened into hash joins
  // that scanned a million rows of the savepoint and of cp_address, twice each, for a few thousand addresses).
  const valuesOf = (rows: string) => `SELECT s.address, u.name, u.value, u.written_at FROM rb_addr r
      CROSS JOIN LATERAL ${rowOf(rows, "r.address")} s
      CROSS JOIN LATERAL unnest(s.value_names, s.value_data, s.value_written) AS u(name, value, written_at)`;
  const valueDiff = await q(
    `WITH saved AS MATERIALIZED (${valuesOf(addressRows(target))}), live AS MATERIALIZED (${valuesOf("cp_address")})
     SELECT count(*) AS n FROM ((SELECT * FROM saved EXCEPT SELECT * FROM live) UNION ALL (SELECT * FROM live EXCEPT SELECT * FROM saved)) d`,
    [],
  );
  const moved = await inClientTransaction(c, async () => {
    await planForBulk(c);
    return since !== null
      ? q(`SELECT count(*) AS n FROM cp_address a WHERE function_type = ANY($1) AND ${changedSinceCut("$2", "$3")} AND NOT EXISTS (SELECT 1 FROM rb_addr r WHERE r.address = a.address)`, [types, since, target.functionTypes])
      : q(
          `SELECT count(*) AS n FROM ${addressRows(live)} p LEFT JOIN cp_address a ON a.address = p.address
            WHERE NOT EXISTS (SELECT 1 FROM rb_addr r WHERE r.address = p.address) AND a.version IS DISTINCT FROM p.version`,
          [],
        );
  });
  const liveMsgs = numberedMessages(`cp_message WHERE function_type = ANY($2)`);
  const msgDiff = await q(`SELECT count(*) AS n FROM ((${mailboxOf("$1")}) EXCEPT (${liveMsgs})) d`);
  const savedTimers = `SELECT partition, id, due_at, data FROM savepoint_timer WHERE savepoint_id = $1`;
  const liveTimers = `SELECT partition, id, due_at, data FROM cp_timer WHERE sender_type = ANY($2)`;
  // a restored timer already due fires as soon as it is back (the application being paused does not hold timers)
  const timerDiff = await q(
    `SELECT count(*) AS n FROM ((SELECT * FROM (${savedTimers} EXCEPT ${liveTimers}) m WHERE m.due_at > (extract(epoch from clock_timestamp()) * 1000)::bigint)
       UNION ALL (${liveTimers} EXCEPT ${savedTimers})) d`,
  );
  if (valueDiff || moved || msgDiff || timerDiff)
    throw new Error(`rollback verification failed: ${valueDiff} values of rewritten addresses, ${moved} versions of unchanged addresses, ${msgDiff} messages, ${timerDiff} timers differ from the savepoint`);

  const k = planeOf(ctx).keys;
  // (the arrays themselves: the savepoint_value view joined here would unnest every row of the savepoint first)
  const sample = await c.query<{ address: string; names: string[]; vals: Buffer[] }>(
    `SELECT address, value_names AS names, value_data AS vals FROM ${addressRows(target)} s ORDER BY random() LIMIT 500`,
  );
  const pipe = ctx.redis.pipeline();
  for (const s of sample.rows) pipe.hgetallBuffer(k.state(k.partitionOf(s.address), s.address));
  const states = (await pipe.exec()) ?? [];
  sample.rows.forEach((s, j) => {
    const st = states[j][1] as Record<string, Buffer>;
    const live = Object.keys(st).filter((f) => f.startsWith("v:")).sort();
    const want = s.names.map((n, i) => [`v:${n}`, s.vals[i]] as const).sort((x, y) => (x[0] < y[0] ? -1 : 1));
    if (live.join("\0") !== want.map((w) => w[0]).join("\0") || want.some(([f, v]) => !st[f].equals(v)))
      throw new Error(`rollback verification failed: Redis state of ${s.address} differs from the savepoint`);
  });
}
