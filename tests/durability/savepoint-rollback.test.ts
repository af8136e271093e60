import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { QueueEvents } from "bullmq";
import type { InboxArrival, MessagingCommand, StorageCommand } from "@/examples/functions/showcase";
import { CONTROL_QUEUE, closeControlQueue, savepointJobId } from "@/server/durability/control-queue";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { applyModule, playgroundPayloads, send, sendJson, sleep, waitRegistrySynced } from "../support/fixtures/plane";
import { showcaseModule } from "../support/fixtures/showcase-module";
import { startRecordingFunctions, type RecordingFunctions } from "../support/fixtures/recording-functions";
import { redisSnapshot, type DurableSnapshot } from "../support/durable-snapshot";
import { planeOf } from "@/server/dispatch/plane";
import { createPgPool } from "@/server/pg";
import { addressRows } from "@/server/durability/savepoint-tables";
import { quiet as quietFixture, rollBack, takeSavepoint } from "../support/fixtures/savepoints";

// whole journeys through real workers (pauses, savepoints, rollbacks): slower than one test usually is
vi.setConfig({ testTimeout: 90_000 });

/**
 * Savepoints and online rollback, end to end through the API with real workers and the official-SDK showcase
 * functions: the rollback restores state, mailbox order and timers exactly, fences a commit that started before
 * it, can itself be undone, and leaves another application's addresses flowing and untouched.
 */
let env: DispatchEnv;
let fns: RecordingFunctions;
let slowMs = 0;
const APP = "showcase";
const OTHER = "greeter";

beforeAll(async () => {
  env = await createDispatchEnv({ DISPATCH_GROUP_LOCK_MS: "1000" });
  fns = await startRecordingFunctions({ delayMs: (t) => (t === "showcase/storage" ? slowMs : 0) });
  await applyModule(env, APP, showcaseModule(fns.url));
  await applyModule(env, OTHER, `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: example/*\n  urlPathTemplate: ${fns.url}\n---\nkind: io.statefun.playground.v1/egress\nspec:\n  port: 8091\n  topics: [greetings]\n`);
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await closeControlQueue(env.ctx);
  await fns?.close();
  await env?.stop();
});

const storage = (id: string, cmd: StorageCommand) => sendJson(env, `showcase/storage/${id}`, "showcase/StorageCommand", cmd);
const messaging = (id: string, cmd: MessagingCommand) => sendJson(env, `showcase/messaging/${id}`, "showcase/MessagingCommand", cmd);
const fanout = (id: string, to: string, count: number) => sendJson(env, `showcase/fanout/${id}`, "showcase/FanOut", { to, count });
const greet = (name: string) => send(env, `example/person/${name}`, JSON.stringify({ name }), "application/vnd.example/GreetRequest");
const arrivals = async (label: string) => (await playgroundPayloads<InboxArrival>(env.ctx, APP, "inbox")).filter((a) => a.label === label);

const quiet = () => quietFixture(env);
const planeKeys = () => planeOf(env.ctx).keys;

async function pause(paused: boolean): Promise<void> {
  expect((await env.call("POST", `/api/v1/applications/{app}/${paused ? "pause" : "resume"}`, { params: { app: APP } })).status).toBe(200);
  await waitRegistrySynced(env);
}

const savepoint = (label: string) => takeSavepoint(env, APP, label);

async function rollback(id: string): Promise<{ preRollbackSavepointId: string }> {
  const r = await rollBack(env, APP, id);
  expect(r.note).toMatch(/not recalled/);
  // the caller can watch the job itself: finished, with what it did and how long each phase took
  const job = await waitFor(async () => {
    const j = await env.call("GET", "/api/v1/jobs/{jobId}", { params: { jobId: r.jobId } });
    return j.json.state === "completed" ? j.json : null;
  }, 5_000, 50);
  expect(job.result).toMatchObject({ application: APP, phases: expect.objectContaining({ fencing: expect.any(Number), restoring: expect.any(Number), verifying: expect.any(Number) }) });
  return r;
}

/** The application's part of the durable snapshot, without versions (a rollback gives new, higher ones). */
function ofApp(s: DurableSnapshot) {
  const pick = <T>(o: Record<string, T>) => Object.fromEntries(Object.entries(o).filter(([a]) => a.startsWith("showcase/")));
  const addresses = Object.fromEntries(Object.entries(pick(s.addresses)).map(([a, v]) => [a, { invokedAt: v.invokedAt, values: v.values }]));
  const timers = Object.fromEntries(Object.entries(s.timers).filter(([, t]) => Buffer.from(t.b64, "base64").includes("showcase/messaging/")));
  return { addresses: Object.fromEntries(Object.entries(addresses).filter(([, v]) => Object.keys(v.values).length > 0)), mailboxes: pick(s.mailboxes), timers };
}

describe("savepoints", () => {
  it("a savepoint is a BullMQ control job whose progress a caller can watch, and records what it holds", async () => {
    for (let i = 0; i < 5; i++) expect((await storage(`a${i}`, { op: "write", value: `v${i}` })).status).toBe(202);
    await quiet();
    const events = new QueueEvents(CONTROL_QUEUE, { connection: { url: env.ctx.env.REDIS_URL }, prefix: env.ctx.keys.bullPrefix });
    await events.waitUntilReady();
    const phases: string[] = [];
    events.on("progress", ({ data }) => phases.push((data as { phase: string }).phase));
    const sp = await savepoint("first");
    await waitFor(async () => phases.includes("complete"), 5_000).finally(() => events.close());
    expect(phases).toEqual(expect.arrayContaining(["waiting-for-checkpoint", "copying", "complete"]));
    expect(sp).toMatchObject({ status: "complete", origin: "manual", label: "first", application: APP, addresses: 5 });
    expect(sp.values).toBe(15); // an_int, after_write, after_call
    expect(sp.functionTypes).toEqual(["showcase/storage"]);
    expect(Number(sp.bytes)).toBeGreaterThan(0);
    expect(savepointJobId(sp.id)).toContain(sp.id);
    expect(sp.base).toBeNull(); // the application's first: every address read from the checkpoint
  });

  it("a later savepoint is a delta: it stores the addresses changed since the last full one, shares the others' rows with it, and reads as the rows the checkpoint holds", async () => {
    const first = (await env.call("GET", "/api/v1/applications/{app}/savepoints", { params: { app: APP } })).json.savepoints[0];
    expect((await storage("a1", { op: "write", value: "changed" })).status).toBe(202);
    expect((await storage("a3", { op: "set-json", greeting: "gone" })).status).toBe(202);
    expect((await storage("a3", { op: "delete-json" })).status).toBe(202);
    expect((await storage("b0", { op: "write", value: "new" })).status).toBe(202);
    expect((await fanout("f9", "c9", 2)).status).toBe(202); // addresses of types the first savepoint did not have
    await quiet();
    const sp = await savepoint("second");
    // of the first's five addresses, a0, a2 and a4 are unchanged (a3's value came and went, but it was invoked)
    expect(sp.base).toEqual({ id: first.id, addresses: 3 });
    const pool = createPgPool(env.ctx.databaseUrl, 1);
    try {
      const rows = async (sql: string, params: unknown[]) =>
        (await pool.query(sql, params)).rows.map((r) => JSON.stringify(r, (_, v) => (v && v.type === "Buffer" ? Buffer.from(v.data).toString("base64") : v)));
      const saved = await rows(
        `SELECT s.address, s.function_type, s.version::text, s.invoked_at::text, u.name, u.value, u.written_at::text
           FROM ${addressRows({ id: sp.id, baseId: first.id, functionTypes: sp.functionTypes })} s
           LEFT JOIN LATERAL unnest(s.value_names, s.value_data, s.value_written) AS u(name, value, written_at) ON true
          ORDER BY 1, 5`,
        [],
      );
      // a delta: its own table holds only the changed addresses, the base's rows stand for the others
      const own = await pool.query(`SELECT address FROM savepoint_address WHERE savepoint_id = $1 ORDER BY 1`, [sp.id]);
      expect(own.rows.map((r) => r.address)).not.toContain("showcase/storage/a0");
      expect(own.rows.length).toBe(sp.addresses - 3);
      const live = await rows(
        `SELECT a.address, a.function_type, a.version::text, a.invoked_at::text, v.name, v.value, v.written_at::text
           FROM cp_address a LEFT JOIN cp_value v ON v.address = a.address WHERE a.function_type = ANY($1) ORDER BY 1, 5`,
        [sp.functionTypes],
      );
      expect(saved.length).toBeGreaterThan(15);
      expect(saved).toEqual(live);
    } finally {
      await pool.end();
    }
  });
});

describe("rollback", () => {
  let target: { id: string; [k: string]: unknown };
  let atSavepoint: ReturnType<typeof ofApp>;

  it("restores state, mailboxes in order and timers exactly; versions only go up; another application keeps flowing", async () => {
    // state, a pending delayed message (a minute away), and messages waiting in mailboxes (application paused)
    for (let i = 0; i < 3; i++) expect((await fanout(`f${i}`, `c${i}`, 5)).status).toBe(202);
    expect((await messaging("m", { op: "schedule", to: "box", label: "pending", delayMs: 60_000, token: "keep" })).status).toBe(202);
    await quiet();
    await pause(true);
    expect((await fanout("fq", "cq", 4)).status).toBe(202);
    for (let i = 0; i < 3; i++) expect((await storage("q1", { op: "write", value: `q${i}` })).status).toBe(202);
    await quiet();
    target = await savepoint("before the mess");
    const savedRaw = await redisSnapshot(env.ctx);
    atSavepoint = ofApp(savedRaw);
    expect(target).toMatchObject({ timers: 1, messages: 4 });
    expect(atSavepoint.mailboxes["showcase/storage/q1"]).toHaveLength(3);
    await pause(false);
    await quiet();

    // the mess: overwrite, new addresses, cancel the pending timer, a new timer
    for (let i = 0; i < 5; i++) expect((await storage(`a${i}`, { op: "write", value: `mess${i}` })).status).toBe(202);
    for (let i = 0; i < 3; i++) expect((await storage(`new${i}`, { op: "write", value: "x" })).status).toBe(202);
    expect((await fanout("f0", "c0", 3)).status).toBe(202);
    expect((await messaging("m", { op: "cancel", token: "keep" })).status).toBe(202);
    expect((await messaging("m", { op: "schedule", to: "box", label: "mess", delayMs: 60_000 })).status).toBe(202);
    await quiet();
    expect(ofApp(await redisSnapshot(env.ctx))).not.toEqual(atSavepoint);

    // the other application flows during the rollback; this one is paused, so the restored mailboxes stay put
    await pause(true);
    const beforeRollback = await redisSnapshot(env.ctx);
    const otherSent = (async () => {
      for (let i = 0; i < 20; i++) {
        expect((await greet("bob")).status).toBe(202);
        await sleep(50);
      }
    })();
    await rollback(target.id);
    await otherSent;

    const after = await redisSnapshot(env.ctx);
    expect(ofApp(after)).toEqual(atSavepoint);
    // an address the rollback rewrote has a version above any used before; one whose state and mailbox already
    // were the savepoint's was left alone, version and all
    const maxBefore = Math.max(...Object.values(beforeRollback.addresses).map((a) => a.version));
    const content = (s: DurableSnapshot, a: string) => JSON.stringify([s.addresses[a] ? { ...s.addresses[a], version: 0 } : null, s.mailboxes[a] ?? []]);
    const rewritten = Object.keys(after.addresses).filter((a) => a.startsWith("showcase/") && content(beforeRollback, a) !== content(savedRaw, a));
    const untouched = Object.keys(after.addresses).filter((a) => a.startsWith("showcase/") && !rewritten.includes(a));
    expect(rewritten).toEqual(expect.arrayContaining(["showcase/storage/a0", "showcase/storage/new0", "showcase/counter/c0"]));
    expect(untouched).toEqual(expect.arrayContaining(["showcase/counter/c1", "showcase/fanout/f1"]));
    for (const a of rewritten) expect(after.addresses[a].version, a).toBeGreaterThan(maxBefore);
    for (const a of untouched) expect(after.addresses[a].version, a).toBe(beforeRollback.addresses[a].version);
    // a rollback leaves a paused application paused; resumed, the restored messages run once each, in order
    expect((await env.call("GET", "/api/v1/applications/{app}", { params: { app: APP } })).json.paused).toBe(true);
    await pause(false);
    const seqs = async () =>
      (await env.call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: { namespace: "showcase", type: "counter", id: "cq" } })).json.values?.find((v: { name: string }) => v.name === "seqs")?.value;
    await waitFor(async () => (await seqs())?.length === 4, 15_000, 100);
    await quiet();
    expect(await seqs()).toEqual([1, 2, 3, 4]);
    // q1's restored writes ran, the last one last: from its history, as after_write expires 800 ms after the write
    // (reading the state raced the expiry: the write lands as soon as the application resumes)
    const q1 = await env.call("GET", "/api/v1/state/{namespace}/{type}/{id}/history", { params: { namespace: "showcase", type: "storage", id: "q1" } });
    const [latest] = q1.json.commits as Array<{ version: number; mutations: Array<{ name: string; value?: unknown }> }>;
    expect(latest.version).toBeGreaterThan(after.addresses["showcase/storage/q1"].version);
    expect(latest.mutations).toContainEqual(expect.objectContaining({ name: "after_write", value: "q2" }));
    // the other application processed all 20 greetings, once each
    await waitFor(async () => (await env.egressPayloads(OTHER)).length >= 20, 20_000, 100);
    await sleep(300);
    expect((await env.egressPayloads(OTHER)).map((g) => g.topic)).toEqual(Array(20).fill("greetings"));
  });

  it("the rollback is undone by rolling back onto its automatic pre-rollback savepoint", async () => {
    for (let i = 0; i < 2; i++) expect((await storage(`a${i}`, { op: "write", value: "again" })).status).toBe(202);
    await quiet();
    await pause(true);
    expect((await storage("q2", { op: "write", value: "queued" })).status).toBe(202);
    await quiet();
    const changed = ofApp(await redisSnapshot(env.ctx));
    const { preRollbackSavepointId } = await rollback(target.id);
    expect(ofApp(await redisSnapshot(env.ctx))).toEqual(atSavepoint);
    const pre = await env.call("GET", "/api/v1/savepoints/{id}", { params: { id: preRollbackSavepointId } });
    expect(pre.json).toMatchObject({ status: "complete", origin: "pre-rollback", messages: 1 });
    await rollback(preRollbackSavepointId);
    expect(ofApp(await redisSnapshot(env.ctx))).toEqual(changed);
    await pause(false);
  });

  it("a commit of a call that started before the rollback is rejected (fenced), and a restored delayed message fires once", async () => {
    await quiet();
    expect((await messaging("m", { op: "schedule", to: "box", label: "fires-once", delayMs: 2_500 })).status).toBe(202);
    await quiet();
    const sp = await savepoint("with a timer due soon");
    const saved = ofApp(await redisSnapshot(env.ctx));
    // it fires in the timeline the rollback abandons…
    await waitFor(async () => (await arrivals("fires-once")).length === 1, 10_000, 100);
    slowMs = 3_000;
    expect((await storage("a0", { op: "write", value: "slow-call" })).status).toBe(202);
    await waitFor(async () => fns.to("showcase/storage/a0").some((r) => Date.now() - r.at < 2_000 && r.body.includes("slow-call")), 5_000);
    const firedBefore = 1;
    // the restore tells the runners it wrote timers (`t<partition>` on the bell), so they need not wait for a sweep
    const bellHeard: string[] = [];
    const sub = env.ctx.redis.duplicate();
    sub.on("message", (_c: string, m: string) => bellHeard.push(m));
    await sub.subscribe(planeKeys().bell);
    await rollback(sp.id).finally(() => sub.quit());
    expect(bellHeard).toContain(`t${planeKeys().partitionOf("showcase/messaging/m")}`);
    slowMs = 0;
    await sleep(3_500); // the slow call finishes now and tries to commit
    const now = ofApp(await redisSnapshot(env.ctx));
    expect(now.addresses["showcase/storage/a0"]).toEqual(saved.addresses["showcase/storage/a0"]);
    // …and, restored with its absolute due time (now past), once more after the rollback — not twice
    await waitFor(async () => (await arrivals("fires-once")).length > firedBefore, 10_000, 100);
    await sleep(500);
    expect((await arrivals("fires-once")).length - firedBefore).toBe(1);
  });

  it("a rollback onto a delta savepoint restores it exactly: the addresses it shares with its base come from there", async () => {
    await quiet();
    const before = await savepoint("before");
    expect((await storage("a1", { op: "write", value: "only-change" })).status).toBe(202);
    await quiet();
    const delta = await savepoint("delta");
    // its base is the application's newest full savepoint: `before` itself, or the one `before` is a delta of
    expect(delta.base?.id).toBe(before.base?.id ?? before.id);
    expect(delta.base!.addresses).toBeGreaterThan(0);
    expect(delta.base!.addresses).toBeLessThan(delta.addresses);
    const saved = ofApp(await redisSnapshot(env.ctx));
    for (let i = 0; i < 5; i++) expect((await storage(`a${i}`, { op: "write", value: `later${i}` })).status).toBe(202);
    expect((await storage("a9", { op: "write", value: "new" })).status).toBe(202);
    await quiet();
    expect(ofApp(await redisSnapshot(env.ctx))).not.toEqual(saved);
    await rollback(delta.id);
    expect(ofApp(await redisSnapshot(env.ctx))).toEqual(saved);
  });
});
