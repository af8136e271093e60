import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { protoTypes } from "@/server/protocol/codec";
import { decodePrimitive } from "@/server/protocol/typed-values";
import {
  AFTER_CALL_TTL_MS,
  AFTER_WRITE_TTL_MS,
  KAFKA_EGRESS,
  KAFKA_TOPIC,
  type InboxArrival,
  type MessagingCommand,
  type StorageCommand,
  type StorageReport,
} from "@/examples/functions/showcase";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { showcaseModule } from "../support/fixtures/showcase-module";
import { startRecordingFunctions, type RecordingFunctions } from "../support/fixtures/recording-functions";
import { applyModule, egressRows, inspectAddress, pendingTimers, playgroundPayloads, send, sendJson, sleep, waitParked, waitRegistrySynced } from "../support/fixtures/plane";

/**
 * examples/functions/showcase.ts (official JS SDK) end to end: state DELETE and both TTL modes (§2.6), delayed
 * messages with cancellation (§2.7) including across a worker crash, and a Kafka egress record (§2.8).
 */
let env: DispatchEnv;
let fns: RecordingFunctions;
const APP = "showcase";


beforeAll(async () => {
  // A short BullMQ lock: after the SIGKILL below, the new worker takes the dead one's partition groups quickly.
  env = await createDispatchEnv({ DISPATCH_GROUP_LOCK_MS: "1000" });
  fns = await startRecordingFunctions();
  await applyModule(env, APP, showcaseModule(fns.url));
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await fns?.close();
  await env?.stop();
});


const storage = (id: string, cmd: StorageCommand) => sendJson(env, `showcase/storage/${id}`, "showcase/StorageCommand", cmd);
const messaging = (id: string, cmd: MessagingCommand) => sendJson(env, `showcase/messaging/${id}`, "showcase/MessagingCommand", cmd);
const reports = () => playgroundPayloads<StorageReport>(env.ctx, APP, "storage");
const arrivals = async (box: string) => (await playgroundPayloads<InboxArrival>(env.ctx, APP, "inbox")).filter((a) => a.self === box);

async function nextReport(id: string): Promise<StorageReport> {
  const before = (await reports()).length;
  expect((await storage(id, { op: "report" })).status).toBe(202);
  return waitFor(async () => (await reports())[before], 10_000);
}

describe("showcase/storage: DELETE and state TTLs", () => {
  it("DELETE clears a value: the next invocation gets the name without a value, and Redis holds nothing", async () => {
    expect((await storage("del", { op: "set-json", greeting: "hi" })).status).toBe(202);
    expect(await nextReport("del")).toEqual({ an_int: null, greet_json: { greeting: "hi" }, after_write: null, after_call: null });
    expect((await inspectAddress(env.ctx, "showcase/storage/del")).state.get("greet_json")!.toString()).toBe('{"greeting":"hi"}');

    expect((await storage("del", { op: "delete-json" })).status).toBe(202);
    expect((await nextReport("del")).greet_json).toBeNull();
    const view = await inspectAddress(env.ctx, "showcase/storage/del");
    expect(view.state.has("greet_json")).toBe(false);
    expect(view.stateFields.has("w:greet_json")).toBe(false);
    // the SDK sent a DELETE (mutation type 0: absent on the wire) with no value
    const deleting = fns.executed("showcase/storage/del").find((r) => r.batch.invocations.some((i) => Buffer.from(i.argument!.value).toString().includes("delete-json")))!;
    expect(deleting.reply!.invocationResult!.stateMutations).toEqual([{ mutationType: "DELETE", stateName: "greet_json", stateValue: null }]);
  });

  it("expireAfterWrite expires a value written once; expireAfterCall lives while invocations keep coming, then expires", async () => {
    const id = "ttl";
    expect((await storage(id, { op: "write", value: "v1" })).status).toBe(202);
    const fresh = await nextReport(id);
    expect(fresh).toEqual({ an_int: 1, greet_json: null, after_write: "v1", after_call: "v1" });
    const writtenAt = Date.now();

    // Keep invoking the address more often than the after-call TTL, for longer than the after-write TTL.
    while (Date.now() - writtenAt < AFTER_WRITE_TTL_MS + 250) {
      expect((await storage(id, { op: "touch" })).status).toBe(202);
      await sleep(80);
    }
    const kept = await nextReport(id);
    expect(kept.after_write, "expireAfterWrite: not refreshed by invocations").toBeNull();
    expect(kept.after_call, "expireAfterCall: refreshed by every invocation").toBe("v1");
    expect(kept.an_int, "a state without TTL is untouched").toBe(1);
    // the expired value is gone from Redis too, not only hidden
    expect((await inspectAddress(env.ctx, `showcase/storage/${id}`)).state.has("after_write")).toBe(false);

    // Now leave the address alone for longer than the after-call TTL.
    await sleep(AFTER_CALL_TTL_MS + 250);
    const idle = await nextReport(id);
    expect(idle).toEqual({ an_int: 1, greet_json: null, after_write: null, after_call: null });

    // The TTL specs were registered from the SDK's missing-values answer (AFTER_WRITE = 1, AFTER_INVOKE = 2).
    const specs = await env.ctx.redis.hgetall(`${env.ctx.env.STATEHOUSE_REDIS_PREFIX}:specs:showcase/storage`);
    expect(specs.after_write.split("\0")).toEqual(["io.statefun.types/string", "AFTER_WRITE", String(AFTER_WRITE_TTL_MS)]);
    expect(specs.after_call.split("\0")).toEqual(["io.statefun.types/string", "AFTER_INVOKE", String(AFTER_CALL_TTL_MS)]);
    expect(specs.an_int.split("\0")).toEqual(["io.statefun.types/int", "NONE", "0"]);
  });

  it("the function sees an expired value as absent (name only in the request)", () => {
    const last = fns.executed("showcase/storage/ttl").at(-1)!;
    const byName = new Map(last.batch.state.map((s) => [s.stateName, s.stateValue]));
    expect([...byName.keys()].sort()).toEqual(["after_call", "after_write", "an_int", "greet_json"]);
    expect(byName.get("after_write")).toBeNull();
    expect(byName.get("after_call")).toBeNull();
    expect(byName.get("greet_json")).toBeNull();
    expect(decodePrimitive("io.statefun.types/int", byName.get("an_int")!.value)).toBe(1);
  });
});

describe("showcase/messaging: delayed messages and cancellation (protocol §2.7)", () => {
  it("a delayed message without a token arrives once, after its delay, with caller = the sender", async () => {
    const box = "plain-box";
    expect((await messaging("p", { op: "schedule", to: box, label: "plain", delayMs: 300 })).status).toBe(202);
    const got = await waitFor(async () => (await arrivals(box))[0], 10_000);
    expect(got).toMatchObject({ label: "plain", caller: "showcase/messaging/p" });
    expect(got.receivedAt - got.scheduledAt).toBeGreaterThanOrEqual(300);
    await sleep(300);
    expect(await arrivals(box)).toHaveLength(1);
  });

  it("a delayed message with a cancellation token (never cancelled) arrives too", async () => {
    const box = "token-box";
    expect((await messaging("t", { op: "schedule", to: box, label: "tokened", delayMs: 100, token: "t-plain" })).status).toBe(202);
    const got = await waitFor(async () => (await arrivals(box))[0], 5_000).catch(() => null);
    expect(got, "the tokened delayed message was never delivered to showcase/inbox/token-box").toMatchObject({ label: "tokened", caller: "showcase/messaging/t" });
  });

  it("a cancelled delayed message never arrives; an uncancelled one arrives once, after its delay, from the sender", async () => {
    const box = "cancel-box";
    expect((await messaging("a", { op: "schedule", to: box, label: "doomed", delayMs: 1200, token: "t-doomed" })).status).toBe(202);
    expect((await messaging("a", { op: "schedule", to: box, label: "kept", delayMs: 600, token: "t-kept" })).status).toBe(202);
    expect((await messaging("a", { op: "cancel", token: "t-doomed" })).status).toBe(202);

    const kept = await waitFor(async () => (await arrivals(box))[0], 5_000);
    expect(kept.label).toBe("kept");
    expect(kept.caller).toBe("showcase/messaging/a");
    expect(kept.receivedAt - kept.scheduledAt).toBeGreaterThanOrEqual(600);

    // well past the cancelled one's due time
    const doomedScheduledAt = fns.executed("showcase/messaging/a")[0].at;
    await sleep(Math.max(0, doomedScheduledAt + 1200 + 700 - Date.now()));
    expect((await arrivals(box)).map((a) => a.label)).toEqual(["kept"]);
    expect(await pendingTimers(env.ctx)).toBe(0);

    // The delivered message's token is free again; scheduling it anew is not a duplicate.
    expect((await messaging("a", { op: "schedule", to: box, label: "again", delayMs: 50, token: "t-kept" })).status).toBe(202);
    await waitFor(async () => (await arrivals(box)).length === 2, 10_000);
    expect((await arrivals(box)).map((a) => a.label)).toEqual(["kept", "again"]);
    expect((await inspectAddress(env.ctx, "showcase/messaging/a")).parked).toBe(false);
  });

  it("a second pending delayed message with the same token parks the sender (StateFun: fatal)", async () => {
    const before = await pendingTimers(env.ctx);
    expect((await messaging("dup", { op: "schedule", to: "dup-box", label: "first", delayMs: 60_000, token: "same" })).status).toBe(202);
    await waitFor(async () => (await pendingTimers(env.ctx)) === before + 1, 10_000);
    expect((await messaging("dup", { op: "schedule", to: "dup-box", label: "second", delayMs: 60_000, token: "same" })).status).toBe(202);
    const view = await waitParked(env.ctx, "showcase/messaging/dup");
    expect(view.meta.perr).toBe(`bad reply from ${fns.url}: a delayed message with cancellation token "same" is already pending`);
    expect(view.mailbox).toHaveLength(1);
    expect(JSON.parse(Buffer.from(view.mailbox[0].argument!.value).toString()).label).toBe("second");
    // a cancellation is scoped to its sender: another address cancelling "same" leaves dup's message pending
    expect((await messaging("dup2", { op: "cancel", token: "same" })).status).toBe(202);
    await waitFor(async () => fns.executed("showcase/messaging/dup2").length === 1, 10_000);
    await sleep(200);
    expect(await pendingTimers(env.ctx)).toBe(before + 1);
  });
});

describe("showcase/egress: a Kafka egress record", () => {
  it("is stored as a KafkaProducerRecord with its topic, for the Kafka egress declared in the module", async () => {
    expect((await send(env, "showcase/egress/k1", "Ada", "text/plain")).status).toBe(202);
    const rows = await waitFor(async () => {
      const r = await egressRows(env.ctx, APP, KAFKA_EGRESS);
      return r.length ? r : null;
    }, 10_000);
    expect(rows).toHaveLength(1);
    expect(rows[0].typename).toBe("type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord");
    expect(rows[0].topic).toBe(KAFKA_TOPIC);
    expect(rows[0].source).toBe("showcase/egress/k1");
    const rec = protoTypes.KafkaProducerRecord.toObject(protoTypes.KafkaProducerRecord.decode(rows[0].value), { defaults: true }) as {
      key: string;
      valueBytes: Uint8Array;
      topic: string;
    };
    expect(rec.topic).toBe(KAFKA_TOPIC);
    expect(rec.key).toBe("k1");
    expect(Buffer.from(rec.valueBytes).toString()).toBe("hello Ada");
  });
});

describe("a delayed message survives a worker crash", () => {
  it("is delivered once by the next worker after the first one is SIGKILLed while it is pending", async () => {
    const box = "crash-box";
    const timersBefore = await pendingTimers(env.ctx);
    expect((await messaging("crash", { op: "schedule", to: box, label: "survivor", delayMs: 2500 })).status).toBe(202);
    await waitFor(async () => (await pendingTimers(env.ctx)) === timersBefore + 1, 10_000);

    const first = env.workers[0];
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    expect(await arrivals(box)).toEqual([]);

    await env.startWorker();
    const got = await waitFor(async () => (await arrivals(box))[0], 20_000);
    expect(got.label).toBe("survivor");
    expect(got.caller).toBe("showcase/messaging/crash");
    expect(got.receivedAt - got.scheduledAt).toBeGreaterThanOrEqual(2500);
    await sleep(1500);
    expect((await arrivals(box)).map((a) => a.label)).toEqual(["survivor"]);
    expect(fns.executed(`showcase/inbox/${box}`)).toHaveLength(1);
  });
});
