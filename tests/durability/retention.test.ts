import { afterAll, beforeAll, expect, it } from "vitest";
import { applyRetention } from "@/server/durability/savepoints";
import { closePool, poolOf } from "@/server/durability/pool";
import { attachLoadTables, createLoadTables, createPartition, indexLoadTable, savepointTable } from "@/server/durability/savepoint-tables";
import { inTransaction } from "@/server/pg";
import { createTestContext, type TestContext } from "../support/test-context";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ SAVEPOINT_RETAIN: "2" });
});
afterAll(async () => {
  await closePool(ctx);
  await ctx?.cleanup();
});

/** The values are inline in the address rows; `savepoint_value` is the view that unnests them. */
const valueRows = async () => Number((await ctx.db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM "${ctx.schema}".savepoint_value`))[0].n);

const ownPartition = async (id: string) => {
  const c = await poolOf(ctx).connect();
  await createPartition(c, id).finally(() => c.release());
};
/** A savepoint's table in two halves split at `split`, as a savepoint's copy makes it (rows go in through the parent). */
const splitPartition = async (id: string, split: string) => {
  const pool = poolOf(ctx);
  const halves = await createLoadTables(pool, id, split);
  await inTransaction(pool, async (c) => {
    for (const h of halves) await indexLoadTable(c, h);
    await attachLoadTables(c, id, split);
  });
};
/** The savepoints' own tables, with the halves of split ones. */
const tables = async () =>
  (await poolOf(ctx).query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND relname ~ '^savepoint_address_[0-9a-f]{32}(_[01])?$' ORDER BY 1`)).rows.map(
    (r) => r.relname,
  );

it("retention keeps the newest SAVEPOINT_RETAIN savepoints and every one a rollback restored, and deletes their rows, also with the application", async () => {
  const app = await ctx.db.application.create({ data: { name: "ret" } });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const sp = await ctx.db.savepoint.create({
      data: { applicationId: app.id, status: "complete", origin: "manual", createdBy: "t", label: `s${i}`, createdAt: new Date(Date.now() - (10 - i) * 60_000), restoredAt: i === 1 ? new Date() : null },
    });
    // odd ones have a partition of their own (as savepoints taken now do); even ones are in the DEFAULT
    // partition (as savepoints from before the partitioning are)
    if (i === 3) await splitPartition(sp.id, "a/b/c");
    else if (i % 2 === 1) await ownPartition(sp.id);
    await ctx.db.savepointAddress.create({
      data: { savepointId: sp.id, address: "a/b/c", functionType: "a/b", version: 1, valueNames: ["n"], valueData: [Buffer.from([8, 1])], valueWritten: [1n], valueBytes: 2 },
    });
    ids.push(sp.id);
  }
  // a running one is never touched
  const running = await ctx.db.savepoint.create({ data: { applicationId: app.id, status: "running", origin: "manual", createdBy: "t" } });
  const s3 = savepointTable(ids[3]);
  expect(await tables()).toEqual([ids[1], ids[5]].map(savepointTable).concat([s3, `${s3}_0`, `${s3}_1`]).sort());
  expect(await applyRetention(ctx, poolOf(ctx), app.id)).toBe(3);
  const left = await ctx.db.savepoint.findMany({ where: { applicationId: app.id }, orderBy: { createdAt: "asc" } });
  expect(left.map((s) => s.id).sort()).toEqual([ids[1], ids[4], ids[5], running.id].sort());
  expect(await ctx.db.savepointAddress.count()).toBe(3);
  expect(await valueRows()).toBe(3);
  // s3 was dropped with its table and both its halves; s1 and s5 keep theirs
  expect(await tables()).toEqual([ids[1], ids[5]].map(savepointTable).sort());
  // the rows have no foreign key (it doubled a savepoint's time): the rules on `savepoint` delete them, also when
  // the application's deletion cascades to its savepoints
  await ctx.db.application.delete({ where: { id: app.id } });
  expect([await ctx.db.savepointAddress.count(), await valueRows()]).toEqual([0, 0]);
  // the tables of a deleted application's savepoints go at the next retention round (of any application)
  const other = await ctx.db.application.create({ data: { name: "other" } });
  await applyRetention(ctx, poolOf(ctx), other.id);
  expect(await tables()).toEqual([]);
});

it("retention keeps the base of a delta it keeps, and drops it once no kept savepoint is a delta of it", async () => {
  const app = await ctx.db.application.create({ data: { name: "ret-delta" } });
  const make = (i: number, baseId: string | null = null) =>
    ctx.db.savepoint.create({ data: { applicationId: app.id, status: "complete", origin: "manual", createdBy: "t", label: `d${i}`, baseId, createdAt: new Date(Date.now() - (10 - i) * 60_000) } });
  const full = await make(0);
  const middle = await make(1);
  const newer = await make(2);
  const delta = await make(3, full.id);
  // SAVEPOINT_RETAIN 2: the delta and `newer` are kept; `full` is older but the delta reads its rows there
  expect(await applyRetention(ctx, poolOf(ctx), app.id)).toBe(1);
  const ids = async () => (await ctx.db.savepoint.findMany({ where: { applicationId: app.id } })).map((s) => s.id).sort();
  expect(await ids()).toEqual([full.id, newer.id, delta.id].sort());
  expect(middle.id).not.toBe(full.id);
  // two newer savepoints push the delta out of the retained ones: its base goes with it
  await make(4);
  await make(5);
  expect(await applyRetention(ctx, poolOf(ctx), app.id)).toBe(3);
  expect((await ids()).length).toBe(2);
  expect(await ids()).not.toContain(full.id);
});
