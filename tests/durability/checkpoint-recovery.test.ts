import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type pg from "pg";
import type { InboxArrival, MessagingCommand, StorageCommand } from "@/examples/functions/showcase";
import { createPgPool } from "@/server/pg";
import { readCheckpointLag } from "@/server/durability/lag";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { wipeRedis } from "../support/durable-snapshot";
import { applyModule, keysOf, playgroundPayloads, sendJson, sleep, waitRegistrySynced } from "../support/fixtures/plane";
import { showcaseModule } from "../support/fixtures/showcase-module";
import { quiet as quietFixture } from "../support/fixtures/savepoints";
import { postgresSnapshot, redisSnapshot, sizeOf } from "../support/durable-snapshot";

// whole journeys through real workers (pauses, savepoints, rollbacks): slower than one test usually is
vi.setConfig({ testTimeout: 90_000 });

/**
 * The checkpointer (run by the worker) drains every change into Postgres, and a Redis that comes back empty is
 * rebuilt from it: official-SDK showcase functions (state writes, fan-out across partitions, delayed messages
 * with and without tokens, a cancellation) and messages waiting in the mailboxes of a paused application.
 */
let env: DispatchEnv;
let pool: pg.Pool;
const APP = "showcase";

beforeAll(async () => {
  env = await createDispatchEnv({ DISPATCH_GROUP_LOCK_MS: "1000" });
  pool = createPgPool(env.ctx.databaseUrl, 2);
  await applyModule(env, APP, showcaseModule(env.fns.url));
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await pool?.end();
  await env?.stop();
});

const storage = (id: string, cmd: StorageCommand) => sendJson(env, `showcase/storage/${id}`, "showcase/StorageCommand", cmd);
const messaging = (id: string, cmd: MessagingCommand) => sendJson(env, `showcase/messaging/${id}`, "showcase/MessagingCommand", cmd);
const fanout = (id: string, to: string, count: number) => sendJson(env, `showcase/fanout/${id}`, "showcase/FanOut", { to, count });
const arrivals = async (box: string) => (await playgroundPayloads<InboxArrival>(env.ctx, APP, "inbox")).filter((a) => a.self === box);

/** No new changelog entry for 600 ms, and the checkpoint holds all of it. */
const quiet = () => quietFixture(env, 600);

describe("checkpoints", () => {
  it("Postgres holds exactly what Redis holds once the checkpointer has drained: versions, values, mailboxes in order, timers", async () => {
    for (let i = 0; i < 5; i++) expect((await storage(`s${i}`, { op: "write", value: `v${i}` })).status).toBe(202);
    expect((await storage("s0", { op: "set-json", greeting: "hi" })).status).toBe(202);
    expect((await storage("s0", { op: "delete-json" })).status).toBe(202);
    // 3 × 40 messages from one commit each, into other partitions' mailboxes
    for (let i = 0; i < 3; i++) expect((await fanout(`f${i}`, `c${i}`, 40)).status).toBe(202);
    // pending timers (a minute away), one cancelled by its token
    expect((await messaging("m1", { op: "schedule", to: "later", label: "a", delayMs: 60_000, token: "t-a" })).status).toBe(202);
    expect((await messaging("m1", { op: "schedule", to: "later", label: "b", delayMs: 60_000, token: "t-b" })).status).toBe(202);
    expect((await messaging("m2", { op: "schedule", to: "later", label: "c", delayMs: 60_000 })).status).toBe(202);
    expect((await messaging("m1", { op: "cancel", token: "t-a" })).status).toBe(202);
    await quiet();

    // messages waiting in mailboxes: the application is paused, ingress still accepts
    expect((await env.call("POST", "/api/v1/applications/{app}/pause", { params: { app: APP } })).status).toBe(200);
    await waitRegistrySynced(env);
    for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expect((await storage(`held${i}`, { op: "write", value: `h${j}` })).status).toBe(202);
    await quiet();

    const live = await redisSnapshot(env.ctx);
    const cp = await postgresSnapshot(pool);
    expect(sizeOf(live)).toMatchObject({ timers: 2 });
    expect(sizeOf(live).messages).toBeGreaterThanOrEqual(12);
    expect(sizeOf(live).addresses).toBeGreaterThanOrEqual(11);
    expect(cp).toEqual(live);
    expect(live.addresses["showcase/counter/c1"]).toBeDefined();
    expect(live.addresses["showcase/storage/s0"].values.greet_json).toBeUndefined();
  });

  it("drained changelog entries are trimmed from the streams except the newest CHANGELOG_RETAIN per partition", async () => {
    const k = keysOf(env.ctx);
    const lag = (await readCheckpointLag(env.ctx.redis, k.prefix, k.seq))!;
    // every entry left in every stream is either drained (≤ cursor) and retained, or newer than the cursor
    for (let p = 0; p < k.partitions; p++) {
      const len = await env.ctx.redis.xlen(k.changelog(p));
      expect(len).toBeLessThanOrEqual(1000 + lag.pending);
    }
  });
});

describe("recovery when Redis comes back empty", () => {
  it("rebuilds state, mailboxes (in order) and timers as of the last checkpoint before dispatching again", async () => {
    // a short delayed message still pending at the loss: it must fire exactly once after the rebuild
    expect((await messaging("m3", { op: "schedule", to: "soon", label: "once", delayMs: 4_000 })).status).toBe(202);
    await quiet();
    const before = await redisSnapshot(env.ctx);
    expect(await postgresSnapshot(pool)).toEqual(before);

    // The deployment's Redis loses everything (FLUSHALL of this test's prefix: the Redis server is shared).
    const k = keysOf(env.ctx);
    expect(await wipeRedis(env.ctx)).toBeGreaterThan(0);

    await waitFor(async () => (await env.ctx.redis.exists(k.marker)) === 1, 20_000, 50);
    const after = await redisSnapshot(env.ctx);
    expect(sizeOf(after)).toEqual(sizeOf(before));
    expect(after).toEqual(before);

    // the waiting messages are processed after resume, each once, in order
    await waitRegistrySynced(env);
    expect((await env.call("POST", "/api/v1/applications/{app}/resume", { params: { app: APP } })).status).toBe(200);
    await waitFor(async () => {
      const s = await redisSnapshot(env.ctx);
      return Object.keys(s.mailboxes).filter((a) => a.startsWith("showcase/storage/held")).length === 0;
    }, 20_000, 100);
    // the delayed message (its target was paused too) fires once, from the restored timer
    await waitFor(async () => (await arrivals("soon")).length > 0, 15_000, 100);
    await sleep(500);
    expect((await arrivals("soon")).map((a) => a.label)).toEqual(["once"]);
    expect((await arrivals("soon"))[0].caller).toBe("showcase/messaging/m3");

    for (let i = 0; i < 4; i++) {
      const st = await env.call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: { namespace: "showcase", type: "storage", id: `held${i}` } });
      expect(st.json.values.find((v: { name: string }) => v.name === "an_int"), `held${i}: three writes, each once`).toMatchObject({ value: 3 });
    }
  });

  it("a Redis that comes back with older data than the checkpoint (its sequence behind the cursor) is rebuilt from the checkpoint", async () => {
    await quiet();
    const k = keysOf(env.ctx);
    const checkpoint = await postgresSnapshot(pool);
    const t0 = Date.now();
    // what an AOF a few seconds old would look like: an earlier sequence, an older value, a message not yet there
    const seq = Number(await env.ctx.redis.get(k.seq));
    const a = "showcase/storage/s1";
    await env.ctx.redis
      .multi()
      .set(k.seq, seq - 3)
      .hset(k.state(k.partitionOf(a), a), "v:after_write", "older")
      .exec();
    await waitFor(async () => {
      const m = await env.ctx.redis.get(k.marker);
      return m && JSON.parse(m).by === "recovery" && JSON.parse(m).createdAt >= t0;
    }, 20_000, 50);
    expect(await redisSnapshot(env.ctx)).toEqual(checkpoint);
  });
});
