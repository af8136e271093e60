import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { planeOf } from "@/server/dispatch/plane";

let env: DispatchEnv;
const EGRESS = { namespace: "io.statefun.playground", name: "egress" };
const NAMES = ["Ann", "Ben", "Cat", "Dan", "Eve"];

const send = (namespace: string, type: string, id: string, typename: string, value: unknown) =>
  env.call("POST", "/api/v1/ingress/{namespace}/{type}/{id}", { params: { namespace, type, id }, raw: JSON.stringify(value), contentType: `application/vnd.${typename}` });
/** Stream ids `ms-seq` in stream order. */
const cmpId = (a: string, b: string) => {
  const [am, as] = a.split("-").map(BigInt);
  const [bm, bs] = b.split("-").map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as < bs ? -1 : as > bs ? 1 : 0;
};
const read = (query: Record<string, string> = {}, params = EGRESS) => env.call("GET", "/api/v1/egress/{namespace}/{name}", { params, query });

beforeAll(async () => {
  env = await createDispatchEnv();
  expect((await env.call("POST", "/api/v1/applications", { body: { name: "playground" } })).status).toBe(201);
  const module = readFileSync("examples/playground/module.yaml", "utf8").replaceAll("http://functions:8000/statefun", env.fns.url);
  expect((await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "playground" }, raw: module })).status).toBe(200);
  await env.startWorker();

  for (const name of NAMES) expect((await send("example", "person", name, "example/GreetRequest", { name })).status).toBe(202);
  await waitFor(async () => (await env.egressPayloads("playground")).length === NAMES.length, 15_000);
  // the shopping cart: restock, add to cart (cart → stock → cart), then checkout emits a receipt
  expect((await send("com.example", "stock", "apple", "com.example/RestockItem", { itemId: "apple", quantity: 10 })).status).toBe(202);
  await waitFor(async () => (await env.call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: { namespace: "com.example", type: "stock", id: "apple" } })).json?.version === 1, 10_000);
  expect((await send("com.example", "user-shopping-cart", "u1", "com.example/AddToCart", { userId: "u1", quantity: 2, itemId: "apple" })).status).toBe(202);
  await waitFor(async () => (await env.call("GET", "/api/v1/state/{namespace}/{type}/{id}", { params: { namespace: "com.example", type: "user-shopping-cart", id: "u1" } })).json?.values?.[0]?.present, 10_000);
  expect((await send("com.example", "user-shopping-cart", "u1", "com.example/Checkout", { userId: "u1" })).status).toBe(202);
  await waitFor(async () => (await env.egressPayloads("playground")).length === NAMES.length + 1, 10_000);
});
afterAll(async () => env?.stop());

describe("reading an egress", () => {
  it("returns the playground records with the payload as value, the typename, topic, source and raw bytes", async () => {
    const res = await read();
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ application: "playground", egress: "io.statefun.playground/egress", egressKind: "io.statefun.playground.v1/egress", next: null });
    const recs = res.json.records as any[];
    expect(recs).toHaveLength(NAMES.length + 1);
    expect(recs.filter((r) => r.topic === "greetings").map((r) => r.value).sort()).toEqual(NAMES.map((n) => `Welcome ${n}`));
    const greeting = recs.find((r) => r.value === "Welcome Ann");
    expect(greeting).toMatchObject({ topic: "greetings", typename: "io.statefun.playground/EgressRecord", kind: "json", source: "example/greeter/Ann" });
    expect(JSON.parse(Buffer.from(greeting.base64, "base64").toString("utf8"))).toEqual({ topic: "greetings", payload: "Welcome Ann" });
    expect(Date.parse(greeting.at)).toBeGreaterThan(Date.now() - 120_000);
    expect(res.json.tail).toBe(recs[recs.length - 1].id);
    const ids = recs.map((r) => r.id);
    expect(ids).toEqual([...ids].sort(cmpId));
  });

  it("filters by topic", async () => {
    const res = await read({ topic: "receipts" });
    expect(res.status).toBe(200);
    expect(res.json.records).toEqual([expect.objectContaining({ topic: "receipts", value: "Receipt{userId='u1', details='apple: 2'}", source: "com.example/user-shopping-cart/u1" })]);
    expect((await read({ topic: "nothing-here" })).json.records).toEqual([]);
  });

  it("pages with limit and after; polling from the tail sees only newer records", async () => {
    const all = (await read()).json.records.map((r: any) => r.id);
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const res = await read({ limit: "2", ...(after ? { after } : {}) });
      expect(res.status).toBe(200);
      expect(res.json.records.length).toBeLessThanOrEqual(2);
      seen.push(...res.json.records.map((r: any) => r.id));
      after = res.json.next ?? undefined;
      if (!after) break;
    }
    expect(seen).toEqual(all);

    const tail = (await read()).json.tail;
    const empty = await read({ after: tail });
    expect(empty.json).toMatchObject({ records: [], next: null, tail });
    expect((await send("example", "person", "Fay", "example/GreetRequest", { name: "Fay" })).status).toBe(202);
    const polled = await waitFor(async () => {
      const r = await read({ after: tail });
      return r.json.records.length ? r.json : null;
    }, 10_000);
    expect(polled.records).toEqual([expect.objectContaining({ value: "Welcome Fay", source: "example/greeter/Fay" })]);
  });

  it("pages a topic filter across many records written straight to the stream", async () => {
    const key = planeOf(env.ctx).keys.egress("playground", "io.statefun.playground/egress");
    const start = (await read()).json.tail;
    for (let i = 0; i < 1200; i++) {
      const topic = i % 100 === 99 ? "receipts" : "greetings";
      await env.ctx.redis.xadd(key, "*", "t", "io.statefun.playground/EgressRecord", "v", JSON.stringify({ topic, payload: `r${i}` }), "topic", topic, "src", "example/greeter/bulk", "at", String(Date.now()));
    }
    const got: string[] = [];
    let after: string | undefined = start;
    for (let i = 0; i < 50 && after; i++) {
      const res = await read({ topic: "receipts", limit: "5", after });
      expect(res.status).toBe(200);
      got.push(...res.json.records.map((r: any) => r.value));
      after = res.json.next ?? undefined;
    }
    expect(got).toEqual(Array.from({ length: 12 }, (_, i) => `r${i * 100 + 99}`));
  });

  it("needs ?application= when several applications declare the egress, and 404s an undeclared one", async () => {
    expect((await env.call("POST", "/api/v1/applications", { body: { name: "mirror" } })).status).toBe(201);
    const mod = "kind: io.statefun.playground.v1/egress\nspec:\n  port: 8091\n  topics:\n    - greetings\n";
    const applied = await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "mirror" }, raw: mod });
    expect(applied.status, applied.text).toBe(200);

    const ambiguous = await read();
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error.message).toContain("mirror, playground");
    expect(ambiguous.json.error.message).toContain("?application=");
    expect(ambiguous.json.error.details.applications).toEqual(["mirror", "playground"]);
    expect((await read({ application: "playground", limit: "1" })).json.records).toHaveLength(1);
    expect((await read({ application: "mirror" })).json).toMatchObject({ application: "mirror", records: [], next: null, tail: null });

    const missing = await read({ application: "nosuch" });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("egress-not-found");
    const undeclared = await read({}, { namespace: "io.statefun.playground", name: "nope" });
    expect(undeclared.status).toBe(404);
    expect(undeclared.json.error.code).toBe("egress-not-found");
    expect(undeclared.json.error.message).toContain("io.statefun.playground/nope");
  });

  it("answers 400 to bad query values, never 500", async () => {
    const queries: Array<Record<string, string>> = [{ after: "abc" }, { after: "1-2-3" }, { limit: "0" }, { limit: "1001" }, { limit: "ten" }, { application: "Bad Name" }, { topic: "" }];
    for (const query of queries) {
      const res = await read(query);
      expect(res.status, `${JSON.stringify(query)}: ${res.text}`).toBe(400);
      expect(res.json.error.message).toMatch(/\w{4,}/);
    }
  });
});
