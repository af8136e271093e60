import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { createApiToken } from "@/server/auth/api-tokens";
import { planeOf } from "@/server/dispatch/plane";
import { closePool, poolOf } from "@/server/durability/pool";
import { encodeEntry } from "@/server/dispatch/entries";
import { encodePrimitive } from "@/server/protocol/typed-values";
import { listAddresses } from "@/server/state/list";
import { pageQuery, prefixUpperBound } from "@/server/state/address-index";
import { createTestContext, type TestContext } from "../support/test-context";
import { callRoute } from "../support/call-route";
import { loadRoutes } from "../support/routes";
import { checkpointNow } from "../support/checkpoint-now";

let ctx: TestContext;
let viewer: string;
let listRoute: unknown;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  listRoute = (await loadRoutes()).find((r) => r.method === "GET" && r.path === "/api/v1/state/{namespace}/{type}")!.fn;
  viewer = (await createApiToken(ctx, { kind: "admin-token", name: "admin-token", role: "admin" }, { name: "viewer", role: "viewer" })).token;
});
afterAll(async () => {
  setAppContext(undefined);
  await closePool(ctx);
  await ctx.cleanup();
});

/** Code point order: what the listing promises (the ids' UTF-8 bytes). */
const byCodePoint = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** Checkpoint rows written directly (as the checkpointer would), no Redis keys: such rows list as idle. */
async function seed(functionType: string, ids: string[], version = 3): Promise<void> {
  await poolOf(ctx).query(`INSERT INTO cp_address (address, function_type, version, updated_at) SELECT $1 || '/' || id, $1, $2, 1700000000000 FROM unnest($3::text[]) AS u(id)`, [functionType, version, ids]);
}

const list = (ft: string, q: { prefix?: string; cursor?: string; id?: string; limit?: number }) => {
  const [namespace, type] = ft.split("/");
  return listAddresses(ctx, { namespace, type }, { limit: 50, ...q });
};

/** Every id of a listing, following `next`, with the number of pages. */
async function walk(ft: string, q: { prefix?: string; limit?: number }): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; pages < 10_000; pages++) {
    const page = await list(ft, { ...q, cursor });
    ids.push(...page.addresses.map((a) => a.id));
    if (!page.next) return { ids, pages };
    cursor = page.next;
  }
  throw new Error("listing did not end");
}

describe("the prefix range", () => {
  it("bounds exactly the strings that start with the prefix, for last code points at the edges of UTF-8", () => {
    expect(prefixUpperBound("ab")).toBe("ac");
    expect(prefixUpperBound("a\u{10ffff}")).toBe("b");
    expect(prefixUpperBound("\u{10ffff}\u{10ffff}")).toBeNull();
    expect(prefixUpperBound("a\ud7ff")).toBe("a\ue000"); // the surrogate block is skipped
    expect(prefixUpperBound("a\uffff")).toBe("a\u{10000}");
    expect(prefixUpperBound("a\u{1f600}")).toBe("a\u{1f601}");
  });
});

describe("listing addresses from the checkpoint", () => {
  const ft = "br/x";
  const ids = [
    ...Array.from({ length: 120 }, (_, i) => `user-${String(i).padStart(4, "0")}`),
    "rare-1",
    "rare-2",
    "Zed",
    "a\uffff",
    "a\uffffz",
    "a\u{10ffff}",
    "a\u{10ffff}b",
    "a\u{1f600}",
    "b",
    "é",
    "%",
    "_x",
    "50%_off",
    "with/slash",
  ];

  beforeAll(async () => {
    await seed(ft, ids);
    // neighbours that share a textual prefix with the type must never leak in
    await seed("br/x2", ["user-0001", "rare-1"]);
    await seed("br/x-y", ["rare-1"]);
    await seed("other/x", ["rare-1"]);
  });

  it("pages every address exactly once, sorted by id in code point order", async () => {
    const { ids: seen, pages } = await walk(ft, { limit: 7 });
    expect(seen).toEqual([...ids].sort(byCodePoint));
    expect(pages).toBe(Math.ceil(ids.length / 7));
  });

  it("finds a rare prefix on the first page, whatever else the type holds, and says there is no more", async () => {
    const page = await list(ft, { prefix: "rare-", limit: 5 });
    expect(page.addresses.map((a) => a.id)).toEqual(["rare-1", "rare-2"]);
    expect(page.next).toBeNull();
    expect(page.prev).toBeNull();
    expect(page.addresses[0]).toMatchObject({ address: "br/x/rare-1", version: 3, status: "idle", mailboxLength: 0, checkpointedVersion: 3, parked: false });
    expect(Date.parse(page.addresses[0].updatedAt!)).toBe(1700000000000);
  });

  it("takes the prefix literally and at the edges of UTF-8", async () => {
    const cases: Record<string, string[]> = {
      "%": ["%"],
      _: ["_x"],
      "50%": ["50%_off"],
      "a\uffff": ["a\uffff", "a\uffffz"],
      "a\u{10ffff}": ["a\u{10ffff}", "a\u{10ffff}b"],
      a: ["a\uffff", "a\uffffz", "a\u{10ffff}", "a\u{10ffff}b", "a\u{1f600}"].sort(byCodePoint),
      "with/": ["with/slash"],
      "user-011": Array.from({ length: 10 }, (_, i) => `user-011${i}`),
      nothing: [],
    };
    for (const [prefix, want] of Object.entries(cases)) expect((await walk(ft, { prefix, limit: 3 })).ids, prefix).toEqual(want);
  });

  it("follows a prefix across pages with a cursor, and back with prev", async () => {
    const p1 = await list(ft, { prefix: "user-00", limit: 40 });
    expect(p1.addresses.map((a) => a.id)).toEqual(Array.from({ length: 40 }, (_, i) => `user-${String(i).padStart(4, "0")}`));
    const p2 = await list(ft, { prefix: "user-00", limit: 40, cursor: p1.next! });
    const p3 = await list(ft, { prefix: "user-00", limit: 40, cursor: p2.next! });
    expect(p2.addresses.map((a) => a.id)).toEqual(Array.from({ length: 40 }, (_, i) => `user-${String(40 + i).padStart(4, "0")}`));
    expect(p3.addresses.map((a) => a.id)).toEqual(Array.from({ length: 20 }, (_, i) => `user-${String(80 + i).padStart(4, "0")}`));
    expect(p3.next).toBeNull();
    const back = await list(ft, { prefix: "user-00", limit: 40, cursor: p3.prev! });
    expect(back.addresses.map((a) => a.id)).toEqual(p2.addresses.map((a) => a.id));
    const first = await list(ft, { prefix: "user-00", limit: 40, cursor: back.prev! });
    expect(first.addresses.map((a) => a.id)).toEqual(p1.addresses.map((a) => a.id));
    expect(first.prev).toBeNull();
    expect(first.next).toBeTruthy();
  });

  it("jumps to an exact id, or to the id after where it would be", async () => {
    const hit = await list(ft, { id: "user-0100", limit: 3 });
    expect(hit.found).toBe(true);
    expect(hit.addresses.map((a) => a.id)).toEqual(["user-0100", "user-0101", "user-0102"]);
    expect(hit.prev).toBeTruthy();
    expect((await list(ft, { cursor: hit.prev!, limit: 2 })).addresses.map((a) => a.id)).toEqual(["user-0098", "user-0099"]);
    const miss = await list(ft, { id: "user-0100x", limit: 2 });
    expect(miss.found).toBe(false);
    expect(miss.addresses.map((a) => a.id)).toEqual(["user-0101", "user-0102"]);
    const start = await list(ft, { id: "%", limit: 2 });
    expect(start).toMatchObject({ found: true, prev: null });
    // with a prefix the jump stays inside it
    const inPrefix = await list(ft, { prefix: "rare-", id: "rare-2" });
    expect(inPrefix.addresses.map((a) => a.id)).toEqual(["rare-2"]);
    expect(inPrefix.found).toBe(true);
  });

  it("refuses a cursor of another listing, a forged one, and id with cursor, with a 400", async () => {
    const page = await list(ft, { limit: 1 });
    await expect(list(ft, { prefix: "user", cursor: page.next! })).rejects.toThrow(/another function type or prefix/);
    await expect(list("br/x2", { cursor: page.next! })).rejects.toThrow(/another function type or prefix/);
    await expect(list(ft, { id: "b", cursor: page.next! })).rejects.toThrow(/either id/);
    for (const cursor of ["garbage", Buffer.from('{"s":0,"c":"0","f":1}').toString("base64url"), Buffer.from('{"a":"x","b":"y","f":1}').toString("base64url")])
      await expect(list(ft, { cursor })).rejects.toThrow(/cursor/);
  });

  it("answers over HTTP with the contract's shape, and 400 for bad query input", async () => {
    const call = (query: Record<string, string>) => callRoute(listRoute, "GET", { token: viewer, params: { namespace: "br", type: "x" }, query });
    const res = await call({ prefix: "rare-", limit: "1" });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ addresses: [{ id: "rare-1" }], prev: null, checkpoint: null });
    expect(res.json.next).toBeTruthy();
    const bad: Array<Record<string, string>> = [{ prefix: "a\u0000" }, { id: "" }, { id: "x\u0007" }, { id: "b", cursor: res.json.next as string }, { limit: "501" }];
    for (const q of bad) {
      const r = await call(q);
      expect(r.status, `${JSON.stringify(q)}: ${r.text}`).toBe(400);
    }
    expect((await call({ prefix: "" })).status).toBe(200);
  });

  it("reads each page with one index range scan, never a scan of the type or a sort of it", async () => {
    const c = await poolOf(ctx).connect();
    await c.query(`ANALYZE cp_address`);
    await c.query(`ANALYZE cp_message`);
    const plan = async (range: Parameters<typeof pageQuery>[1], descending = false) => {
      const { sql, params } = pageQuery(ft, range, 51, descending);
      // a table this small would be read whole: ask what the plan is when the index is the cheaper way (it is at scale: bench:address-list)
      await c.query(`SET enable_seqscan = off`);
      await c.query(`SET enable_bitmapscan = off`);
      try {
        return (await c.query<{ "QUERY PLAN": string }>(`EXPLAIN ${sql}`, params)).rows.map((r) => r["QUERY PLAN"]).join("\n");
      } finally {
        await c.query(`RESET enable_seqscan`);
        await c.query(`RESET enable_bitmapscan`);
      }
    };
    const lo = `${ft}/user-`;
    try {
    for (const text of [await plan({ ge: [lo], lt: [prefixUpperBound(lo)!] }), await plan({ ge: [lo], gt: `${lo}0050`, lt: [prefixUpperBound(lo)!] }), await plan({ ge: [lo], lt: [prefixUpperBound(lo)!, `${lo}0050`] }, true)]) {
      expect(text).toMatch(/Index Scan (Backward )?using cp_address_browse_idx on cp_address/);
      expect(text).toMatch(/cp_address_browse_idx on cp_address[^\n]*\n\s*Index Cond: \(\(function_type = [^\n]*address[^\n]*[<>]/);
      expect(text).toMatch(/Index Cond: \(address = r\.address\)/); // the "no cp_address row" test: a key probe per candidate
      expect(text).toMatch(/using cp_message_browse_idx on cp_message/);
      expect(text).not.toMatch(/Seq Scan|Bitmap/);
      // the only Sort is of the (at most 2 × limit) merged rows
      expect(text.match(/Sort {2}\(cost/g)?.length ?? 0).toBeLessThanOrEqual(1);
    }
    } finally {
      c.release();
    }
  });
});

describe("the live status of each row, from Redis", () => {
  const ft = "live/t";
  const entry = (n: number) => encodeEntry(`m${n}`, Date.now(), null, { typename: "live/go", hasValue: true, value: Buffer.from(String(n)) });

  it("shows idle, scheduled, in flight, waiting, parked and held, with the live version and mailbox length", async () => {
    const plane = planeOf(ctx);
    const k = plane.keys;
    const ids = ["held", "idle", "inflight", "parked", "scheduled", "waiting"];
    await seed(ft, ids, 1);
    const addr = (id: string) => `${ft}/${id}`;
    const p = (id: string) => k.partitionOf(addr(id));
    const r = ctx.redis;
    for (const id of ids) await r.hset(k.meta(p(id), addr(id)), "ver", "4");
    await r.hset(k.meta(p("scheduled"), addr("scheduled")), "sch", "1");
    await r.hset(k.meta(p("waiting"), addr("waiting")), "sch", "1");
    await r.rpush(k.waiting(p("waiting"), "live/*"), addr("waiting"));
    await r.hset(k.meta(p("inflight"), addr("inflight")), "sch", "1", "lease", "tok:0");
    await r.hset(k.meta(p("parked"), addr("parked")), "sch", "1", "pk", "1", "perr", "boom", "ps", "1", "patt", "3");
    await r.hset(k.meta(p("held"), addr("held")), "sch", "1");
    await r.hset(k.held(p("held")), addr("held"), ft);
    for (const id of ["scheduled", "waiting", "parked", "held", "inflight"]) await r.rpush(k.mailbox(p(id), addr(id)), entry(1), entry(2));
    await r.hset(k.state(p("idle"), addr("idle")), "_i", String(1800000000000));

    const page = await list(ft, {});
    const by = Object.fromEntries(page.addresses.map((a) => [a.id, a]));
    expect(Object.fromEntries(ids.map((id) => [id, by[id].status]))).toEqual({ held: "held", idle: "idle", inflight: "in-flight", parked: "parked", scheduled: "scheduled", waiting: "waiting" });
    for (const id of ids) expect(by[id]).toMatchObject({ version: 4, checkpointedVersion: 1, mailboxLength: id === "idle" ? 0 : 2, parked: id === "parked" });
    // the state hash's invoke time is later than the checkpoint's: the live one is shown
    expect(by.idle.updatedAt).toBe(new Date(1800000000000).toISOString());
  });
});

describe("addresses the checkpoint has not seen, and addresses with messages only", () => {
  const ft = "fresh/t";

  beforeAll(async () => {
    await planeOf(ctx).registerSpecs(ft, [{ name: "n", typename: "io.statefun.types/int", mode: "NONE", ms: 0 }]);
  });

  const patchNew = async (id: string) => {
    const r = await planeOf(ctx).patch(`${ft}/${id}`, 0, [{ name: "n", op: "M", value: Buffer.from(encodePrimitive("io.statefun.types/int", 1)) }], "{}");
    expect(r).toMatchObject({ version: 1 });
  };

  it("lists an address after the checkpoint round that follows its first change; the exact jump finds it at once", async () => {
    await patchNew("early");
    await checkpointNow(ctx);
    await patchNew("late");
    const before = await list(ft, {});
    expect(before.addresses.map((a) => a.id)).toEqual(["early"]);
    expect(before.checkpoint).toMatchObject({ pending: expect.any(Number) });
    const jump = await list(ft, { id: "late" });
    expect(jump.found).toBe(true);
    expect(jump.addresses[0]).toMatchObject({ id: "late", version: 1, checkpointedVersion: null, status: "idle" });
    expect(jump.prev).toBeTruthy(); // "early" is before it
    await checkpointNow(ctx);
    const after = await list(ft, {});
    expect(after.addresses.map((a) => [a.id, a.checkpointedVersion])).toEqual([
      ["early", 1],
      ["late", 1],
    ]);
    expect(after.checkpoint).toEqual({ lagMs: 0, pending: 0 });
  });

  it("lists an address with queued messages and no commit once, however long its mailbox", async () => {
    const plane = planeOf(ctx);
    const items = [
      ...Array.from({ length: 300 }, (_, n) => ({ address: `${ft}/queued`, functionType: ft, entry: encodeEntry(`q${n}`, Date.now(), null, { typename: "fresh/go", hasValue: true, value: Buffer.from("x") }), cap: 0 })),
      { address: `${ft}/another`, functionType: ft, entry: encodeEntry("a0", Date.now(), null, { typename: "fresh/go", hasValue: true, value: Buffer.from("x") }), cap: 0 },
      { address: `${ft}/early`, functionType: ft, entry: encodeEntry("e0", Date.now(), null, { typename: "fresh/go", hasValue: true, value: Buffer.from("x") }), cap: 0 },
    ];
    expect(new Set(await plane.enqueue(items, 60_000))).toEqual(new Set(["queued"]));
    await checkpointNow(ctx);
    expect(Number((await poolOf(ctx).query(`SELECT count(*) AS n FROM cp_message WHERE function_type = $1`, [ft])).rows[0].n)).toBe(302);
    const rows = (await walk(ft, { limit: 2 })).ids;
    expect(rows).toEqual(["another", "early", "late", "queued"]);
    const page = await list(ft, {});
    const by = Object.fromEntries(page.addresses.map((a) => [a.id, a]));
    expect(by.queued).toMatchObject({ version: 0, checkpointedVersion: null, updatedAt: null, mailboxLength: 300, status: "scheduled" });
    expect(by.early).toMatchObject({ version: 1, checkpointedVersion: 1, mailboxLength: 1, status: "scheduled" });
    expect((await list(ft, { prefix: "q" })).addresses.map((a) => a.id)).toEqual(["queued"]);
    expect((await list(ft, { prefix: "an", limit: 1 })).next).toBeNull();
  });
});
