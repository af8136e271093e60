import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { DataPlane, type Claimed } from "@/server/dispatch/data-plane";
import { encodeEntry } from "@/server/dispatch/entries";
import { ChangeFold } from "@/server/durability/changelog";
import { Checkpointer } from "@/server/durability/checkpointer";
import { applyFold, readCursor } from "@/server/durability/checkpoint-store";
import { readCheckpointLag } from "@/server/durability/lag";
import { checkHealth } from "@/server/operations/health";
import { prometheusText } from "@/server/metrics/prometheus-text";
import { createLogger } from "@/server/logger";
import { createPgPool, inTransaction } from "@/server/pg";
import { encodePrimitive } from "@/server/protocol/typed-values";
import { createTestContext, type TestContext } from "../support/test-context";

/**
 * Defence below validation: names are checked at every way in (names.ts), so these faults are injected under
 * it — straight into the data plane's scripts, and as a constraint Postgres enforces. A round that Postgres
 * refuses must not stop the world: the refused address's changes go to cp_quarantine (named in /api/health and
 * counted in /metrics), everything else is applied and the cursor moves on.
 */
const P = 4;
const INT = "io.statefun.types/int";
const int = (n: number) => Buffer.from(encodePrimitive(INT, n));
const message = (id: string) => encodeEntry(id, Date.now(), null, { typename: "q/go", hasValue: true, value: Buffer.from(id) });

let ctx: TestContext;
let pool: pg.Pool;
let dp: DataPlane;
let cp: Checkpointer;

beforeAll(async () => {
  ctx = await createTestContext({ STATEHOUSE_PARTITIONS: String(P), DISPATCH_GROUPS: "1" });
  pool = createPgPool(ctx.databaseUrl, 4);
  dp = new DataPlane(ctx.redis, ctx.env.STATEHOUSE_REDIS_PREFIX, P, 1);
  await dp.initMarker();
  cp = new Checkpointer(ctx.redis, pool, dp.keys, createLogger("silent"), { batch: 1000, retain: 100 });
});
afterAll(async () => {
  await pool?.end();
  await ctx?.cleanup();
});

const enqueue = async (addresses: string[], tag: string) =>
  expect(new Set(await dp.enqueue(addresses.map((address) => ({ address, functionType: "q/fn", entry: message(`${tag}-${address}`), cap: 0 })), 60_000))).toEqual(new Set(["queued"]));

/** Claims every ready address and commits one message each with a state write (as a worker would). */
async function commitAll(value: number): Promise<string[]> {
  const done: string[] = [];
  for (let p = 0; p < P; p++) {
    const claimed: Claimed[] = await dp.claim(p, 100, 1, 60_000);
    for (const c of claimed) {
      await dp.commit({ claimed: c, functionType: "q/fn", consumed: 1, mutations: [{ name: "n", op: "M", value: int(value) }], outgoing: [], timers: [], egress: [], summary: "{}" });
      done.push(c.address);
    }
  }
  return done;
}

async function catchUp(): Promise<void> {
  const G = Number(await ctx.redis.get(dp.keys.seq));
  for (let i = 0; i < 20; i++) if ((await cp.round()).seq === G) return;
  throw new Error("the checkpointer did not catch up");
}

const cpAddresses = async () => (await pool.query<{ address: string; version: string }>(`SELECT address, version FROM cp_address ORDER BY address`)).rows.map((r) => [r.address, Number(r.version)]);
const cpMessages = async () => (await pool.query<{ address: string }>(`SELECT address FROM cp_message ORDER BY address, seq, idx`)).rows.map((r) => r.address);
const quarantine = async () =>
  (await pool.query<{ address: string; address_bytes: Buffer; error: string; rounds: number; changes: Record<string, unknown>; messages: Buffer[] }>(`SELECT * FROM cp_quarantine ORDER BY id`)).rows;

describe("an address Postgres cannot store (NUL), injected below validation", () => {
  const bad = "q/fn/a\u0000b";

  it("would fail the whole round without the quarantine (negative control: the fault is real)", async () => {
    await enqueue([bad, "q/fn/ok-1"], "m1");
    const fold = new ChangeFold();
    const G = Number(await ctx.redis.get(dp.keys.seq));
    for (let p = 0; p < P; p++) for (const [id, fields] of await ctx.redis.xrangeBuffer(dp.keys.changelog(p), "1", String(G))) fold.add(p, id.toString(), fields);
    const err = await inTransaction(pool, (c) => applyFold(c, fold, 0, G)).then(
      () => null,
      (e: { code?: string; message: string }) => e,
    );
    expect(err?.code, "Postgres refuses the NUL").toBe("22021");
    expect((await readCursor(pool))?.seq ?? 0).toBe(0);
  });

  it("is set aside; the other addresses of the round are checkpointed and the cursor moves on", async () => {
    expect(await commitAll(7)).toEqual(expect.arrayContaining([bad, "q/fn/ok-1"]));
    await enqueue([bad, "q/fn/ok-1"], "m2");
    await catchUp();
    const G = Number(await ctx.redis.get(dp.keys.seq));
    expect((await readCursor(pool))?.seq).toBe(G);
    expect(await cpAddresses()).toEqual([["q/fn/ok-1", 1]]);
    expect(await cpMessages()).toEqual(["q/fn/ok-1"]);
    const [q] = await quarantine();
    expect(q.address).toBe("q/fn/a\\u0000b");
    expect(q.address_bytes.equals(Buffer.from(bad))).toBe(true);
    expect(q.error).toBe('the address "q/fn/a\\u0000b" holds a NUL character, which Postgres text cannot store');
    expect(q.changes).toMatchObject({ version: 1, written: ["n"], messagesAppended: 2, messagesConsumed: 1 });
    // the messages that were not checkpointed are kept, byte for byte
    expect(q.messages.map((m) => m.includes(Buffer.from(`m2-${bad}`)))).toEqual([false, true]);
    expect((await readCheckpointLag(ctx.redis, dp.keys.prefix, dp.keys.seq))?.quarantined).toBe(1);
  });

  it("later rounds keep flowing; the row counts the rounds it recurred in", async () => {
    await commitAll(8);
    await enqueue(["q/fn/ok-2"], "m3");
    await catchUp();
    expect(await cpAddresses()).toEqual([["q/fn/ok-1", 2]]);
    expect(await cpMessages()).toContain("q/fn/ok-2");
    const rows = await quarantine();
    expect(rows).toHaveLength(1);
    expect(rows[0].rounds).toBe(2);
  });
});

describe("a change Postgres refuses for a reason no check foresaw", () => {
  it("is found by bisection and set aside with Postgres's own error; the 12 others of the round are applied", async () => {
    // the fault: a constraint the checkpoint knows nothing of (as a corrupt value or a full disk would be)
    await pool.query(`ALTER TABLE cp_address ADD CONSTRAINT poison CHECK (address NOT LIKE '%poison%')`);
    const healthy = Array.from({ length: 12 }, (_, i) => `q/fn/h-${i}`);
    await enqueue([...healthy, "q/fn/poison-1"], "m4");
    await commitAll(9);
    await catchUp();
    const applied = new Set((await cpAddresses()).map(([a]) => a));
    for (const a of healthy) expect(applied.has(a), a).toBe(true);
    expect(applied.has("q/fn/poison-1")).toBe(false);
    const q = (await quarantine()).find((r) => r.address === "q/fn/poison-1");
    expect(q?.error).toMatch(/^Postgres refused the change: new row for relation "cp_address" violates check constraint "poison"/);
    expect((await readCheckpointLag(ctx.redis, dp.keys.prefix, dp.keys.seq))?.quarantined).toBe(3);
  });

  it("GET /api/health names the quarantined addresses and their errors; /metrics counts them", async () => {
    const h = await checkHealth(ctx);
    expect(h.quarantine?.count).toBe(2);
    expect(h.quarantine?.recent.map((r) => r.address).sort()).toEqual(["q/fn/a\\u0000b", "q/fn/poison-1"]);
    expect(h.quarantine?.recent.every((r) => r.error.length > 0)).toBe(true);
    const lag = await readCheckpointLag(ctx.redis, dp.keys.prefix, dp.keys.seq);
    const text = prometheusText({ at: Date.now(), windowMs: 60_000, workersReporting: 0, checkpoint: lag, functionTypes: [] });
    expect(text).toContain("# TYPE statehouse_checkpoint_quarantined_total counter\nstatehouse_checkpoint_quarantined_total 3\n");
  });
});
