import type pg from "pg";
import type { Ctx } from "../context";
import { AppError } from "../errors";
import { functionTypeOf, parseAddress } from "../dispatch/keys";
import { valueView } from "../state/views";
import { findSavepoint } from "./savepoints";
import { addressRows, rowOf, valueRows, type SavepointRef } from "./savepoint-tables";
import { SAVEPOINT_FORMAT, SAVEPOINT_FORMAT_VERSION, entryToFile, specKey, specTypenames, timerToFile, type FileAddress, type FileHeader } from "./savepoint-format";

/** Addresses per page: the values, mailboxes and timers of one page are read with three statements (one client: in turn). */
const PAGE = 1_000;

type Found = Awaited<ReturnType<typeof findSavepoint>>;

export interface SavepointExport {
  /** `<application>-<savepoint id>.ndjson` */
  filename: string;
  /** The file, a chunk of whole lines at a time; read lazily, page by page (never the whole savepoint in memory). */
  chunks: AsyncGenerator<string, void, undefined>;
}

/** A complete savepoint as the portable NDJSON file (savepoint-format.ts). 404 unknown, 409 not complete. */
export async function exportSavepoint(ctx: Ctx, pool: pg.Pool, id: string): Promise<SavepointExport> {
  const sp = await findSavepoint(ctx, id);
  if (sp.status !== "complete") throw new AppError("conflict", `savepoint ${id} is ${sp.status}; only a complete savepoint can be exported`);
  return { filename: `${sp.application.name}-${sp.id}.ndjson`, chunks: exportChunks(pool, sp) };
}

/** A byte stream of the chunks; cancelling it (the client went away) releases the export's connection. */
export function toByteStream(chunks: AsyncGenerator<string, void, undefined>): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const n = await chunks.next();
      if (n.done) ctrl.close();
      else ctrl.enqueue(enc.encode(n.value));
    },
    async cancel() {
      await chunks.return(undefined);
    },
  });
}

/**
 * One connection for the whole file: the address set (state, mailbox and timer senders) goes into an indexed
 * temp table once, then it is read in keyset pages of PAGE addresses. A savepoint never changes once complete;
 * if retention deletes it meanwhile the stream fails at the end instead of ending short.
 */
async function* exportChunks(pool: pg.Pool, sp: Found): AsyncGenerator<string, void, undefined> {
  const c = await pool.connect();
  let broken: Error | undefined;
  try {
    await c.query(`DROP TABLE IF EXISTS ex_timer, ex_addr`);
    await c.query(`CREATE TEMP TABLE ex_timer AS SELECT partition, id, left(id, length(id) - strpos(reverse(id), '@')) AS sender FROM savepoint_timer WHERE savepoint_id = $1`, [sp.id]);
    await c.query(`CREATE INDEX ON ex_timer (sender)`);
    await c.query(
      `CREATE TEMP TABLE ex_addr AS
         SELECT address FROM ${addressRows(sp)} a
         UNION SELECT address FROM savepoint_message WHERE savepoint_id = $1
         UNION SELECT sender FROM ex_timer`,
      [sp.id],
    );
    await c.query(`CREATE UNIQUE INDEX ON ex_addr (address)`);
    // autovacuum never analyzes temp tables: without statistics the page joins plan badly
    await c.query(`ANALYZE ex_timer, ex_addr`);
    const n = (
      await c.query<{ addresses: string; values: string; messages: string; timers: string }>(
        `SELECT (SELECT count(*) FROM ex_addr) AS addresses, (SELECT coalesce(sum(cardinality(value_names)), 0) FROM ${addressRows(sp)} a) AS "values",
                (SELECT count(*) FROM savepoint_message WHERE savepoint_id = $1) AS messages, (SELECT count(*) FROM ex_timer) AS timers`,
        [sp.id],
      )
    ).rows[0];
    const header: FileHeader = {
      format: SAVEPOINT_FORMAT,
      version: SAVEPOINT_FORMAT_VERSION,
      application: sp.application.name,
      functionTypes: sp.functionTypes,
      cut: { seq: sp.seq === null ? null : Number(sp.seq), takenAt: (sp.finishedAt ?? sp.createdAt).toISOString() },
      savepoint: { id: sp.id, label: sp.label, origin: sp.origin },
      counts: { addresses: Number(n.addresses), values: Number(n.values), messages: Number(n.messages), timers: Number(n.timers) },
    };
    yield JSON.stringify(header) + "\n";

    const typenames = await specTypenames(c, sp.functionTypes);
    let after = "";
    for (;;) {
      const lines = await readPage(c, sp, after, typenames);
      if (lines.length === 0) break;
      after = lines[lines.length - 1].address;
      yield lines.map((l) => JSON.stringify(l) + "\n").join("");
    }
    if (!(await c.query(`SELECT 1 FROM savepoint WHERE id = $1`, [sp.id])).rowCount)
      throw new Error(`savepoint ${sp.id} was deleted (retention) while it was exported; the file is incomplete`);
  } catch (e) {
    broken = e as Error;
    throw e;
  } finally {
    await c.query(`DROP TABLE IF EXISTS ex_timer, ex_addr`).catch((e: Error) => (broken ??= e));
    // a client whose statement failed may be mid-transaction or gone: the pool drops it instead of reusing it
    c.release(broken);
  }
}

async function readPage(c: pg.PoolClient, sp: SavepointRef, after: string, typenames: Map<string, string>): Promise<FileAddress[]> {
  const id = sp.id;
  const page = await c.query<{ address: string; version: string | null; invoked_at: string | null }>(
    `SELECT x.address, a.version, a.invoked_at FROM (SELECT address FROM ex_addr WHERE address > $1 ORDER BY address LIMIT $2) x
       LEFT JOIN LATERAL ${rowOf(addressRows(sp), "x.address", "version, invoked_at")} a ON true ORDER BY x.address`,
    [after, PAGE],
  );
  if (page.rows.length === 0) return [];
  // the page is the range (after, last] of the address order: range scans of the primary keys, whatever the statistics
  const range = [id, after, page.rows[page.rows.length - 1].address];
  const vals = await c.query<{ address: string; name: string; value: Buffer; written_at: string }>(
    `SELECT address, name, value, written_at FROM ${valueRows(sp)} v WHERE address > $1 AND address <= $2 ORDER BY address, name`,
    range.slice(1),
  );
  const msgs = await c.query<{ address: string; entry: Buffer }>(
    `SELECT address, entry FROM savepoint_message WHERE savepoint_id = $1 AND address > $2 AND address <= $3 ORDER BY address, seq, idx`,
    range,
  );
  const tims = await c.query<{ sender: string; id: string; due_at: string; data: Buffer }>(
    `SELECT t.sender, s.id, s.due_at, s.data FROM ex_timer t JOIN savepoint_timer s ON s.savepoint_id = $1 AND s.partition = t.partition AND s.id = t.id
      WHERE t.sender > $2 AND t.sender <= $3 ORDER BY t.sender, s.id`,
    range,
  );
  const lines = new Map<string, FileAddress>();
  for (const r of page.rows)
    lines.set(r.address, { address: r.address, version: r.version === null ? 0 : Number(r.version), invokedAt: r.invoked_at === null ? null : Number(r.invoked_at), values: [], mailbox: [], timers: [] });
  for (const v of vals.rows) {
    const typename = typenames.get(specKey(functionTypeOf(parseAddress(v.address)!), v.name)) ?? "";
    const decoded = valueView(typename, v.value).value;
    lines.get(v.address)!.values.push({ name: v.name, typename, base64: v.value.toString("base64"), writtenAt: Number(v.written_at), ...(decoded !== undefined ? { value: decoded } : {}) });
  }
  for (const m of msgs.rows) lines.get(m.address)!.mailbox.push(entryToFile(m.entry));
  for (const t of tims.rows) lines.get(t.sender)!.timers.push(timerToFile(t.id, Number(t.due_at), t.data));
  return [...lines.values()];
}
