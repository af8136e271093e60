import type pg from "pg";
import { z } from "zod";
import type { Ctx } from "../context";
import type { Diff, DiffEntry } from "../contracts/savepoints";
import { AppError } from "../errors";
import { loadRegistrySnapshot } from "../registry/registry-snapshot";
import { planeOf } from "../dispatch/plane";
import { functionTypeOf, parseAddress } from "../dispatch/keys";
import { inTransaction } from "../pg";
import { valueView } from "../state/views";
import { decodeCursor, encodeCursor } from "../state/cursor";
import { applicationTypes } from "./app-types";
import { findSavepoint, waitForCheckpoint } from "./savepoints";
import { specKey, specTypenames } from "./savepoint-format";
import { valueRows, type SavepointRef } from "./savepoint-tables";
import { getOrSet } from "../collections";

type DiffView = z.infer<typeof Diff>;
type Entry = z.infer<typeof DiffEntry>;
type Change = Entry["change"];

/**
 * One side of a comparison as SQL over one parameter `p` (a savepoint id, or the live function types): its
 * values and its mailbox lengths. An address is on a side when it has a value or a message there: one without
 * either (never written, or emptied — a rollback leaves removed addresses so, with a higher version) is absent.
 */
interface SideSql {
  values: string;
  mailboxes: string;
}
interface Side {
  sql: (p: string) => SideSql;
  param: string | string[];
}

const savepointSide = (sp: SavepointRef): Side => ({
  param: sp.id,
  sql: (p) => ({
    values: `SELECT address, name, value FROM ${valueRows(sp)} v WHERE v.savepoint_id = ${p}::uuid`,
    mailboxes: `SELECT address, count(*)::int AS n FROM savepoint_message WHERE savepoint_id = ${p}::uuid GROUP BY address`,
  }),
});

/** The checkpoint tables (the live data plane as of the cursor), restricted to the application's function types. */
const liveSide = (types: string[]): Side => ({
  param: types,
  sql: (p) => ({
    values: `SELECT a.address, u.name, u.value FROM cp_address a CROSS JOIN LATERAL unnest(a.value_names, a.value_data) AS u(name, value) WHERE a.function_type = ANY(${p}::text[])`,
    mailboxes: `SELECT address, count(*)::int AS n FROM cp_message WHERE function_type = ANY(${p}::text[]) GROUP BY address`,
  }),
});

const Cursor = z.object({ after: z.string() });

/**
 * What differs between savepoint `id` (before) and `against` (after: "live", or another savepoint of the same
 * application): addresses added (only after), removed (only before) and changed (a value or the mailbox length
 * differs; delayed messages are not compared), counted in full and listed by address in pages, with each differing value before and after. The set
 * work is SQL (FULL JOIN, EXCEPT) in one REPEATABLE READ snapshot, so counts, page and values agree.
 */
export async function diffSavepoint(ctx: Ctx, pool: pg.Pool, id: string, q: { against: string; cursor?: string; limit: number }): Promise<DiffView> {
  const sp = await findSavepoint(ctx, id);
  requireComplete(sp.id, sp.status);
  let after: Side;
  if (q.against === "live") {
    const target = await planeOf(ctx).sequence();
    await waitForCheckpoint(pool, target, 10_000).catch((e: Error) => {
      throw new AppError("unavailable", `${e.message}; live state cannot be compared yet`);
    });
    after = liveSide(await applicationTypes(pool, await loadRegistrySnapshot(ctx.db, 0), sp.application.name, sp.functionTypes));
  } else {
    const b = await findSavepoint(ctx, q.against);
    if (b.applicationId !== sp.applicationId)
      throw new AppError("bad-request", `savepoint ${b.id} is of application "${b.application.name}", not "${sp.application.name}"; only savepoints of one application can be compared`);
    requireComplete(b.id, b.status);
    after = savepointSide(b);
  }
  const from = q.cursor === undefined ? "" : decodeCursor(Cursor, q.cursor).after;
  const before = savepointSide(sp);

  return inTransaction(
    pool,
    async (c) => {
      const [a, b] = [before.sql("$1"), after.sql("$2")];
      const rows = await c.query<{ kind: "count" | "entry"; change: Change; n: number | null; address: string | null }>(
        `WITH a_val AS (${a.values}), b_val AS (${b.values}),
              a_mb AS (${a.mailboxes}), b_mb AS (${b.mailboxes}),
              a_addr AS (SELECT address FROM a_val UNION SELECT address FROM a_mb),
              b_addr AS (SELECT address FROM b_val UNION SELECT address FROM b_mb),
              touched AS (
                SELECT address FROM ((SELECT * FROM a_val EXCEPT SELECT * FROM b_val) UNION ALL (SELECT * FROM b_val EXCEPT SELECT * FROM a_val)) d
                UNION SELECT coalesce(a.address, b.address) FROM a_mb a FULL JOIN b_mb b ON a.address = b.address WHERE coalesce(a.n, 0) <> coalesce(b.n, 0)
              ),
              classified AS (
                SELECT coalesce(a.address, b.address) AS address,
                       CASE WHEN a.address IS NULL THEN 'added' WHEN b.address IS NULL THEN 'removed' ELSE 'changed' END AS change
                  FROM a_addr a FULL JOIN b_addr b ON a.address = b.address
                 WHERE a.address IS NULL OR b.address IS NULL OR a.address IN (SELECT address FROM touched)
              ),
              page AS (SELECT address, change FROM classified WHERE address > $3 ORDER BY address LIMIT $4)
         SELECT 'count' AS kind, change, count(*)::int AS n, NULL AS address FROM classified GROUP BY change
         UNION ALL SELECT 'entry', change, NULL, address FROM page
         ORDER BY kind, address`,
        [before.param, after.param, from, q.limit + 1],
      );
      const counts = { added: 0, removed: 0, changed: 0 };
      for (const r of rows.rows) if (r.kind === "count") counts[r.change] = r.n!;
      const listed = rows.rows.filter((r) => r.kind === "entry").map((r) => ({ address: r.address!, change: r.change }));
      const page = listed.slice(0, q.limit);
      return {
        savepoint: sp.id,
        against: q.against,
        counts,
        entries: await detail(c, before, after, page),
        next: listed.length > q.limit ? encodeCursor({ after: page[page.length - 1].address }) : null,
      };
    },
    "REPEATABLE READ",
  );
}

function requireComplete(id: string, status: string): void {
  if (status !== "complete") throw new AppError("conflict", `savepoint ${id} is ${status}; only complete savepoints can be compared`);
}

async function readSide(c: pg.PoolClient, side: Side, addresses: string[]) {
  const sql = side.sql("$1");
  const vals = await c.query<{ address: string; name: string; value: Buffer }>(`SELECT * FROM (${sql.values}) x WHERE address = ANY($2::text[])`, [side.param, addresses]);
  const mbs = await c.query<{ address: string; n: number }>(`SELECT * FROM (${sql.mailboxes}) x WHERE address = ANY($2::text[])`, [side.param, addresses]);
  const values = new Map<string, Map<string, Buffer>>();
  for (const v of vals.rows) getOrSet(values, v.address, () => new Map()).set(v.name, v.value);
  return { values, mailboxes: new Map(mbs.rows.map((m) => [m.address, m.n])) };
}

/** The differing values (decoded where the state spec gives the typename) and mailbox lengths of one page. */
async function detail(c: pg.PoolClient, before: Side, after: Side, page: Array<{ address: string; change: Change }>): Promise<Entry[]> {
  if (page.length === 0) return [];
  const addresses = page.map((p) => p.address);
  const a = await readSide(c, before, addresses);
  const b = await readSide(c, after, addresses);
  const typeOf = (address: string) => functionTypeOf(parseAddress(address)!);
  const typenames = await specTypenames(c, [...new Set(addresses.map(typeOf))]);
  return page.map(({ address, change }) => {
    const type = typeOf(address);
    const va = a.values.get(address) ?? new Map<string, Buffer>();
    const vb = b.values.get(address) ?? new Map<string, Buffer>();
    const shown = (name: string, bytes: Buffer | undefined) => {
      if (bytes === undefined) return null;
      const typename = typenames.get(specKey(type, name));
      const value = typename === undefined ? undefined : valueView(typename, bytes).value;
      return { base64: bytes.toString("base64"), ...(value !== undefined ? { value } : {}) };
    };
    const values = [...new Set([...va.keys(), ...vb.keys()])]
      .sort()
      .filter((name) => !(va.has(name) && vb.has(name) && va.get(name)!.equals(vb.get(name)!)))
      .map((name) => ({
        name,
        change: (!va.has(name) ? "added" : !vb.has(name) ? "removed" : "changed") as Change,
        before: shown(name, va.get(name)),
        after: shown(name, vb.get(name)),
      }));
    const ma = a.mailboxes.get(address) ?? 0;
    const mb = b.mailboxes.get(address) ?? 0;
    return { address, change, values, mailbox: ma === mb ? null : { before: ma, after: mb } };
  });
}
