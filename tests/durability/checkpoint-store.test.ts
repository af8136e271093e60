import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { ChangeFold } from "@/server/durability/changelog";
import { applyFold, readCursor } from "@/server/durability/checkpoint-store";
import { copyRows, createPgPool, inTransaction, pgArray } from "@/server/pg";
import { createTestContext, type TestContext } from "../support/test-context";

/**
 * A round's values as Postgres stores them (cp_address.value_*): every way a round can change an address's
 * values — first write, rewrite of all, rewrite of some (the rest kept), delete, no value change, a value change
 * without an address change — with names and bytes that need quoting in an array literal.
 */
let ctx: TestContext;
let pool: pg.Pool;
let seq = 0;

beforeAll(async () => {
  ctx = await createTestContext();
  pool = createPgPool(ctx.databaseUrl, 2);
});
afterAll(async () => {
  await pool?.end();
  await ctx?.cleanup();
});

type Change = { address: string; version?: number; set?: Record<string, Buffer>; del?: string[] };

/** One round of commits, written as the commit script's changelog entries would be, folded and applied. */
async function round(changes: Change[]): Promise<void> {
  const fold = new ChangeFold();
  const from = seq;
  for (const ch of changes) {
    seq++;
    const f: Array<string | Buffer> = ["k", "c", "g", String(seq), "at", String(1_000 + seq), "a", ch.address, "n", "0"];
    for (const [name, value] of Object.entries(ch.set ?? {})) f.push(`M:${Buffer.from(name).toString("latin1")}`, value);
    for (const name of ch.del ?? []) f.push(`D:${Buffer.from(name).toString("latin1")}`, "");
    if (ch.version !== undefined) f.push("s", "", "v", String(ch.version));
    fold.add(0, `${seq}-0`, f.map((x) => (typeof x === "string" ? Buffer.from(x, "latin1") : x)));
  }
  expect(await inTransaction(pool, (c) => applyFold(c, fold, from, seq))).toBe(true);
  expect((await readCursor(pool))?.seq).toBe(seq);
}

async function stored(address: string) {
  const r = await pool.query<{ version: string; value_names: string[]; value_data: Buffer[]; value_written: string[]; value_bytes: number }>(
    `SELECT version, value_names, value_data, value_written, value_bytes FROM cp_address WHERE address = $1`,
    [address],
  );
  const row = r.rows[0];
  if (!row) return null;
  return {
    version: Number(row.version),
    values: Object.fromEntries(row.value_names.map((n, i) => [n, row.value_data[i].toString("latin1")])),
    names: row.value_names,
    written: row.value_written.map(Number),
    bytes: row.value_bytes,
  };
}

const b = (s: string) => Buffer.from(s, "latin1");
const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe("a checkpoint round's values", () => {
  it("stores, rewrites, merges, deletes and keeps values exactly, in name order", async () => {
    const odd = 'q"uote\\back{slash},comma 名';
    await round([
      { address: "t/a/1", version: 1, set: { z: b("z1"), a: b("a1"), [odd]: every } },
      { address: "t/a/2", version: 1, set: { n: b("") } },
      { address: "t/a/3", version: 1 },
    ]);
    expect(await stored("t/a/1")).toMatchObject({ version: 1, names: [odd, "a", "z"].sort(), values: { a: "a1", z: "z1", [odd]: every.toString("latin1") }, bytes: 4 + 256 });
    expect(await stored("t/a/2")).toMatchObject({ version: 1, names: ["n"], values: { n: "" }, bytes: 0 });
    expect(await stored("t/a/3")).toMatchObject({ version: 1, names: [], bytes: 0 });

    await round([
      // some rewritten, the rest kept: merged in name order
      { address: "t/a/1", version: 2, set: { m: b("m2"), a: b("a2") } },
      // all rewritten and one deleted
      { address: "t/a/2", version: 2, set: { x: b("x2") }, del: ["n"] },
      // no value change: kept
      { address: "t/a/3", version: 2 },
    ]);
    const one = await stored("t/a/1");
    expect(one).toMatchObject({ version: 2, names: [odd, "a", "m", "z"].sort(), values: { a: "a2", m: "m2", z: "z1", [odd]: every.toString("latin1") }, bytes: 2 + 2 + 2 + 256 });
    expect(one!.written).toEqual(one!.names.map((n) => (n === "a" || n === "m" ? seq - 2 + 1_000 : seq - 5 + 1_000)));
    expect(await stored("t/a/2")).toMatchObject({ version: 2, names: ["x"], values: { x: "x2" }, bytes: 2 });

    await round([
      // a delete with the rest kept, then a second commit of the same address in the round
      { address: "t/a/1", version: 3, del: ["z"] },
      { address: "t/a/1", version: 4, set: { [odd]: b("short") } },
      // every value deleted
      { address: "t/a/2", version: 3, del: ["x"] },
      // a value written for an address the checkpoint does not hold, with no address change: not inserted
      { address: "t/a/9", set: { n: b("lost?") } },
    ]);
    expect(await stored("t/a/1")).toMatchObject({ version: 4, names: [odd, "a", "m"].sort(), values: { a: "a2", m: "m2", [odd]: "short" }, bytes: 2 + 2 + 5 });
    expect(await stored("t/a/2")).toMatchObject({ version: 3, names: [], bytes: 0 });
    expect(await stored("t/a/9")).toBeNull();
  });

  it("pgArray writes literals Postgres reads back as the same values", async () => {
    const texts = ["", "plain", 'a"b', "c\\d", "{x,y}", "NULL", " sp ", "é名"];
    const r = await pool.query<{ t: string[]; b: Buffer[]; n: string[] }>(`SELECT $1::text[] AS t, $2::bytea[] AS b, $3::bigint[] AS n`, [
      pgArray(texts),
      pgArray([every, Buffer.alloc(0), null]),
      pgArray([0, -1, 2 ** 53 - 1, null]),
    ]);
    expect(r.rows[0].t).toEqual(texts);
    expect(r.rows[0].b).toEqual([every, Buffer.alloc(0), null]);
    expect(r.rows[0].n).toEqual(["0", "-1", String(2 ** 53 - 1), null]);
    // a literal of literals: what a round passes per address
    const nested = await pool.query<{ x: string[] }>(`SELECT (unnest($1::text[]))::text[] AS x`, [pgArray([pgArray(texts)])]);
    expect(nested.rows[0].x).toEqual(texts);
  });

  it("copyRows writes text, numbers, bytes and nulls COPY reads back as the same values", async () => {
    const texts = ["", "plain", "tab\there", "new\nline\r", "back\\slash", "\\.", "\\N", "é名"];
    await inTransaction(pool, async (c) => {
      await c.query(`CREATE TEMP TABLE copied (i int, t text, b bytea, n bigint) ON COMMIT DROP`);
      await copyRows(c, "copied", ["i", "t", "b", "n"], [...texts.map((t, i) => [i, t, i % 2 ? every : Buffer.alloc(0), 2 ** 53 - 1]), [texts.length, null, null, null]]);
      const r = await c.query<{ t: string | null; b: Buffer | null; n: string | null }>(`SELECT t, b, n FROM copied ORDER BY i`);
      expect(r.rows.map((x) => x.t)).toEqual([...texts, null]);
      expect(r.rows.map((x) => x.b)).toEqual([...texts.map((_, i) => (i % 2 ? every : Buffer.alloc(0))), null]);
      expect(r.rows.map((x) => x.n)).toEqual([...texts.map(() => String(2 ** 53 - 1)), null]);
    });
  });
});
