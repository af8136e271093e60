import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { DataPlane, type Claimed, type CommitPlan, type TimerOp } from "@/server/dispatch/data-plane";
import { encodeEntry } from "@/server/dispatch/entries";
import { functionTypeOf, parseAddress } from "@/server/dispatch/keys";
import { ChangeFold } from "@/server/durability/changelog";
import { Checkpointer, type RoundResult } from "@/server/durability/checkpointer";
import { applyFold, readCursor } from "@/server/durability/checkpoint-store";
import { checkpointStatusKey, LagGate, readCheckpointLag } from "@/server/durability/lag";
import { createLogger } from "@/server/logger";
import { createPgPool, inTransaction } from "@/server/pg";
import { encodePrimitive } from "@/server/protocol/typed-values";
import { createTestContext, type TestContext } from "../support/test-context";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { startEoFunction, type EoFunction } from "../support/eo-function";
import { postgresSnapshot, redisSnapshot, sizeOf } from "../support/durable-snapshot";
import { readInt } from "../support/read-state";
import { keysOf, sleep, waitRegistrySynced } from "../support/fixtures/plane";
import { waitFor } from "../support/processes";

/**
 * The checkpointer against a data plane driven directly (no worker): Postgres must end equal to Redis however
 * rounds fail or race, because the cursor check under the cursor's row lock, not process memory, decides
 * which range a round may apply.
 */
const P = 8;
const INT = "io.statefun.types/int";
const HOUR = 3_600_000;
const int = (n: number) => Buffer.from(encodePrimitive(INT, n));
const message = (id: string) => encodeEntry(id, Date.now(), null, { typename: "cp/go", hasValue: true, value: Buffer.from(id) });

interface Plane {
  ctx: TestContext;
  pool: pg.Pool;
  dp: DataPlane;
  checkpointer(cfg?: { batch?: number; retain?: number }): Checkpointer;
}

async function createPlane(): Promise<Plane> {
  const ctx = await createTestContext({ STATEHOUSE_PARTITIONS: String(P), DISPATCH_GROUPS: "1" });
  const pool = createPgPool(ctx.databaseUrl, 6);
  const dp = new DataPlane(ctx.redis, ctx.env.STATEHOUSE_REDIS_PREFIX, P, 1);
  await dp.initMarker();
  // quiet: racing rounds warn on every refusal
  const log = createLogger("error");
  // a small batch makes most catch-ups take several rounds and cut inside a partition's stream
  const checkpointer = (cfg: { batch?: number; retain?: number } = {}) => new Checkpointer(ctx.redis, pool, dp.keys, log, { batch: cfg.batch ?? 16, retain: cfg.retain ?? 0 });
  return { ctx, pool, dp, checkpointer };
}

/** A plane of its own for the describe block it is called in. */
function planePerBlock(): () => Plane {
  let x: Plane | undefined;
  beforeAll(async () => {
    x = await createPlane();
  });
  afterAll(async () => {
    await x?.pool.end();
    await x?.ctx.cleanup();
  });
  return () => x!;
}

/**
 * Changes of every durable kind: messages enqueued, commits that write and delete values, consume all or part
 * of a mailbox, send to addresses in other partitions, set delayed messages (an hour away with a token, or due
 * at once and fired here) and cancel them by token, and operator patches. Counts what Redis must hold.
 */
class Workload {
  /** Messages that must be waiting in mailboxes. */
  messages = 0;
  /** Delayed messages that must be pending. */
  timers = 0;
  private step = 0;
  /** Per sender: the token key of its pending delayed message, cancelled at its next commit. */
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly dp: DataPlane,
    private readonly counters = 40,
  ) {}

  /** An address of `type` outside partition p. */
  private elsewhere(type: string, p: number, seed: number): string {
    for (let i = seed; ; i++) if (this.dp.keys.partitionOf(`${type}/${i % 25}`) !== p) return `${type}/${i % 25}`;
  }

  private plan(c: Claimed, j: number): CommitPlan {
    const s = this.step;
    const functionType = functionTypeOf(parseAddress(c.address)!);
    const consumed = j % 2 === 0 ? c.mailbox.length : 1;
    const out = (address: string, id: string) => ({ address, functionType: functionTypeOf(parseAddress(address)!), entry: message(id) });
    const outgoing = j % 3 === 0 ? [out(this.elsewhere("cp/sink", c.partition, s + j), `${c.address}@${c.version}#o0`)] : [];
    const timers: TimerOp[] = [];
    const pending = this.tokens.get(c.address);
    if (pending) {
      timers.push({ op: "C", tokenKey: pending });
      this.tokens.delete(c.address);
      this.timers--;
    } else if (j % 2 === 0) {
      const tokenKey = `${c.address}\0t${c.version}`;
      const timerId = `${c.address}@${c.version}#d0`;
      timers.push({ op: "S", tokenKey, timerId, delayMs: HOUR, target: out(this.elsewhere("cp/later", c.partition, s), timerId) });
      this.tokens.set(c.address, tokenKey);
      this.timers++;
    }
    if (j === 1) {
      const timerId = `${c.address}@${c.version}#d1`;
      timers.push({ op: "S", tokenKey: "", timerId, delayMs: 0, target: out(this.elsewhere("cp/sink", c.partition, s + 7), timerId) });
    }
    this.messages += outgoing.length - consumed;
    return {
      claimed: c,
      functionType,
      consumed,
      mutations: [{ name: "count", op: "M", value: int(c.version + 1) }, c.version % 2 === 0 ? { name: "note", op: "M", value: Buffer.from(`v${c.version}`) } : { name: "note", op: "D" }],
      outgoing,
      timers,
      egress: [],
      summary: "{}",
    };
  }

  async run(): Promise<void> {
    const s = this.step++;
    const items = Array.from({ length: this.counters }, (_, i) => i)
      .filter((i) => (i + s) % 3 !== 0)
      .map((i) => ({ address: `cp/counter/${i}`, functionType: "cp/counter", entry: message(`s${s}-${i}`), cap: 0 }));
    expect(new Set(await this.dp.enqueue(items, 60_000))).toEqual(new Set(["queued"]));
    this.messages += items.length;
    await Promise.all(
      Array.from({ length: P }, async (_, p) => {
        const claimed = await this.dp.claim(p, 3, 4, 60_000);
        for (const [j, c] of claimed.entries()) await this.dp.commit(this.plan(c, j));
      }),
    );
    const patchee = `cp/counter/${s % this.counters}`;
    const { conflict: version } = await this.dp.patch(patchee, -1, [], "{}"); // no version is -1: learns the current one
    expect(await this.dp.patch(patchee, version ?? 0, [{ name: "patched", op: "M", value: int(s) }], '{"patch":true}')).toHaveProperty("version");
    for (let p = 0; p < P; p++) this.messages += (await this.dp.fireTimers(p)).fired;
  }

  async runs(n: number): Promise<void> {
    for (let i = 0; i < n; i++) await this.run();
  }
}

/** Runs rounds until the cursor reaches the global sequence. */
async function catchUp(x: Plane, ...cps: Checkpointer[]): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const G = Number(await x.ctx.redis.get(x.dp.keys.seq));
    const rs = await Promise.all(cps.map((cp) => cp.round()));
    if (rs.some((r) => r.seq === G && !r.more)) return;
  }
  throw new Error("the checkpointer did not catch up in 1000 rounds");
}

/** Postgres equals Redis, and both hold exactly the messages and delayed messages the workload left. */
async function expectEqual(x: Plane, w: Workload): Promise<void> {
  const live = await redisSnapshot(x.ctx);
  const cp = await postgresSnapshot(x.pool);
  expect(sizeOf(live)).toMatchObject({ messages: w.messages, timers: w.timers });
  expect(sizeOf(cp)).toEqual(sizeOf(live));
  expect(cp).toEqual(live);
}

const streamLengths = (x: Plane) => Promise.all(Array.from({ length: P }, (_, p) => x.ctx.redis.xlen(x.dp.keys.changelog(p))));

/** What a checkpointer process killed after COMMIT and before XTRIM leaves behind. */
function killBeforeTrim(cp: Checkpointer): Checkpointer {
  Object.assign(cp, {
    trim: async () => {
      throw new Error("killed between COMMIT and trim");
    },
  });
  return cp;
}

describe("a checkpointer killed between COMMIT and trim", () => {
  const plane = planePerBlock();

  it("leaves no duplicate or gap: a new checkpointer resumes from the cursor in Postgres", async () => {
    const x = plane();
    const w = new Workload(x.dp);
    await w.runs(6);
    const G = Number(await x.ctx.redis.get(x.dp.keys.seq));
    await expect(killBeforeTrim(x.checkpointer({ batch: 100_000 })).round()).rejects.toThrow("killed between COMMIT and trim");
    // the round committed, and every entry it applied is still in the streams: the replay hazard is real
    expect((await readCursor(x.pool))?.seq).toBe(G);
    const untrimmed = (await streamLengths(x)).reduce((a, b) => a + b, 0);
    expect(untrimmed).toBeGreaterThan(50);

    await w.runs(6);
    const fresh = x.checkpointer();
    await catchUp(x, fresh);
    await expectEqual(x, w);
    expect(w.messages).toBeGreaterThan(30);
    expect(w.timers).toBeGreaterThan(3);
    // the killed round's leftovers went with the next trim (retain 0)
    expect(await streamLengths(x)).toEqual(Array(P).fill(0));
  });
});

describe("negative control: a replay that skips the cursor guard", () => {
  const plane = planePerBlock();

  /** The fold of every entry in (0, G], read straight from the streams. */
  async function foldAll(x: Plane, G: number): Promise<ChangeFold> {
    const fold = new ChangeFold();
    for (let p = 0; p < P; p++) for (const [id, fields] of (await x.ctx.redis.xrangeBuffer(x.dp.keys.changelog(p), "1", String(G))) as Array<[Buffer, Buffer[]]>) fold.add(p, id.toString(), fields);
    return fold;
  }

  it("a stale checkpointer is refused by the guard; the same range applied past it duplicates messages", async () => {
    const x = plane();
    const w = new Workload(x.dp);
    await w.runs(6);
    const G = Number(await x.ctx.redis.get(x.dp.keys.seq));
    // retain everything so the applied entries can be read again
    const first = x.checkpointer({ batch: 100_000, retain: 1_000_000 });
    expect(await first.round()).toMatchObject({ seq: G, more: false });
    await expectEqual(x, w);

    // with the guard: a checkpointer that believes the cursor is still 0 applies nothing
    const stale = x.checkpointer({ batch: 100_000 });
    Object.assign(stale, { cursor: 0 });
    expect(await stale.round()).toEqual<RoundResult>({ entries: 0, seq: 0, more: true });
    await expectEqual(x, w);

    // without it: the already-applied (0, G] again, with `from` set to wherever the cursor is now
    const fold = await foldAll(x, G);
    expect(fold.appends.length).toBeGreaterThan(0);
    const from = (await readCursor(x.pool))!.seq;
    const replay = await inTransaction(x.pool, (c) => applyFold(c, fold, from, G)).then(
      () => null,
      (e: Error) => e,
    );
    if (replay) expect(replay.message).toMatch(/duplicate key/);
    else expect(await postgresSnapshot(x.pool)).not.toEqual(await redisSnapshot(x.ctx));
  });
});

describe("two checkpointers racing", () => {
  const plane = planePerBlock();

  it("never apply a range twice while changes keep coming", async () => {
    const x = plane();
    const w = new Workload(x.dp);
    const a = x.checkpointer({ retain: 3 });
    const b = x.checkpointer({ batch: 5 });
    let refused = 0;
    for (let i = 0; i < 40; i++) {
      const [, ra, rb] = await Promise.all([w.run(), a.round(), b.round()]);
      for (const r of [ra, rb]) if (r.entries === 0 && r.more) refused++;
    }
    await catchUp(x, a, b);
    await expectEqual(x, w);
    // the race happened: rounds of both started from the same cursor and the row lock let one through
    expect(refused).toBeGreaterThan(0);
  });
});

describe("the lag gate", () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(async () => ctx.cleanup());

  // a prefix of its own, with a global sequence this test sets
  const prefix = () => `${ctx.env.STATEHOUSE_REDIS_PREFIX}:gate`;
  const seqKey = () => `${prefix()}:seq`;
  const status = (seq: number, since: number) => ctx.redis.hset(checkpointStatusKey(prefix()), { seq, since, pending: 0, at: Date.now() });

  it("is open with no checkpointer status, blocked past the cap, open again once caught up", async () => {
    const gate = new LagGate(ctx.redis, prefix(), seqKey(), 200, 0);
    await ctx.redis.set(seqKey(), 10);
    expect(await readCheckpointLag(ctx.redis, prefix(), seqKey())).toBeNull();
    expect(await gate.blocked()).toBe(false);

    await status(5, Date.now() - 10_000);
    expect(await readCheckpointLag(ctx.redis, prefix(), seqKey())).toMatchObject({ seq: 5, pending: 5, lagMs: expect.any(Number) });
    expect((await readCheckpointLag(ctx.redis, prefix(), seqKey()))!.lagMs).toBeGreaterThanOrEqual(10_000);
    expect(await gate.blocked()).toBe(true);
    // the cap is 0: never blocked
    expect(await new LagGate(ctx.redis, prefix(), seqKey(), 0, 0).blocked()).toBe(false);

    // pending, but younger than the cap
    await status(5, Date.now() - 50);
    expect(await gate.blocked()).toBe(false);

    // caught up: an old `since` no longer counts
    await status(10, Date.now() - 10_000);
    expect(await readCheckpointLag(ctx.redis, prefix(), seqKey())).toMatchObject({ seq: 10, pending: 0, lagMs: 0 });
    expect(await gate.blocked()).toBe(false);
  });
});

describe("a worker under the lag cap", () => {
  let env: DispatchEnv | undefined;
  let fn: EoFunction | undefined;
  afterEach(async () => {
    await env?.stop();
    await fn?.close();
  });

  it("stops claiming while the checkpoint status is stale, and dispatches once it is caught up", async () => {
    fn = await startEoFunction();
    env = await createDispatchEnv({ STATEHOUSE_PARTITIONS: "4", DISPATCH_GROUPS: "1" });
    const e = env;
    await e.call("POST", "/api/v1/applications", { body: { name: "eo" } });
    await e.call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "eo" }, body: { functions: "eo/*", urlPathTemplate: fn.url, skipProbe: true } });
    // no checkpointer: the status hash is only what this test writes
    await e.startWorker({ CHECKPOINT_ENABLED: "false", CHECKPOINT_LAG_CAP_MS: "300" });
    await waitRegistrySynced(e);
    const { prefix, seq: seqKey } = keysOf(e.ctx);
    const go = () => e.call("POST", "/api/v1/ingress", { raw: JSON.stringify({ target: "eo/counter/1", typename: "eo/go", value: {} }), contentType: "application/x-ndjson" });

    // control: with no status the gate is open
    expect((await go()).json.rejected).toEqual([]);
    await waitFor(async () => (await readInt(e.ctx, "eo/counter/1")) === 1, 15_000, 50);

    const calls = fn.calls();
    await e.ctx.redis.hset(checkpointStatusKey(prefix), { seq: 0, since: Date.now() - 10_000, pending: 1, at: Date.now() });
    await sleep(300); // past the gate's refresh interval
    expect((await go()).json.rejected).toEqual([]);
    await sleep(1_500);
    expect(await readInt(e.ctx, "eo/counter/1")).toBe(1);
    expect(fn.calls()).toBe(calls);

    const G = Number(await e.ctx.redis.get(seqKey));
    await e.ctx.redis.hset(checkpointStatusKey(prefix), { seq: G, since: Date.now(), pending: 0, at: Date.now() });
    await waitFor(async () => (await readInt(e.ctx, "eo/counter/1")) === 2, 5_000, 50);
  }, 60_000);
});
