import type pg from "pg";

/**
 * A function type's addresses as the checkpoint holds them, sorted by address in code point order: cp_address rows
 * (every address with a commit or patch) and the addresses that have only queued messages (cp_message rows, no
 * cp_address row yet). Both are range scans of the indexes on (function_type, address COLLATE "C") (migration
 * 20261215000000_cp_address_browse): under the "C" collation a prefix is one contiguous key range and a keyset
 * cursor one more bound on it, so a page costs the same at the first id as at the millionth.
 */
export interface IndexRow {
  address: string;
  /** null: messages only, nothing committed yet. */
  version: number | null;
  updatedAt: number | null;
}

/** Bounds on the address, in code point order: `gt`/`ge` below, `lt` above. Any may be absent. */
export interface AddressRange {
  ge?: string[];
  gt?: string;
  lt?: string[];
}

/**
 * The least string above every string that starts with `prefix`, in code point order (what the "C" collation sorts
 * by, UTF-8 being order-preserving): the prefix with its last code point incremented, skipping the surrogate block
 * (not a code point UTF-8 can hold), after dropping trailing U+10FFFF (nothing follows it). null: no such string.
 * Proof it bounds exactly: s ≥ p·c and s < p·(c+1) ⇒ s starts with p (at the first position s leaves p it would
 * compare alike with both) and then holds a code point in [c, c+1), i.e. c.
 */
export function prefixUpperBound(prefix: string): string | null {
  const cps = Array.from(prefix, (ch) => ch.codePointAt(0)!);
  while (cps.length > 0) {
    const last = cps.pop()!;
    if (last < 0x10ffff) {
      const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
      return String.fromCodePoint(...cps) + String.fromCodePoint(next);
    }
  }
  return null;
}

/** The SQL of one page; exported for the plan test (EXPLAIN) and the benchmark. */
export function pageQuery(functionType: string, range: AddressRange, limit: number, descending: boolean): { sql: string; params: Array<string | number> } {
  const params: Array<string | number> = [functionType, limit];
  const bounds: Array<[string, string]> = [];
  const bind = (op: string, v: string) => {
    params.push(v);
    bounds.push([op, `$${params.length}`]);
  };
  for (const v of range.ge ?? []) bind(">=", v);
  if (range.gt !== undefined) bind(">", range.gt);
  for (const v of range.lt ?? []) bind("<", v);
  const conds = (col: string) => bounds.map(([op, p]) => ` AND ${col} COLLATE "C" ${op} ${p}`).join("");
  const dir = descending ? "DESC" : "ASC";
  const step = descending ? "<" : ">";
  const a = conds("address");
  const x = conds("x.address");
  // The scalar subquery (not NOT EXISTS) keeps "has no cp_address row" a primary-key probe per candidate: as an anti
  // join the planner may hash the type's every row to test a page's few.
  const sql = `WITH RECURSIVE
  a AS (SELECT address, version, updated_at FROM cp_address
         WHERE function_type = $1${a} ORDER BY address COLLATE "C" ${dir} LIMIT $2::int),
  r(address, n) AS (
    (SELECT address, 1 FROM cp_message WHERE function_type = $1${a} ORDER BY address COLLATE "C" ${dir} LIMIT 1)
    UNION ALL
    SELECT (SELECT x.address FROM cp_message x
             WHERE x.function_type = $1${x} AND x.address COLLATE "C" ${step} r.address
             ORDER BY x.address COLLATE "C" ${dir} LIMIT 1), r.n + 1
      FROM r WHERE r.address IS NOT NULL AND r.n < $2::int)
SELECT * FROM (
  SELECT address, version, updated_at FROM a
  UNION ALL
  SELECT r.address, NULL, NULL FROM r
   WHERE r.address IS NOT NULL AND (SELECT true FROM cp_address c WHERE c.address = r.address) IS NULL) u
ORDER BY address COLLATE "C" ${dir} LIMIT $2::int`;
  return { sql, params };
}

/**
 * Up to `limit` addresses of the function type inside `range`, nearest the range's start (or its end when
 * `descending`), in that order. The skip scan over cp_message takes one index descent per distinct address, so a
 * mailbox holding a million messages costs no more than one holding one.
 */
export async function addressesInRange(pool: pg.Pool, functionType: string, range: AddressRange, limit: number, descending = false): Promise<IndexRow[]> {
  const { sql, params } = pageQuery(functionType, range, limit, descending);
  const rows = (await pool.query<{ address: string; version: string | null; updated_at: string | null }>(sql, params)).rows;
  return rows.map((r) => ({ address: r.address, version: r.version === null ? null : Number(r.version), updatedAt: r.updated_at === null ? null : Number(r.updated_at) }));
}
