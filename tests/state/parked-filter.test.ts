import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { PARKED_SCAN_MAX } from "@/server/contracts/state";
import { apiClient } from "../support/api-client";
import { keysOf } from "../support/fixtures/plane";
import { createTestContext, type TestContext } from "../support/test-context";

/**
 * GET /api/v1/parked?functionType=&error= (the console's parked page filters by both): the filter is applied on
 * the server, across partitions and pages, and a page examines a bounded number of parked entries. The parked
 * sets are written straight to Redis, as the data plane leaves them, so no function has to fail for real.
 */
let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;

type Parked = { address: string; functionType: string; error: string; mailboxLength: number; attempts: number };

beforeAll(async () => {
  ctx = await createTestContext({ STATEHOUSE_PARTITIONS: "16" });
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx?.cleanup();
});

let clock = 1_700_000_000_000;
async function park(address: string, error: string, mailbox = 1): Promise<void> {
  const k = keysOf(ctx);
  const p = k.partitionOf(address);
  await ctx.redis.zadd(k.parked(p), clock++, address);
  await ctx.redis.hset(k.meta(p, address), "pk", "1", "perr", error, "patt", "3");
  for (let i = 0; i < mailbox; i++) await ctx.redis.rpush(k.mailbox(p, address), `m${i}`);
}

async function listAll(query: Record<string, string>): Promise<{ rows: Parked[]; pages: number }> {
  const rows: Parked[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages < 1000; pages++) {
    const res = await call("GET", "/api/v1/parked", { query: { ...query, ...(cursor ? { cursor } : {}) } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.parked.length).toBeLessThanOrEqual(Number(query.limit ?? 50));
    rows.push(...res.json.parked);
    cursor = res.json.next ?? undefined;
    if (!cursor) return { rows, pages };
  }
  throw new Error("the listing did not end");
}

describe("filtering parked addresses", () => {
  const refused = (n: number) => `calling http://127.0.0.1:9/statefun failed after ${n} attempts: connect ECONNREFUSED`;
  const unbound = "nobody/thing is not bound by any endpoint";

  beforeAll(async () => {
    for (let i = 0; i < 30; i++) await park(`shop/stock/item-${String(i).padStart(2, "0")}`, i % 3 === 0 ? "HTTP 500 from the function" : refused(i), 1 + (i % 4));
    for (let i = 0; i < 12; i++) await park(`nobody/thing/n${i}`, unbound);
    // a type whose name has the filtered one as a prefix must not match it
    await park("shop/stockroom/a", refused(1));
  });

  it("lists every parked address without a filter (the negative control for the filters below)", async () => {
    const { rows } = await listAll({ limit: "7" });
    expect(rows).toHaveLength(43);
    expect(new Set(rows.map((r) => r.address)).size).toBe(43);
  });

  it("by function type: exactly that type's addresses, across partitions and cursor pages", async () => {
    const { rows, pages } = await listAll({ functionType: "shop/stock", limit: "4" });
    expect(rows.map((r) => r.address).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `shop/stock/item-${String(i).padStart(2, "0")}`));
    expect(rows.every((r) => r.functionType === "shop/stock")).toBe(true);
    expect(pages).toBeGreaterThanOrEqual(8);
    const stock7 = rows.find((r) => r.address === "shop/stock/item-07")!;
    expect(stock7).toMatchObject({ error: refused(7), mailboxLength: 4, attempts: 3 });
  });

  it("by error text: a case-insensitive substring of the error", async () => {
    const { rows } = await listAll({ error: "http 500", limit: "3" });
    expect(rows.map((r) => r.address).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `shop/stock/item-${String(i * 3).padStart(2, "0")}`));
    expect((await listAll({ error: "NOT BOUND" })).rows).toHaveLength(12);
    expect((await listAll({ error: "no such error anywhere" })).rows).toEqual([]);
  });

  it("by both: the intersection", async () => {
    const { rows } = await listAll({ functionType: "shop/stock", error: "ECONNREFUSED", limit: "5" });
    expect(rows).toHaveLength(20);
    expect(rows.every((r) => r.functionType === "shop/stock" && r.error.includes("ECONNREFUSED"))).toBe(true);
    const mixed = await listAll({ functionType: "nobody/thing", error: "ECONNREFUSED" });
    expect(mixed.rows).toEqual([]);
  });

  it("a page reports how many entries it examined, and a filter that skips many still pages on", async () => {
    const res = await call("GET", "/api/v1/parked", { query: { functionType: "shop/stockroom", limit: "1" } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.parked.map((r: Parked) => r.address)).toEqual(["shop/stockroom/a"]);
    expect(res.json.scanned).toBeGreaterThanOrEqual(1);
    expect(res.json.scanned).toBeLessThanOrEqual(43);
    expect(PARKED_SCAN_MAX).toBeGreaterThan(1000);
  });

  it("refuses a malformed filter with a 400", async () => {
    const bad: Array<Record<string, string>> = [{ functionType: "no-slash" }, { functionType: "a/b/c" }, { error: "" }, { error: "x\u0000" }, { functionType: "a/b\u0001" }];
    for (const query of bad) {
      const res = await call("GET", "/api/v1/parked", { query });
      expect(res.status, `${JSON.stringify(query)}: ${res.text}`).toBe(400);
    }
  });
});

describe("the scan bound", () => {
  it("stops after PARKED_SCAN_MAX entries with a cursor that goes on where it stopped", async () => {
    // Enough non-matching entries that one page cannot examine them all; the one match sits beyond the bound.
    const k = keysOf(ctx);
    const p = 3;
    const members: Array<string | number> = [];
    for (let i = 0; i < PARKED_SCAN_MAX + 500; i++) members.push(clock++, `bulk/filler/${i}`);
    for (let i = 0; i < members.length; i += 2000) await ctx.redis.zadd(k.parked(p), ...members.slice(i, i + 2000));
    const target = "bulk/wanted/x";
    await ctx.redis.zadd(k.parked(p), clock++, target);
    await ctx.redis.hset(k.meta(p, target), "pk", "1", "perr", "boom", "patt", "1");

    const first = await call("GET", "/api/v1/parked", { query: { functionType: "bulk/wanted" } });
    expect(first.status, first.text).toBe(200);
    expect(first.json.parked).toEqual([]);
    expect(first.json.scanned).toBe(PARKED_SCAN_MAX);
    expect(first.json.next).toBeTruthy();
    const second = await call("GET", "/api/v1/parked", { query: { functionType: "bulk/wanted", cursor: first.json.next } });
    expect(second.status, second.text).toBe(200);
    expect(second.json.parked.map((r: Parked) => r.address)).toEqual([target]);
  });
});
