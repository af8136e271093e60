import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { freePort, waitFor } from "../support/processes";
import { planeOf } from "@/server/dispatch/plane";
import { encodeEntry } from "@/server/dispatch/entries";
import { liveWorkers } from "@/server/operations/workers";
import { currentRegistryVersion } from "@/server/registry/registry-bus";
import { PRIMITIVE_TYPENAMES, encodePrimitive } from "@/server/protocol/typed-values";

let env: DispatchEnv;
let endpointId: string;
let refusedUrl: string;

beforeAll(async () => {
  env = await createDispatchEnv();
  expect((await env.call("POST", "/api/v1/applications", { body: { name: "shop" } })).status).toBe(201);
  // nothing listens on this port: every call is refused, and the short call budget parks the address quickly
  refusedUrl = `http://127.0.0.1:${await freePort()}/statefun`;
  const ep = await env.call("POST", "/api/v1/applications/{app}/endpoints", {
    params: { app: "shop" },
    body: { functions: "com.example/*", urlPathTemplate: refusedUrl, transport: { call: "300ms", connect: "100ms" }, skipProbe: true },
  });
  expect(ep.status, ep.text).toBe(201);
  endpointId = ep.json.id;
  await env.startWorker();
});
afterAll(async () => env?.stop());

const stock = (id: string) => ({ namespace: "com.example", type: "stock", id });
const getState = (p: { namespace: string; type: string; id: string }) => env.call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: p });
const restock = (item: string, quantity: number) =>
  env.call("POST", "/api/v1/ingress/{namespace}/{type}/{id}", { params: stock(item), raw: JSON.stringify({ itemId: item, quantity }), contentType: "application/vnd.com.example/RestockItem" });
const resume = (p: { namespace: string; type: string; id: string }) => env.call("POST", "/api/v1/parked/{namespace}/{type}/{id}/resume", { params: p });
const skip = (p: { namespace: string; type: string; id: string }) => env.call("POST", "/api/v1/parked/{namespace}/{type}/{id}/skip", { params: p });

async function parkedAll(limit = 50): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i++) {
    const res = await env.call("GET", "/api/v1/parked", { query: { limit: String(limit), ...(cursor ? { cursor } : {}) } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.parked.length).toBeLessThanOrEqual(limit);
    out.push(...res.json.parked);
    cursor = res.json.next ?? undefined;
    if (!cursor) return out;
  }
  throw new Error("parked listing did not end");
}

const waitParked = (p: { namespace: string; type: string; id: string }, newerThan = "") =>
  waitFor(async () => {
    const r = await getState(p);
    return r.json?.parked && r.json.parked.since > newerThan ? r.json : null;
  }, 10_000);

async function registryPropagated(): Promise<void> {
  const version = await currentRegistryVersion(env.ctx.redis, env.ctx.keys);
  await waitFor(async () => {
    const ws = await liveWorkers(env.ctx);
    return ws.length > 0 && ws.every((w) => w.registryVersion >= version);
  }, 10_000);
}

/** A message straight into the data plane (the ingress refuses unbound types; dispatch parks them). */
async function enqueueRaw(address: string, n: number) {
  const plane = planeOf(env.ctx);
  const [ns, type] = address.split("/");
  const entry = encodeEntry(`raw-${address}-${n}`, Date.now(), null, { typename: PRIMITIVE_TYPENAMES.int, hasValue: true, value: encodePrimitive(PRIMITIVE_TYPENAMES.int, n) });
  const [r] = await plane.enqueue([{ address, functionType: `${ns}/${type}`, entry, cap: 0 }], 60_000);
  expect(r).toBe("queued");
}

describe("parked addresses", () => {
  it("an address whose endpoint refuses parks after the call budget, keeping its mailbox, and is listed with its error", async () => {
    expect((await restock("apple", 5)).status).toBe(202);
    const st = await waitParked(stock("apple"));
    expect(st.parked.error).toContain(refusedUrl);
    expect(st.parked.error).toMatch(/failed after \d+ attempts? within the 300 ms call budget/);
    expect(st.parked.attempts).toBeGreaterThan(0);
    expect(st.mailbox.length).toBe(1);
    expect(st.mailbox.head[0]).toMatchObject({ typename: "com.example/RestockItem", caller: null, value: { itemId: "apple", quantity: 5 } });
    expect(st.leased).toBe(false);

    // more messages queue behind the parked one without being dispatched
    expect((await restock("apple", 7)).status).toBe(202);
    await new Promise((r) => setTimeout(r, 500));
    const again = (await getState(stock("apple"))).json;
    expect(again.mailbox.length).toBe(2);
    expect(again.parked.since).toBe(st.parked.since);

    const listed = (await parkedAll()).find((p) => p.address === "com.example/stock/apple");
    expect(listed).toMatchObject({ functionType: "com.example/stock", id: "apple", error: st.parked.error, since: st.parked.since, attempts: st.parked.attempts, mailboxLength: 2 });
  });

  it("resume retries the head message (here it parks again: the endpoint still refuses) and is audited", async () => {
    const before = (await getState(stock("apple"))).json.parked.since;
    const res = await resume(stock("apple"));
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ address: "com.example/stock/apple", mode: "resume", mailboxLength: 2, audited: true });
    expect(res.json.dropped).toBeUndefined();
    const st = await waitParked(stock("apple"), before);
    expect(st.mailbox.length).toBe(2);
    const audit = await env.ctx.db.auditEvent.findFirst({ where: { action: "parked.resume", target: "com.example/stock/apple" } });
    expect(audit?.before).toMatchObject({ mailboxLength: 2, parked: { error: expect.stringContaining(refusedUrl) } });
  });

  it("skip drops the head message (returned and audited); once the endpoint works, the rest is processed", async () => {
    const put = await env.call("PUT", "/api/v1/applications/{app}/endpoints/{endpointId}", {
      params: { app: "shop", endpointId },
      body: { functions: "com.example/*", urlPathTemplate: env.fns.url, transport: { call: "10s" }, skipProbe: true },
    });
    expect(put.status, put.text).toBe(200);
    await registryPropagated();
    const res = await skip(stock("apple"));
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ mode: "skip", mailboxLength: 1, audited: true, dropped: { typename: "com.example/RestockItem", caller: null, kind: "json", value: { itemId: "apple", quantity: 5 } } });
    expect(res.json.dropped.id).toBeTruthy();
    const done = await waitFor(async () => {
      const s = (await getState(stock("apple"))).json;
      return s.mailbox.length === 0 && s.values[0]?.present ? s : null;
    }, 10_000);
    expect(done.parked).toBeUndefined();
    expect(done.values).toEqual([expect.objectContaining({ name: "stock", typename: "io.statefun.types/int", value: 7 })]);
    const audit = await env.ctx.db.auditEvent.findFirst({ where: { action: "parked.skip", target: "com.example/stock/apple" } });
    expect(audit?.after).toMatchObject({ mailboxLength: 1, dropped: { id: res.json.dropped.id, typename: "com.example/RestockItem" } });
    // the skip consumed a message: it is a versioned change with its own changelog entry (consumed 1)
    const hist = (await env.call("GET", "/api/v1/state/{namespace}/{type}/{id}/history", { params: stock("apple") })).json;
    const versions = hist.commits.map((c: { version: number }) => c.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect(hist.commits.some((c: { consumed: number; summary: { op?: string } }) => c.consumed === 1 && c.summary?.op === "skip")).toBe(true);
    expect((await parkedAll()).find((p) => p.address === "com.example/stock/apple")).toBeUndefined();
  });

  it("answers 409 not-parked for an address that is not parked and 404 for one that does not exist", async () => {
    const notParked = await resume(stock("apple"));
    expect(notParked.status).toBe(409);
    expect(notParked.json.error.code).toBe("not-parked");
    expect(notParked.json.error.message).toContain("com.example/stock/apple is not parked");
    expect((await skip(stock("apple"))).status).toBe(409);
    const missing = await skip(stock("no-such-item"));
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("address-not-found");
    expect((await resume({ namespace: "nobody", type: "x", id: "y" })).status).toBe(404);
  });

  it("an unbound function type parks; the listing pages over every partition; skip empties and unparks", async () => {
    const addrs = Array.from({ length: 9 }, (_, i) => `nobody/thing/n${i}`);
    for (const a of addrs) await enqueueRaw(a, 1);
    await waitFor(async () => (await parkedAll()).filter((p) => p.functionType === "nobody/thing").length === addrs.length, 10_000);
    const paged = await parkedAll(2);
    const mine = paged.filter((p) => p.functionType === "nobody/thing");
    expect(mine.map((p) => p.address).sort()).toEqual([...addrs].sort());
    expect(new Set(paged.map((p) => p.address)).size).toBe(paged.length);
    for (const p of mine) {
      expect(p.error).toContain("nobody/thing is not bound by any endpoint");
      expect(p.mailboxLength).toBe(1);
      expect(p.partition).toBe(planeOf(env.ctx).keys.partitionOf(p.address));
    }

    // resume without a binding: parks again
    const one = { namespace: "nobody", type: "thing", id: "n0" };
    const since = (await getState(one)).json.parked.since;
    expect((await resume(one)).status).toBe(200);
    await waitParked(one, since);

    // skip: the only message is dropped, nothing is left to retry, the address is no longer parked
    for (const a of addrs) {
      const [, , id] = a.split("/");
      const res = await skip({ namespace: "nobody", type: "thing", id });
      expect(res.status, res.text).toBe(200);
      expect(res.json).toMatchObject({ mailboxLength: 0, dropped: { typename: "io.statefun.types/int", kind: "primitive", value: 1, caller: null } });
    }
    expect((await parkedAll()).filter((p) => p.functionType === "nobody/thing")).toEqual([]);
    const st = (await getState(one)).json;
    expect(st.parked).toBeUndefined();
    expect(st.mailbox.length).toBe(0);
    // a skip on an empty mailbox of a parked address returns dropped: null
    await enqueueRaw("nobody/thing/empty", 1);
    const empty = { namespace: "nobody", type: "thing", id: "empty" };
    await waitParked(empty);
    await env.ctx.redis.lpop(planeOf(env.ctx).keys.mailbox(planeOf(env.ctx).keys.partitionOf("nobody/thing/empty"), "nobody/thing/empty"));
    const res = await skip(empty);
    expect(res.status, res.text).toBe(200);
    expect(res.json.dropped).toBeNull();
  });

  it("refuses a bad cursor or limit with a 400", async () => {
    const queries: Array<Record<string, string>> = [{ cursor: "nonsense" }, { cursor: Buffer.from('{"p":99999,"s":0,"a":"x"}').toString("base64url") }, { limit: "0" }, { limit: "x" }, { limit: "501" }];
    for (const query of queries) {
      const res = await env.call("GET", "/api/v1/parked", { query });
      expect(res.status, `${JSON.stringify(query)}: ${res.text}`).toBe(400);
    }
  });
});
