import type pg from "pg";
import type { ChangeFold } from "./changelog";
import { addressRows } from "./savepoint-tables";

export interface Cursor {
  seq: number;
  generation: number;
  at: Date;
}

export async function readCursor(q: pg.Pool | pg.PoolClient): Promise<Cursor | null> {
  const r = await q.query<{ seq: string; generation: number; at: Date }>(`SELECT seq, generation, at FROM cp_cursor WHERE id = 1`);
  return r.rows[0] ? { seq: Number(r.rows[0].seq), generation: r.rows[0].generation, at: r.rows[0].at } : null;
}

/**
 * The messages a round must insert and the consumptions it must delete, net of each other: a message appended
 * and consumed within the round never reaches Postgres (one insert and one delete saved per message, most of a
 * round's work when messages are dispatched as fast as they arrive). FIFO decides which: an address whose
 * commits consumed n messages while Postgres held k of its messages consumed min(n, k) of those and then its
 * oldest n − k appended in this round (an address's appends and commits are all in its partition's stream, in
 * order). Addresses a rollback restored in this round keep the plain path (their Postgres rows are replaced).
 */
async function netMessages(c: pg.PoolClient, fold: ChangeFold): Promise<{ appends: ReturnType<ChangeFold["liveAppends"]>; consumed: Map<string, number> }> {
  const appends = fold.liveAppends();
  if (fold.consumed.size === 0 || appends.length === 0) return { appends, consumed: fold.consumed };
  const appended = new Map<string, number>();
  for (const a of appends) appended.set(a.address, (appended.get(a.address) ?? 0) + 1);
  const both = [...fold.consumed.keys()].filter((a) => appended.has(a) && !fold.restores.has(a));
  if (both.length === 0) return { appends, consumed: fold.consumed };
  const held = await c.query<{ address: string; k: number }>(
    `SELECT d.address, (SELECT count(*) FROM cp_message m WHERE m.address = d.address)::int AS k FROM unnest($1::text[]) AS d(address)`,
    [both],
  );
  const cancel = new Map<string, number>();
  const consumed = new Map(fold.consumed);
  for (const { address, k } of held.rows) {
    const n = fold.consumed.get(address)!;
    const fromRound = Math.min(appended.get(address)!, Math.max(0, n - k));
    if (fromRound === 0) continue;
    cancel.set(address, fromRound);
    if (n === fromRound) consumed.delete(address);
    else consumed.set(address, n - fromRound);
  }
  if (cancel.size === 0) return { appends, consumed };
  const kept = appends.filter((a) => {
    const left = cancel.get(a.address);
    if (!left) return true;
    cancel.set(a.address, left - 1);
    return false;
  });
  return { appends: kept, consumed };
}

/**
 * Applies one round in the caller's transaction, after checking (under the cursor's row lock) that the cursor
 * is still at `from` — so two checkpointers, or a replay after a crash between COMMIT and trim, never apply a
 * change twice. Returns false when another checkpointer got there first (the caller rolls back).
 * Bulk statements over unnest() arrays: a few statements per round whatever its size (Prisma per-row: ~2.7k/s).
 */
export async function applyFold(c: pg.PoolClient, fold: ChangeFold, from: number, to: number): Promise<boolean> {
  await c.query(`INSERT INTO cp_cursor (id, seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`);
  const cur = await c.query<{ seq: string }>(`SELECT seq FROM cp_cursor WHERE id = 1 FOR UPDATE`);
  if (Number(cur.rows[0].seq) !== from) return false;

  if (fold.restores.size) {
    // a rollback replaced these addresses: what Postgres held for them is void; their rows come from the savepoint
    const r = [...fold.restores.keys()];
    // Per-address index lookups (unnest + LATERAL), not `= ANY($1)` or a hash join scanning every row of the
    // savepoint: `OFFSET 0` keeps the planner from flattening each LATERAL into such a join (it did, on a
    // savepoint's own partition: a full scan of a million rows per round of a few thousand addresses).
    await c.query(`DELETE FROM cp_message WHERE (address, seq, idx) IN (SELECT m.address, m.seq, m.idx FROM unnest($1::text[]) AS r(address) CROSS JOIN LATERAL (SELECT address, seq, idx FROM cp_message WHERE address = r.address OFFSET 0) m)`, [r]);
    const bySavepoint = new Map<string, Array<{ address: string; version: number; functionType: string; at: number; seq: number }>>();
    for (const [address, x] of fold.restores) (bySavepoint.get(x.savepointId) ?? bySavepoint.set(x.savepointId, []).get(x.savepointId)!).push({ address, ...x });
    for (const [sp, list] of bySavepoint) {
      const addrs = list.map((x) => x.address);
      // the savepoint's address rows, its base's included when it is a delta (a deleted savepoint has none)
      const ref = (await c.query<{ baseId: string | null; functionTypes: string[] }>(`SELECT "baseId", "functionTypes" FROM savepoint WHERE id = $1`, [sp])).rows[0];
      const rows = addressRows({ id: sp, baseId: ref?.baseId ?? null, functionTypes: ref?.functionTypes ?? [] });
      await c.query(
        `INSERT INTO cp_address (address, function_type, version, invoked_at, updated_at, seq)
         SELECT r.address, r.function_type, r.version, sa.invoked_at, r.at, r.seq
           FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[]) AS r(address, function_type, version, at, seq)
           LEFT JOIN LATERAL (SELECT invoked_at FROM ${rows} x WHERE x.savepoint_id = $1::uuid AND x.address = r.address OFFSET 0) sa ON true
         ON CONFLICT (address) DO UPDATE SET version = EXCLUDED.version, invoked_at = EXCLUDED.invoked_at, updated_at = EXCLUDED.updated_at, seq = EXCLUDED.seq`,
        [sp, addrs, list.map((x) => x.functionType), list.map((x) => x.version), list.map((x) => x.at), list.map((x) => x.seq)],
      );
      // Values: only what differs from the savepoint is written (a rollback usually undoes a small part of an
      // application; rewriting every row tripled the checkpoint's work). Rows the savepoint lacks go, the others are
      // inserted, or updated where they differ.
      await c.query(
        `DELETE FROM cp_value WHERE (address, name) IN (
           SELECT v.address, v.name FROM unnest($2::text[]) AS r(address)
             CROSS JOIN LATERAL (SELECT address, name FROM cp_value WHERE address = r.address OFFSET 0) v
             LEFT JOIN LATERAL (SELECT value_names FROM ${rows} x WHERE x.savepoint_id = $1::uuid AND x.address = r.address OFFSET 0) s ON true
            WHERE NOT (v.name = ANY (coalesce(s.value_names, '{}'))))`,
        [sp, addrs],
      );
      await c.query(
        `INSERT INTO cp_value (address, name, value, written_at)
         SELECT r.address, v.name, v.value, v.written_at FROM unnest($2::text[]) AS r(address)
           CROSS JOIN LATERAL (SELECT value_names, value_data, value_written FROM ${rows} x WHERE x.savepoint_id = $1::uuid AND x.address = r.address OFFSET 0) sa
           CROSS JOIN LATERAL unnest(sa.value_names, sa.value_data, sa.value_written) AS v(name, value, written_at)
         ON CONFLICT (address, name) DO UPDATE SET value = EXCLUDED.value, written_at = EXCLUDED.written_at
           WHERE (cp_value.value, cp_value.written_at) IS DISTINCT FROM (EXCLUDED.value, EXCLUDED.written_at)`,
        [sp, addrs],
      );
      await c.query(
        `INSERT INTO cp_message (address, function_type, seq, idx, entry)
         SELECT m.address, m.function_type, m.seq, m.idx, m.entry FROM unnest($2::text[]) AS r(address)
           CROSS JOIN LATERAL (SELECT * FROM savepoint_message WHERE savepoint_id = $1 AND address = r.address OFFSET 0) m`,
        [sp, addrs],
      );
    }
  }
  if (fold.addresses.size) {
    const a = [...fold.addresses.values()];
    await c.query(
      `INSERT INTO cp_address (address, function_type, version, invoked_at, updated_at, seq)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
       ON CONFLICT (address) DO UPDATE SET version = EXCLUDED.version,
         invoked_at = COALESCE(EXCLUDED.invoked_at, cp_address.invoked_at), updated_at = EXCLUDED.updated_at, seq = EXCLUDED.seq`,
      [a.map((x) => x.address), a.map((x) => x.functionType), a.map((x) => x.version), a.map((x) => x.invokedAt), a.map((x) => x.updatedAt), a.map((x) => x.seq)],
    );
  }
  const values = fold.liveValues();
  const set = values.filter((v) => v.value !== null);
  const del = values.filter((v) => v.value === null);
  if (set.length)
    await c.query(
      `INSERT INTO cp_value (address, name, value, written_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::bigint[])
       ON CONFLICT (address, name) DO UPDATE SET value = EXCLUDED.value, written_at = EXCLUDED.written_at`,
      [set.map((v) => v.address), set.map((v) => v.name), set.map((v) => v.value), set.map((v) => v.writtenAt)],
    );
  if (del.length)
    await c.query(`DELETE FROM cp_value v USING unnest($1::text[], $2::text[]) AS d(address, name) WHERE v.address = d.address AND v.name = d.name`, [
      del.map((v) => v.address),
      del.map((v) => v.name),
    ]);
  const { appends: m, consumed } = await netMessages(c, fold);
  if (m.length) {
    await c.query(`INSERT INTO cp_message (address, function_type, seq, idx, entry) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::bytea[])`, [
      m.map((x) => x.address),
      m.map((x) => x.functionType),
      m.map((x) => x.seq),
      m.map((x) => x.idx),
      m.map((x) => x.entry),
    ]);
  }
  if (consumed.size) {
    // FIFO: whatever was appended when, a commit consumes the oldest messages of its address.
    await c.query(
      `DELETE FROM cp_message m USING (
         SELECT x.address, x.seq, x.idx FROM unnest($1::text[], $2::int[]) AS d(address, n)
         CROSS JOIN LATERAL (SELECT address, seq, idx FROM cp_message WHERE address = d.address ORDER BY seq, idx LIMIT d.n) x
       ) o WHERE m.address = o.address AND m.seq = o.seq AND m.idx = o.idx`,
      [[...consumed.keys()], [...consumed.values()]],
    );
  }
  if (fold.timersRemoved.size) {
    // before the inserts below: a timer removed and then set again in one round (a rollback) must survive
    const r = [...fold.timersRemoved.values()];
    await c.query(`DELETE FROM cp_timer t USING unnest($1::int[], $2::text[]) AS d(partition, id) WHERE t.partition = d.partition AND t.id = d.id`, [r.map((x) => x.partition), r.map((x) => x.id)]);
  }
  if (fold.timersSet.size) {
    const t = [...fold.timersSet.values()];
    await c.query(
      `INSERT INTO cp_timer (partition, id, sender_type, due_at, data) SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::bytea[])
       ON CONFLICT (partition, id) DO UPDATE SET due_at = EXCLUDED.due_at, data = EXCLUDED.data`,
      [t.map((x) => x.partition), t.map((x) => x.id), t.map((x) => x.senderType), t.map((x) => x.dueAt), t.map((x) => x.data)],
    );
  }
  if (fold.specs.size) {
    const s = [...fold.specs.values()];
    await c.query(
      `INSERT INTO cp_spec (function_type, name, spec) SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT (function_type, name) DO NOTHING`,
      [s.map((x) => x.functionType), s.map((x) => x.name), s.map((x) => Buffer.from(x.spec))],
    );
  }
  await c.query(`UPDATE cp_cursor SET seq = $1, at = now() WHERE id = 1`, [to]);
  return true;
}
