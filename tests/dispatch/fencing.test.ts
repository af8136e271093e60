import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DataPlane, FencedError, type Claimed } from "@/server/dispatch/data-plane";
import { encodeEntry } from "@/server/dispatch/entries";
import { decodePrimitive, encodePrimitive } from "@/server/protocol/typed-values";
import { createTestContext, type TestContext } from "../support/test-context";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { startEoFunction, type EoFunction } from "../support/eo-function";
import { faultyScripts, NO_LEASE_CHECK, NO_VERSION_CHECK } from "../support/fault-lua";
import { changelog, partitioning, readInt } from "../support/read-state";
import { waitFor } from "../support/processes";

const INT = "io.statefun.types/int";
const plan = (c: Claimed, count: number) => ({
  claimed: c,
  functionType: "eo/counter",
  consumed: c.mailbox.length,
  mutations: [{ name: "count", op: "M" as const, value: Buffer.from(encodePrimitive(INT, count)) }],
  outgoing: [],
  timers: [],
  egress: [],
  summary: "{}",
});

describe("commits are fenced by lease token and version (invariants 1 and 5)", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ STATEHOUSE_PARTITIONS: "4", DISPATCH_GROUPS: "1" });
  });
  afterAll(async () => ctx.cleanup());

  const plane = (overrides?: string) => new DataPlane(ctx.redis.duplicate(), ctx.env.STATEHOUSE_REDIS_PREFIX, 4, 1, overrides);

  /** Claims an address, lets the lease expire and be reaped, claims it again: returns the zombie and the live claim. */
  async function zombieAndLive(dp: DataPlane, address: string) {
    await dp.initMarker();
    const p = dp.keys.partitionOf(address);
    await dp.enqueue([{ address, functionType: "eo/counter", entry: encodeEntry("m1", Date.now(), null, { typename: "eo/go", hasValue: true, value: Buffer.from("{}") }), cap: 0 }], 60_000);
    const [zombie] = await dp.claim(p, 1, 10, 30);
    await new Promise((r) => setTimeout(r, 60));
    expect(await dp.reap(p)).toBe(1);
    const [live] = await dp.claim(p, 1, 10, 60_000);
    expect(live.token).not.toBe(zombie.token);
    return { zombie, live };
  }

  it("a late commit from an expired lease and a duplicate commit are refused; the live one applies once", async () => {
    const dp = plane();
    const { zombie, live } = await zombieAndLive(dp, "eo/counter/z1");
    await expect(dp.commit(plan(zombie, 100))).rejects.toBeInstanceOf(FencedError);
    expect(await dp.commit(plan(live, 1))).toMatchObject({ version: 1 });
    await expect(dp.commit(plan(live, 2))).rejects.toBeInstanceOf(FencedError);
    expect(await readInt(ctx, "eo/counter/z1")).toBe(1);
    expect((await changelog(ctx)).filter((e) => e.address === "eo/counter/z1")).toEqual([{ address: "eo/counter/z1", version: 1, consumed: 1 }]);
  });

  it("negative control: without the lease check the zombie's late commit is applied", async () => {
    const dp = plane(faultyScripts([NO_LEASE_CHECK]));
    const { zombie } = await zombieAndLive(dp, "eo/counter/z2");
    await dp.commit(plan(zombie, 100)); // accepted: the bug the real script prevents
    expect(await readInt(ctx, "eo/counter/z2")).toBe(100);
  });

  it("negative control: without lease and version checks a duplicate commit applies twice", async () => {
    const dp = plane(faultyScripts([NO_LEASE_CHECK, NO_VERSION_CHECK]));
    const { live } = await zombieAndLive(dp, "eo/counter/z3");
    await dp.commit(plan(live, 1));
    await dp.commit(plan(live, 1));
    const entries = (await changelog(ctx)).filter((e) => e.address === "eo/counter/z3");
    expect(entries.length).toBe(2);
  });

  it("versions never decrease and the partition epoch fences a commit claimed before it moved", async () => {
    const dp = plane();
    const address = "eo/counter/e1";
    const p = partitioning(ctx).partitionOf(address);
    await dp.enqueue([{ address, functionType: "eo/counter", entry: encodeEntry("m1", Date.now(), null, { typename: "eo/go", hasValue: true, value: Buffer.from("{}") }), cap: 0 }], 60_000);
    const [c] = await dp.claim(p, 1, 10, 60_000);
    await ctx.redis.incr(partitioning(ctx).epoch(p));
    await expect(dp.commit(plan(c, 5))).rejects.toBeInstanceOf(FencedError);
    expect(await readInt(ctx, address)).toBe(0);
  });
});

describe("an operator patch racing invocations is never lost, and never loses an invocation (invariant 6)", () => {
  let env: DispatchEnv | undefined;
  let fn: EoFunction | undefined;
  afterEach(async () => {
    await env?.stop();
    await fn?.close();
  });

  const COUNTERS = 5;
  const MESSAGES = 150;
  const PATCHES = 8;

  async function race(overrides?: string) {
    fn = await startEoFunction({ delayMs: 15 });
    env = await createDispatchEnv({ STATEHOUSE_PARTITIONS: "8", DISPATCH_GROUPS: "2", DISPATCH_LEASE_MS: "5000", ...(overrides ? { DISPATCH_LUA_OVERRIDES: overrides } : {}) });
    const e = env;
    await e.call("POST", "/api/v1/applications", { body: { name: "eo" } });
    await e.call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "eo" }, body: { functions: "eo/*", urlPathTemplate: fn.url, skipProbe: true, maxNumBatchRequests: 1 } });
    await e.startWorker();
    const dp = new DataPlane(e.ctx.redis, e.ctx.env.STATEHOUSE_REDIS_PREFIX, 8, 2);
    const k = dp.keys;
    // The patcher writes through a DataPlane of its own, which (unlike the ingress) never creates the data-plane
    // marker: wait for the worker's checkpointer to find this fresh deployment and create it.
    await waitFor(async () => (await e.ctx.redis.exists(k.marker)) === 1, 30_000, 50);
    const sender = (async () => {
      for (let i = 0; i < MESSAGES; i++) {
        const lines = Array.from({ length: COUNTERS }, (_, c) => JSON.stringify({ target: `eo/counter/${c}`, typename: "eo/go", value: {} }));
        // a mailbox holds one message at a time (maxNumBatchRequests 1): wait on 429
        for (;;) {
          const res = await e.call("POST", "/api/v1/ingress", { raw: lines.join("\n"), contentType: "application/x-ndjson" });
          if (!Array.isArray(res.json?.rejected)) throw new Error(`the batch ingress answered ${res.status}: ${res.text}`);
          if (res.json.rejected.length === 0) break;
          lines.splice(0, lines.length, ...res.json.rejected.map((r: { line: number }) => lines[r.line - 1]));
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    })();
    const patcher = (async () => {
      for (let i = 0; i < PATCHES; i++)
        for (let c = 0; c < COUNTERS; c++) {
          const address = `eo/counter/${c}`;
          const p = k.partitionOf(address);
          for (;;) {
            const [[, ver], [, raw]] = (await e.ctx.redis.multi().hget(k.meta(p, address), "ver").hgetBuffer(k.state(p, address), "v:count").exec()) as [[null, string | null], [null, Buffer | null]];
            const count = raw ? decodePrimitive(INT, raw) : 0;
            const r = await dp.patch(address, Number(ver ?? 0), [{ name: "count", op: "M", value: Buffer.from(encodePrimitive(INT, count + 1000)) }], '{"patch":true}');
            if ("version" in r) break;
          }
          await new Promise((r) => setTimeout(r, 7));
        }
    })();
    await Promise.all([sender, patcher]);
    const expected = MESSAGES + PATCHES * 1000;
    await waitFor(async () => {
      for (let c = 0; c < COUNTERS; c++) if ((await readInt(e.ctx, `eo/counter/${c}`)) < expected && (await e.ctx.redis.llen(k.mailbox(k.partitionOf(`eo/counter/${c}`), `eo/counter/${c}`))) > 0) return false;
      return true;
    }, 60_000, 100);
    await new Promise((r) => setTimeout(r, 500));
    return Promise.all(Array.from({ length: COUNTERS }, (_, c) => readInt(e.ctx, `eo/counter/${c}`)));
  }

  it("each counter ends at messages + patches × 1000", async () => {
    expect(await race()).toEqual(Array(COUNTERS).fill(MESSAGES + PATCHES * 1000));
  }, 120_000);

  it("negative control: with the version check removed from commit, patches are lost", async () => {
    const counts = await race(faultyScripts([NO_VERSION_CHECK]));
    expect(counts.some((c) => c < MESSAGES + PATCHES * 1000)).toBe(true);
  }, 120_000);
});
