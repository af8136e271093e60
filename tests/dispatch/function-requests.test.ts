import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePrimitive } from "@/server/protocol/typed-values";
import type { Address } from "@/server/protocol/codec";
import type { InboxArrival, StorageCommand } from "@/examples/functions/showcase";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { startRecordingFunctions, type RecordedRequest, type RecordingFunctions } from "../support/fixtures/recording-functions";
import { applyModule, inspectAddress, playgroundPayloads, sendJson, waitRegistrySynced } from "../support/fixtures/plane";

/**
 * What the official-SDK functions actually receive from the dispatcher, checked against protocol §6 (and §2.1–2.4,
 * §2.9): the HTTP request, the state attached, callers, and batching of a backlog up to maxNumBatchRequests.
 */
let env: DispatchEnv;
let fns: RecordingFunctions;
const APP = "requests";
const COUNTER_CAP = 4;
const COUNTER_DELAY_MS = 150;

beforeAll(async () => {
  env = await createDispatchEnv();
  // showcase/counter is slow, so its backlog piles up behind each call.
  fns = await startRecordingFunctions({ delayMs: (t) => (t === "showcase/counter" ? COUNTER_DELAY_MS : 0) });
  await applyModule(
    env,
    APP,
    `
kind: io.statefun.endpoints.v2/http
spec:
  functions: showcase/*
  urlPathTemplate: ${fns.url}
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: showcase/counter
  urlPathTemplate: ${fns.url}
  maxNumBatchRequests: ${COUNTER_CAP}
---
kind: io.statefun.playground.v1/egress
spec:
  topics: [storage, inbox]
`,
  );
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await fns?.close();
  await env?.stop();
});

const addr = (a: Address | null) => (a ? `${a.namespace}/${a.type}/${a.id}` : null);
const storage = (id: string, cmd: StorageCommand) => sendJson(env, `showcase/storage/${id}`, "showcase/StorageCommand", cmd);

describe("the HTTP request (protocol §2.1)", () => {
  it("is a POST to the URL with exactly Content-Type application/octet-stream and a non-empty body", async () => {
    expect((await storage("h", { op: "touch" })).status).toBe(202);
    await waitFor(async () => fns.executed("showcase/storage/h").length === 1, 10_000);
    expect(fns.requests.length).toBeGreaterThan(0);
    for (const r of fns.requests) {
      expect(r.method).toBe("POST");
      expect(r.path).toBe("/statefun");
      const contentTypes = r.rawHeaders.filter((_, i) => i % 2 === 0 && r.rawHeaders[i].toLowerCase() === "content-type").length;
      expect(contentTypes).toBe(1);
      expect(r.headers["content-type"]).toBe("application/octet-stream");
      expect(r.headers.accept).toBe("application/octet-stream");
      expect(r.headers["user-agent"]).toBe("statefun");
      expect(Number(r.headers["content-length"])).toBe(r.body.length);
      expect(r.body.length).toBeGreaterThan(0);
      expect(r.body.subarray(0, 2).toString("hex")).toBe("a206"); // ToFunction field 100
    }
  });
});

describe("state attached to every call (protocol §2.3, §2.4)", () => {
  it("learns the specs through one missing-values round trip and resends the same invocations", () => {
    const first = fns.to("showcase/storage")[0];
    expect(first.batch.state).toEqual([]);
    expect(first.reply!.incompleteInvocationContext!.missingValues.map((m) => m.stateName)).toEqual(["an_int", "greet_json", "after_write", "after_call"]);
    const second = fns.to("showcase/storage")[1];
    expect(second.target).toBe(first.target);
    expect(second.batch.invocations).toEqual(first.batch.invocations);
    expect(second.reply!.invocationResult).toBeTruthy();
  });

  it("sends every registered state, name-only when absent, typed with the registered type when present", async () => {
    expect((await storage("s", { op: "write", value: "x" })).status).toBe(202);
    // one call each (sent together they could share a batch)
    await waitFor(async () => (await inspectAddress(env.ctx, "showcase/storage/s")).state.has("after_write"), 10_000);
    expect((await storage("s", { op: "report" })).status).toBe(202);
    await waitFor(async () => (await playgroundPayloads(env.ctx, APP, "storage")).length === 1, 10_000);
    const calls = fns.executed("showcase/storage/s");
    expect(calls.map((r) => r.batch.invocations.length)).toEqual([1, 1]);
    const byName = (r: RecordedRequest) => new Map(r.batch.state.map((s) => [s.stateName, s.stateValue]));

    // The first call: all four registered names, none with a value.
    const before = byName(calls[0]);
    expect([...before.keys()].sort()).toEqual(["after_call", "after_write", "an_int", "greet_json"]);
    expect([...before.values()].every((v) => v === null)).toBe(true);

    // The report's call: written values carry their registered typename and has_value; greet_json is name-only.
    const last = byName(calls.at(-1)!);
    expect([...last.keys()].sort()).toEqual(["after_call", "after_write", "an_int", "greet_json"]);
    expect(last.get("greet_json")).toBeNull();
    expect(last.get("an_int")).toMatchObject({ typename: "io.statefun.types/int", hasValue: true });
    expect(decodePrimitive("io.statefun.types/int", last.get("an_int")!.value)).toBe(1);
    expect(last.get("after_write")).toMatchObject({ typename: "io.statefun.types/string", hasValue: true });
    expect(decodePrimitive("io.statefun.types/string", last.get("after_write")!.value)).toBe("x");

    // A state the function does not write keeps its bytes across calls (no mutation = no change).
    const stored = (await inspectAddress(env.ctx, "showcase/storage/s")).state.get("an_int")!;
    expect(Buffer.from(last.get("an_int")!.value).equals(stored)).toBe(true);
  });
});

describe("callers (protocol §2.9)", () => {
  it("is absent for ingress messages and the sender for delayed messages", async () => {
    expect((await sendJson(env, "showcase/messaging/m", "showcase/MessagingCommand", { op: "schedule", to: "box", label: "d", delayMs: 50 })).status).toBe(202);
    await waitFor(async () => (await playgroundPayloads<InboxArrival>(env.ctx, APP, "inbox")).length === 1, 10_000);
    for (const r of fns.to("showcase/messaging")) expect(r.batch.invocations.map((i) => i.caller)).toEqual([null]);
    for (const r of fns.to("showcase/storage")) expect(r.batch.invocations.every((i) => i.caller === null)).toBe(true);
    const inbox = fns.executed("showcase/inbox/box");
    expect(inbox.flatMap((r) => r.batch.invocations.map((i) => addr(i.caller)))).toEqual(["showcase/messaging/m"]);
  });
});

describe("batching the backlog (protocol §2.2, §6.3)", () => {
  it("sends the queued messages of a slow address in batches of at most maxNumBatchRequests, in order, one call at a time", async () => {
    const N = 22;
    expect((await sendJson(env, "showcase/fanout/f", "showcase/FanOut", { to: "c", count: N })).status).toBe(202);
    await waitFor(async () => fns.executed("showcase/counter/c").reduce((n, r) => n + r.batch.invocations.length, 0) === N, 20_000);

    const calls = fns.executed("showcase/counter/c");
    const sizes = calls.map((r) => r.batch.invocations.length);
    // every request, including the missing-state round trip, carries at most the cap
    expect(Math.max(...fns.to("showcase/counter/c").map((r) => r.batch.invocations.length)), `batch sizes ${sizes.join(",")}`).toBeLessThanOrEqual(COUNTER_CAP);
    expect(sizes.filter((s) => s > 1).length, `batch sizes ${sizes.join(",")}`).toBeGreaterThan(0);
    // every message once, in the order the fanout sent them, each with the fanout as caller
    const seqs = calls.flatMap((r) => r.batch.invocations.map((i) => (JSON.parse(Buffer.from(i.argument!.value).toString()) as { seq: number }).seq));
    expect(seqs).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect(new Set(calls.flatMap((r) => r.batch.invocations.map((i) => addr(i.caller))))).toEqual(new Set(["showcase/fanout/f"]));
    // at most one request in flight per address, ever
    expect(fns.maxConcurrentPerAddress()).toBe(1);

    await waitFor(async () => (await inspectAddress(env.ctx, "showcase/counter/c")).mailbox.length === 0, 10_000);
    const view = await inspectAddress(env.ctx, "showcase/counter/c");
    expect(decodePrimitive("io.statefun.types/int", view.state.get("count")!)).toBe(N);
    expect(JSON.parse(view.state.get("seqs")!.toString())).toEqual(seqs);
  });
});
