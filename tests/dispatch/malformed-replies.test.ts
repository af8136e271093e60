import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeToFunction, encodeFromFunction, type Encodable, type FromFunction, type InvocationBatchRequest } from "@/server/protocol/codec";
import { decodePrimitive, encodePrimitive } from "@/server/protocol/typed-values";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { applyModule, egressRows, inspectAddress, pendingTimers, send, sendJson, sleep, waitParked, waitRegistrySynced } from "../support/fixtures/plane";

/**
 * A hand-written remote function (no SDK; our codec) that misbehaves in one precise way per address. Each bad
 * reply must park exactly that address with an error that says what was wrong, keep its mailbox, and leave
 * every other address running. Plus the ingress edge cases: unbound type, full mailbox, idempotency, text/plain,
 * and a paused application.
 */
const INT = "io.statefun.types/int";
const STRING = "io.statefun.types/string";
const PLAYGROUND_EGRESS = "io.statefun.playground/egress";

interface Call {
  target: string;
  type: string;
  id: string;
  batch: InvocationBatchRequest;
}

let env: DispatchEnv;
let server: Server;
let base = "";
const calls: Call[] = [];
const callsTo = (target: string) => calls.filter((c) => c.target === target);
const invocationsTo = (target: string) => callsTo(target).flatMap((c) => c.batch.invocations);
const url = (fn: string) => `${base}/${fn}`;

const ok = (r: Encodable<FromFunction>) => ({ status: 200, body: encodeFromFunction(r) });
const missing = (...specs: Array<[string, string]>) =>
  ok({ incompleteInvocationContext: { missingValues: specs.map(([stateName, typeTypename]) => ({ stateName, typeTypename })) } });
const typed = (typename: string, value: Uint8Array) => ({ typename, hasValue: true, value });
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

/** The misbehaviour of each address, by function type name and id. */
async function reply(namespace: string, type: string, id: string, batch: InvocationBatchRequest): Promise<{ status: number; body: Uint8Array | string }> {
  const state = new Map(batch.state.map((s) => [s.stateName, s.stateValue]));
  if (namespace !== "bad") return ok({ invocationResult: {} }); // calm/*: accept everything, do nothing
  switch (type) {
    case "fn": {
      if (!state.has("seen")) return missing(["seen", INT]);
      const seen = state.get("seen") ? decodePrimitive(INT, state.get("seen")!.value) : 0;
      switch (id) {
        case "garbage":
          return { status: 200, body: "this is not protobuf" };
        case "unknown-state":
          return ok({ invocationResult: { stateMutations: [{ mutationType: "MODIFY", stateName: "nope", stateValue: typed(INT, encodePrimitive(INT, 1)) }] } });
        case "wrong-type":
          return ok({ invocationResult: { stateMutations: [{ mutationType: "MODIFY", stateName: "seen", stateValue: typed(STRING, encodePrimitive(STRING, "one")) }] } });
        case "negative-delay":
          return ok({
            invocationResult: { delayedInvocations: [{ delayInMs: -5, target: { namespace: "bad", type: "fn", id: "healthy" }, argument: typed("bad/Ping", json({})) }] },
          });
        case "unknown-egress":
          return ok({ invocationResult: { outgoingEgresses: [{ egressNamespace: "bad", egressType: "nowhere", argument: typed("bad/Record", json({})) }] } });
        case "undeclared-topic":
          return ok({
            invocationResult: {
              outgoingEgresses: [{ egressNamespace: "io.statefun.playground", egressType: "egress", argument: typed("io.statefun.playground/EgressRecord", json({ topic: "secret", payload: "p" })) }],
            },
          });
        case "nul-target": // an id Postgres cannot store: parks the sender, never reaches the data plane
          return ok({ invocationResult: { outgoingMessages: [{ target: { namespace: "bad", type: "fn", id: "x\u0000y" }, argument: typed("bad/Ping", json({})) }] } });
        case "spaced-type":
          return ok({ invocationResult: { outgoingMessages: [{ target: { namespace: "bad", type: "f n", id: "1" }, argument: typed("bad/Ping", json({})) }] } });
        case "long-delayed-id":
          return ok({
            invocationResult: { delayedInvocations: [{ delayInMs: 10, target: { namespace: "bad", type: "fn", id: "é".repeat(1001) }, argument: typed("bad/Ping", json({})) }] },
          });
        case "bad-typename":
          return ok({ invocationResult: { outgoingMessages: [{ target: { namespace: "bad", type: "fn", id: "healthy" }, argument: typed("bad/Pi ng", json({})) }] } });
        default: // healthy: count the messages, say so on topic "ok"
          return ok({
            invocationResult: {
              stateMutations: [{ mutationType: "MODIFY", stateName: "seen", stateValue: typed(INT, encodePrimitive(INT, seen + batch.invocations.length)) }],
              outgoingEgresses: [{ egressNamespace: "io.statefun.playground", egressType: "egress", argument: typed("io.statefun.playground/EgressRecord", json({ topic: "ok", payload: id })) }],
            },
          });
      }
    }
    case "conflict":
      // as if redeployed between the two calls with x's type changed
      return state.has("x") ? missing(["x", STRING]) : missing(["x", INT]);
    case "badstate":
      return missing(["bad name", INT]);
    case "dupspec":
      // one answer declaring y twice, with two types
      return state.has("y") ? ok({ invocationResult: {} }) : missing(["y", INT], ["y", STRING]);
    case "flaky":
      return { status: 500, body: "boom" };
    case "slow":
      await sleep(1500);
      return ok({ invocationResult: {} });
    default: // echo: accept everything, do nothing
      return ok({ invocationResult: {} });
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      try {
        const batch = decodeToFunction(Buffer.concat(chunks)).invocation!;
        const t = batch.target!;
        calls.push({ target: `${t.namespace}/${t.type}/${t.id}`, type: t.type, id: t.id, batch });
        const r = await reply(t.namespace, t.type, t.id, batch);
        res.writeHead(r.status, { "content-type": "application/octet-stream" }).end(Buffer.from(r.body));
      } catch (e) {
        res.writeHead(400).end(String(e));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  env = await createDispatchEnv();
  const fnUrl = `${base}/{function.name}`;
  await applyModule(
    env,
    "bad",
    `
kind: io.statefun.endpoints.v2/http
spec:
  functions: bad/*
  urlPathTemplate: ${fnUrl}
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: bad/flaky
  urlPathTemplate: ${fnUrl}
  transport:
    type: io.statefun.transports.v1/async
    call: 1s
---
kind: io.statefun.endpoints.v2/http
spec:
  functions: bad/slow
  urlPathTemplate: ${fnUrl}
  maxNumBatchRequests: 3
---
kind: io.statefun.playground.v1/egress
spec:
  topics: [ok]
`,
  );
  await applyModule(env, "calm", `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: calm/*\n  urlPathTemplate: ${fnUrl}\n`);
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await env?.stop();
  await new Promise<void>((r) => {
    server?.close(() => r());
    server?.closeAllConnections();
  });
});

const ping = (address: string, n: number) => sendJson(env, address, "bad/Ping", { n });

describe("bad replies park exactly their address, with an error that says what was wrong", () => {
  const scenarios: Array<[string, () => string | RegExp]> = [
    ["bad/fn/garbage", () => `the reply from ${url("fn")} is not a StateFun FromFunction: invalid wire type 4 at offset 1`],
    ["bad/fn/unknown-state", () => `bad reply from ${url("fn")}: the reply changes state "nope", which bad/fn never declared (declared: seen)`],
    ["bad/fn/wrong-type", () => `bad reply from ${url("fn")}: state "seen" is registered as ${INT} but the reply writes ${STRING}`],
    ["bad/fn/negative-delay", () => `bad reply from ${url("fn")}: delayed message 1 has a negative delay (-5 ms)`],
    ["bad/fn/unknown-egress", () => `bad reply from ${url("fn")}: egress record 1 goes to unknown egress bad/nowhere; application "bad" declares ${PLAYGROUND_EGRESS}`],
    ["bad/fn/undeclared-topic", () => `bad reply from ${url("fn")}: egress ${PLAYGROUND_EGRESS} has no topic "secret" (declared: ok)`],
    ["bad/fn/nul-target", () => `bad reply from ${url("fn")}: outgoing message 1 targets an invalid address: the id "x\\u0000y" holds a control character (NUL, tab, newline, …)`],
    ["bad/fn/spaced-type", () => `bad reply from ${url("fn")}: outgoing message 1 targets an invalid address: the type "f n" may hold only letters, digits and . _ - : + ~ @ $ (starting with a letter, digit or _)`],
    ["bad/fn/long-delayed-id", () => `bad reply from ${url("fn")}: delayed message 1 targets an invalid address: the id is 1001 characters long; the limit is 1000`],
    ["bad/fn/bad-typename", () => `bad reply from ${url("fn")}: the typename of outgoing message 1 "bad/Pi ng" must be namespace/name: exactly one / with non-empty parts and no spaces`],
    ["bad/badstate/1", () => `bad reply from ${url("badstate")}: the function declares state the runtime cannot store: a declared state name "bad name" must be an identifier: letters, digits, _ $ . - (not starting with a digit, . or -)`],
    ["bad/conflict/1", () => `state "x" of bad/conflict is registered as ${INT} but the function now declares ${STRING}`],
    ["bad/dupspec/1", () => /^state "y" of bad\/dupspec .*io\.statefun\.types\/(int|string).*io\.statefun\.types\/(string|int)/],
  ];

  it("sends one message to each misbehaving address", async () => {
    for (const [address] of scenarios) expect((await ping(address, 1)).status).toBe(202);
  });

  for (const [address, expected] of scenarios) {
    it(`${address}: parked with its error, mailbox intact, no effects`, async () => {
      const view = await waitParked(env.ctx, address, 10_000).catch(async () => {
        throw new Error(`${address} was not parked; calls: ${callsTo(address).length}, view: ${JSON.stringify(await inspectAddress(env.ctx, address), (_k, v) => (v instanceof Map ? Object.fromEntries(v) : v))}`);
      });
      const want = expected();
      if (typeof want === "string") expect(view.meta.perr).toBe(want);
      else expect(view.meta.perr).toMatch(want);
      expect(view.inParkedSet).toBe(true);
      expect(view.meta.lease).toBeUndefined();
      expect(view.mailbox).toHaveLength(1);
      expect(view.mailbox[0].caller).toBeNull();
      expect(view.mailbox[0].argument!.typename).toBe("bad/Ping");
      expect(JSON.parse(Buffer.from(view.mailbox[0].argument!.value).toString())).toEqual({ n: 1 });
      expect(view.state.size, "no state written").toBe(0);
      expect(view.meta.ver ?? "0", "no commit").toBe("0");
    });
  }

  it("none of them produced an egress record or a delayed message", async () => {
    expect((await egressRows(env.ctx, "bad", PLAYGROUND_EGRESS)).filter((r) => r.source !== "bad/fn/healthy")).toEqual([]);
    expect(await pendingTimers(env.ctx)).toBe(0);
  });

  it("a healthy address of the same function type, on the same worker, is processed", async () => {
    expect((await ping("bad/fn/healthy", 1)).status).toBe(202);
    const rows = await waitFor(async () => {
      const r = await egressRows(env.ctx, "bad", PLAYGROUND_EGRESS);
      return r.length ? r : null;
    }, 10_000);
    expect(rows.map((r) => [r.source, r.topic])).toEqual([["bad/fn/healthy", "ok"]]);
    expect(JSON.parse(rows[0].value.toString())).toEqual({ topic: "ok", payload: "healthy" });
    const view = await inspectAddress(env.ctx, "bad/fn/healthy");
    expect(decodePrimitive(INT, view.state.get("seen")!)).toBe(1);
    expect(view.parked).toBe(false);
  });

  it("a parked address queues new messages without being called again", async () => {
    const before = callsTo("bad/fn/garbage").length;
    expect((await ping("bad/fn/garbage", 2)).status).toBe(202);
    await sleep(700);
    const view = await inspectAddress(env.ctx, "bad/fn/garbage");
    expect(view.parked).toBe(true);
    expect(view.mailbox.map((m) => JSON.parse(Buffer.from(m.argument!.value).toString()).n)).toEqual([1, 2]);
    expect(callsTo("bad/fn/garbage").length).toBe(before);
  });

  it("HTTP 500 until the call budget runs out parks the address; others keep running meanwhile", async () => {
    expect((await ping("bad/flaky/1", 1)).status).toBe(202);
    await waitFor(async () => callsTo("bad/flaky/1").length > 0, 5_000);
    // while it is being retried, another address is served
    expect((await ping("bad/fn/healthy-2", 1)).status).toBe(202);
    await waitFor(async () => (await inspectAddress(env.ctx, "bad/fn/healthy-2")).state.has("seen"), 5_000);
    expect((await inspectAddress(env.ctx, "bad/flaky/1")).parked, "served while the flaky address was still retrying").toBe(false);

    const view = await waitParked(env.ctx, "bad/flaky/1", 10_000);
    // the error that caused the retries is the one reported, even when the budget cuts off the last attempt
    const m = /^calling (\S+) failed after (\d+) attempts within the 1000 ms call budget; last error: HTTP 500: boom( \(then the budget ran out during attempt \d+\))?$/.exec(view.meta.perr);
    expect(m, view.meta.perr).not.toBeNull();
    expect(m![1]).toBe(url("flaky"));
    const attempts = Number(m![2]);
    expect(attempts).toBeGreaterThan(1);
    expect(Number(view.meta.patt)).toBe(attempts);
    // an attempt cut off by the budget may not have reached the function
    const calls = callsTo("bad/flaky/1").length;
    if (m![3]) expect([attempts - 1, attempts]).toContain(calls);
    else expect(calls).toBe(attempts);
    expect(view.mailbox).toHaveLength(1);
  });
});

describe("ingress edge cases", () => {
  it("refuses a message for a function type no endpoint binds: 404 function-type-not-bound", async () => {
    const r = await ping("nobody/fn/1", 1);
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe("function-type-not-bound");
    expect(r.json.error.message).toContain("nobody/fn");
  });

  it("refuses a message to a mailbox at maxNumBatchRequests: 429 mailbox-full, and accepts again once drained", async () => {
    const address = "bad/slow/q";
    for (let n = 1; n <= 3; n++) expect((await ping(address, n)).status).toBe(202);
    const full = await ping(address, 4);
    expect(full.status).toBe(429);
    expect(full.json.error.code).toBe("mailbox-full");
    expect(full.json.error.message).toBe(`the mailbox of ${address} is full (maxNumBatchRequests 3); retry later`);
    await waitFor(async () => (await inspectAddress(env.ctx, address)).mailbox.length === 0, 15_000);
    expect(invocationsTo(address).map((i) => JSON.parse(Buffer.from(i.argument!.value).toString()).n)).toEqual([1, 2, 3]);
    expect((await ping(address, 5)).status).toBe(202);
  });

  it("processes a message sent twice with the same Idempotency-Key once", async () => {
    const address = "bad/echo/idem";
    const a = await sendJson(env, address, "bad/Ping", { n: 1 }, { "Idempotency-Key": "key-1" });
    const b = await sendJson(env, address, "bad/Ping", { n: 1 }, { "Idempotency-Key": "key-1" });
    const c = await sendJson(env, address, "bad/Ping", { n: 2 }, { "Idempotency-Key": "key-2" });
    expect([a.status, b.status, c.status]).toEqual([202, 202, 202]);
    expect(a.json.duplicate).toBeUndefined();
    expect(b.json).toEqual({ messageId: a.json.messageId, duplicate: true });
    expect(c.json.messageId).not.toBe(a.json.messageId);
    await waitFor(async () => invocationsTo(address).length >= 2, 10_000);
    await sleep(500);
    expect(invocationsTo(address).map((i) => JSON.parse(Buffer.from(i.argument!.value).toString()).n)).toEqual([1, 2]);
  });

  it("delivers a text/plain body as a wrapped io.statefun.types/string", async () => {
    const text = "héllo, wörld ✓";
    const r = await send(env, "bad/echo/text", text, "text/plain; charset=utf-8");
    expect(r.status, r.text).toBe(202);
    await waitFor(async () => invocationsTo("bad/echo/text").length === 1, 10_000);
    const arg = invocationsTo("bad/echo/text")[0].argument!;
    expect(arg.typename).toBe(STRING);
    expect(arg.hasValue).toBe(true);
    expect(Buffer.from(arg.value).equals(Buffer.from(encodePrimitive(STRING, text)))).toBe(true);
    expect(decodePrimitive(STRING, arg.value)).toBe(text);
  });

  it("accepts messages for a paused application, dispatches nothing until it resumes, then everything in order", async () => {
    const paused = await env.call("POST", "/api/v1/applications/{app}/pause", { params: { app: "calm" } });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.json.paused).toBe(true);
    await waitRegistrySynced(env);

    for (let n = 1; n <= 5; n++) expect((await ping("calm/fn/p", n)).status).toBe(202);
    for (let n = 1; n <= 2; n++) expect((await ping("calm/fn/q", n)).status).toBe(202);
    // another application keeps running meanwhile
    expect((await ping("bad/echo/during-pause", 1)).status).toBe(202);
    await waitFor(async () => invocationsTo("bad/echo/during-pause").length === 1, 10_000);
    await sleep(1500);
    expect(calls.filter((c) => c.type === "fn" && c.target.startsWith("calm/"))).toEqual([]);
    expect((await inspectAddress(env.ctx, "calm/fn/p")).mailbox).toHaveLength(5);

    const resumed = await env.call("POST", "/api/v1/applications/{app}/resume", { params: { app: "calm" } });
    expect(resumed.status, resumed.text).toBe(200);
    await waitFor(async () => invocationsTo("calm/fn/p").length === 5 && invocationsTo("calm/fn/q").length === 2, 15_000);
    const ns = (a: string) => invocationsTo(a).map((i) => JSON.parse(Buffer.from(i.argument!.value).toString()).n);
    expect(ns("calm/fn/p")).toEqual([1, 2, 3, 4, 5]);
    expect(ns("calm/fn/q")).toEqual([1, 2]);
    await waitFor(async () => (await inspectAddress(env.ctx, "calm/fn/p")).mailbox.length === 0, 5_000);
  });
});
