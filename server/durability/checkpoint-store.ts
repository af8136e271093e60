import type pg from "pg";
import { copyRows, pgArray } from "../pg";
import type { AddressChange, ChangeFold, ValueChange } from "./changelog";
import { addressRows, rowOf } from "./savepoint-tables";
import { getOrSet } from "../collections";

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
 * The round's address changes, one row per address, as statement parameters built before the round's
 * transaction (the checkpointer serializes the next round while Postgres applies this one): version, TTL
 * clocks and cp_address.seq (null for an address whose values alone changed), then its value changes as array
 * literals — the written values in name order (`lnames`, `ldata`, `lws`; null when none changed), the deleted
 * names (`dnames`), and the written values' bytes. An address's values need no aggregation in SQL.
 */
export function addressParams(fold: ChangeFold): string[] {
  const byAddress = new Map<string, ValueChange[]>();
  for (const v of fold.liveValues()) getOrSet(byAddress, v.address, () => []).push(v);
  const cols: Array<Array<string | number | null>> = Array.from({ length: 11 }, () => []);
  const row = (address: string, a: AddressChange | undefined, vs: ValueChange[] | undefined) => {
    let lnames = null, dnames = null, ldata = null, lws = null, lbytes = 0;
    if (vs) {
      const live = vs.filter((v) => v.value !== null).sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      const deleted = vs.filter((v) => v.value === null);
      lnames = pgArray(live.map((v) => v.name));
      ldata = pgArray(live.map((v) => v.value));
      lws = pgArray(live.map((v) => v.writtenAt));
      if (deleted.length) dnames = pgArray(deleted.map((v) => v.name));
      for (const v of live) lbytes += v.value!.length;
    }
    const out = [address, a?.functionType ?? null, a?.version ?? null, a?.invokedAt ?? null, a?.updatedAt ?? null, a?.seq ?? null, lnames, dnames, ldata, lws, lbytes];
    for (let i = 0; i < out.length; i++) cols[i].push(out[i]);
  };
  for (const [address, a] of fold.addresses) row(address, a, byAddress.get(address));
  for (const [address, vs] of byAddress) if (!fold.addresses.has(address)) row(address, undefined, vs);
  return cols.map(pgArray);
}

/**
 * Applies the round's address rows (addressParams): the addresses Postgres holds are updated in place, the others
 * inserted. An updated address's values are the round's written ones when the round rewrote or deleted every
 * value it held (most rounds: one value, rewritten), its stored ones when the round changed none, else the two
 * merged in name order. (Only this transaction writes cp_address: the cursor's row lock admits one checkpointer.)
 */
async function applyAddresses(c: pg.PoolClient, params: string[]): Promise<void> {
  if (params[0] === "{}") return;
  await c.query(
    `WITH r AS (SELECT r.address, r.function_type, r.version, r.invoked_at, r.updated_at, r.seq, r.lbytes,
                       r.lnames::text[] AS lnames, r.ldata::bytea[] AS ldata, r.lws::bigint[] AS lws, r.lnames::text[] || coalesce(r.dnames::text[], '{}') AS names
                  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::int[])
                       AS r(address, function_type, version, invoked_at, updated_at, seq, lnames, dnames, ldata, lws, lbytes)),
          upd AS (UPDATE cp_address t
                     SET version = coalesce(r.version, t.version), invoked_at = coalesce(r.invoked_at, t.invoked_at), updated_at = coalesce(r.updated_at, t.updated_at),
                         seq = coalesce(r.seq, t.seq),
                         (value_names, value_data, value_written, value_bytes) = (
                           SELECT t.value_names, t.value_data, t.value_written, t.value_bytes WHERE r.lnames IS NULL
                           UNION ALL SELECT r.lnames, r.ldata, r.lws, r.lbytes WHERE r.lnames IS NOT NULL AND t.value_names <@ r.names
                           UNION ALL SELECT coalesce(array_agg(m.n ORDER BY m.n), '{}'), coalesce(array_agg(m.d ORDER BY m.n), '{}'), coalesce(array_agg(m.w ORDER BY m.n), '{}'), coalesce(sum(octet_length(m.d)), 0)::int
                               FROM (SELECT o.n, o.d, o.w FROM unnest(t.value_names, t.value_data, t.value_written) AS o(n, d, w) WHERE NOT (o.n = ANY(r.names))
                                     UNION ALL SELECT * FROM unnest(r.lnames, r.ldata, r.lws)) m
                             HAVING r.lnames IS NOT NULL AND NOT (t.value_names <@ r.names))
                    FROM r
                   WHERE t.address = r.address
                  RETURNING t.address)
     INSERT INTO cp_address (address, function_type, version, invoked_at, updated_at, seq, value_names, value_data, value_written, value_bytes)
     SELECT r.address, r.function_type, r.version, r.invoked_at, r.updated_at, r.seq, coalesce(r.lnames, '{}'), coalesce(r.ldata, '{}'), coalesce(r.lws, '{}'), r.lbytes
       FROM r
      WHERE r.version IS NOT NULL AND NOT EXISTS (SELECT 1 FROM upd WHERE upd.address = r.address)`,
    params,
  );
}

/**
 * Applies one round in the caller's transaction, after checking (under the cursor's row lock) that the cursor
 * is still at `from` — so two checkpointers, or a replay after a crash between COMMIT and trim, never apply a
 * change twice. Returns false when another checkpointer got there first (the caller rolls back).
 * Bulk statements over unnest() arrays, and COPY for appended messages: a few statements per round whatever its
 * size (Prisma per-row: ~2.7k/s).
 */
export async function applyFold(c: pg.PoolClient, fold: ChangeFold, from: number, to: number, addresses = addressParams(fold)): Promise<boolean> {
  if (!(await lockCursor(c, from))) return false;
  await applyChanges(c, fold, addresses);
  await moveCursor(c, to);
  return true;
}

/** Takes the cursor's row lock (one checkpointer at a time): false when the cursor is no longer at `from`. */
export async function lockCursor(c: pg.PoolClient, from: number): Promise<boolean> {
  await c.query(`INSERT INTO cp_cursor (id, seq) VALUES (1, 0) ON CONFLICT (id) DO NOTHING`);
  const cur = await c.query<{ seq: string }>(`SELECT seq FROM cp_cursor WHERE id = 1 FOR UPDATE`);
  return Number(cur.rows[0].seq) === from;
}

export async function moveCursor(c: pg.PoolClient, to: number): Promise<void> {
  await c.query(`UPDATE cp_cursor SET seq = $1, at = now() WHERE id = 1`, [to]);
}

/** A fold's changes, without the cursor (the caller holds its lock). */
export async function applyChanges(c: pg.PoolClient, fold: ChangeFold, addresses = addressParams(fold)): Promise<void> {
  if (fold.restores.size) {
    // a rollback replaced these addresses: what Postgres held for them is void; their rows come from the savepoint
    const r = [...fold.restores.keys()];
    // Per-address index lookups (unnest + LATERAL), not `= ANY($1)` or a hash join scanning every row of the
    // savepoint: `OFFSET 0` keeps the planner from flattening each LATERAL into such a join (it did, on a
    // savepoint's own partition: a full scan of a million rows per round of a few thousand addresses).
    await c.query(`DELETE FROM cp_message WHERE (address, seq, idx) IN (SELECT m.address, m.seq, m.idx FROM unnest($1::text[]) AS r(address) CROSS JOIN LATERAL (SELECT address, seq, idx FROM cp_message WHERE address = r.address OFFSET 0) m)`, [r]);
    const bySavepoint = new Map<string, Array<{ address: string; version: number; functionType: string; at: number; seq: number }>>();
    for (const [address, x] of fold.restores) getOrSet(bySavepoint, x.savepointId, () => []).push({ address, ...x });
    for (const [sp, list] of bySavepoint) {
      const addrs = list.map((x) => x.address);
      // the savepoint's address rows, its base's included when it is a delta (a deleted savepoint has none)
      const ref = (await c.query<{ baseId: string | null; functionTypes: string[] }>(`SELECT "baseId", "functionTypes" FROM savepoint WHERE id = $1`, [sp])).rows[0];
      const rows = addressRows({ id: sp, baseId: ref?.baseId ?? null, functionTypes: ref?.functionTypes ?? [] });
      // the address's row becomes the savepoint's, values and all (none if the savepoint lacks the address)
      await c.query(
        `INSERT INTO cp_address (address, function_type, version, invoked_at, updated_at, seq, value_names, value_data, value_written, value_bytes)
         SELECT r.address, r.function_type, r.version, sa.invoked_at, r.at, r.seq,
                coalesce(sa.value_names, '{}'), coalesce(sa.value_data, '{}'), coalesce(sa.value_written, '{}'), coalesce(sa.value_bytes, 0)
           FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS r(address, function_type, version, at, seq)
           LEFT JOIN LATERAL ${rowOf(rows, "r.address", "invoked_at, value_names, value_data, value_written, value_bytes")} sa ON true
         ON CONFLICT (address) DO UPDATE SET version = EXCLUDED.version, invoked_at = EXCLUDED.invoked_at, updated_at = EXCLUDED.updated_at, seq = EXCLUDED.seq,
           value_names = EXCLUDED.value_names, value_data = EXCLUDED.value_data, value_written = EXCLUDED.value_written, value_bytes = EXCLUDED.value_bytes`,
        [addrs, list.map((x) => x.functionType), list.map((x) => x.version), list.map((x) => x.at), list.map((x) => x.seq)],
      );
      await c.query(
        `INSERT INTO cp_message (address, function_type, seq, idx, entry)
         SELECT m.address, m.function_type, m.seq, m.idx, m.entry FROM unnest($2::text[]) AS r(address)
           CROSS JOIN LATERAL (SELECT * FROM savepoint_message WHERE savepoint_id = $1 AND address = r.address OFFSET 0) m`,
        [sp, addrs],
      );
    }
  }
  await applyAddresses(c, addresses);
  const { appends: m, consumed } = await netMessages(c, fold);
  if (m.length) await copyRows(c, "cp_message", ["address", "function_type", "seq", "idx", "entry"], m.map((x) => [x.address, x.functionType, x.seq, x.idx, x.entry]));
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
}
