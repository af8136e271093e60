import { afterAll, beforeAll, expect, it } from "vitest";
import { applyRetention } from "@/server/durability/savepoints";
import { createTestContext, type TestContext } from "../support/test-context";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ SAVEPOINT_RETAIN: "2" });
});
afterAll(async () => ctx?.cleanup());

it("retention keeps the newest SAVEPOINT_RETAIN savepoints and every one a rollback restored, and deletes their rows, also with the application", async () => {
  const app = await ctx.db.application.create({ data: { name: "ret" } });
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) {
    const sp = await ctx.db.savepoint.create({
      data: { applicationId: app.id, status: "complete", origin: "manual", createdBy: "t", label: `s${i}`, createdAt: new Date(Date.now() - (10 - i) * 60_000), restoredAt: i === 1 ? new Date() : null },
    });
    await ctx.db.savepointAddress.create({ data: { savepointId: sp.id, address: "a/b/c", functionType: "a/b", version: 1 } });
    await ctx.db.savepointValue.create({ data: { savepointId: sp.id, address: "a/b/c", name: "n", value: Buffer.from([8, 1]), writtenAt: 1 } });
    ids.push(sp.id);
  }
  // a running one is never touched
  const running = await ctx.db.savepoint.create({ data: { applicationId: app.id, status: "running", origin: "manual", createdBy: "t" } });
  expect(await applyRetention(ctx, app.id)).toBe(3);
  const left = await ctx.db.savepoint.findMany({ where: { applicationId: app.id }, orderBy: { createdAt: "asc" } });
  expect(left.map((s) => s.id).sort()).toEqual([ids[1], ids[4], ids[5], running.id].sort());
  expect(await ctx.db.savepointAddress.count()).toBe(3);
  expect(await ctx.db.savepointValue.count()).toBe(3);
  // the rows have no foreign key (it doubled a savepoint's time): the rules on `savepoint` delete them, also when
  // the application's deletion cascades to its savepoints
  await ctx.db.application.delete({ where: { id: app.id } });
  expect([await ctx.db.savepointAddress.count(), await ctx.db.savepointValue.count()]).toEqual([0, 0]);
});
