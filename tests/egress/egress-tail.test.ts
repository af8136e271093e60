import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { planeOf } from "@/server/dispatch/plane";
import { apiClient } from "../support/api-client";
import { createTestContext, type TestContext } from "../support/test-context";

/**
 * GET /api/v1/egress/{ns}/{name}?from=end — how the console's live tail opens: the newest records first, then
 * polling with after=<tail>. Records are written straight to the egress stream, as the worker writes them.
 */
let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;
const EGRESS = { namespace: "io.statefun.playground", name: "egress" };
const read = (query: Record<string, string>) => call("GET", "/api/v1/egress/{namespace}/{name}", { params: EGRESS, query: { application: "tail", ...query } });

async function emit(topic: string, payload: string): Promise<string> {
  const key = planeOf(ctx).keys.egress("tail", "io.statefun.playground/egress");
  const value = JSON.stringify({ topic, payload });
  return (await ctx.redis.xadd(key, "*", "t", "io.statefun.playground/EgressRecord", "v", value, "topic", topic, "src", "example/greeter/x", "at", String(Date.now())))!;
}

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  expect((await call("POST", "/api/v1/applications", { body: { name: "tail" } })).status).toBe(201);
  const mod = "kind: io.statefun.playground.v1/egress\nspec:\n  port: 8091\n  topics:\n    - greetings\n    - receipts\n";
  const applied = await call("PUT", "/api/v1/applications/{app}/module", { params: { app: "tail" }, raw: mod });
  expect(applied.status, applied.text).toBe(200);
});
afterAll(async () => {
  setAppContext(undefined);
  await ctx?.cleanup();
});

describe("the newest records of an egress (from=end)", () => {
  it("an empty stream answers no records and a null tail", async () => {
    const res = await read({ from: "end" });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ records: [], next: null, tail: null });
  });

  it("returns the newest `limit` records oldest first, with the tail at the newest, where polling goes on", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await emit(i % 10 === 9 ? "receipts" : "greetings", `r${i}`));

    const res = await read({ from: "end", limit: "5" });
    expect(res.status, res.text).toBe(200);
    expect(res.json.records.map((r: { value: string }) => r.value)).toEqual(["r25", "r26", "r27", "r28", "r29"]);
    expect(res.json.tail).toBe(ids[29]);
    expect(res.json.next).toBeNull();
    // the default (from=start) is the oldest: the negative control
    expect((await read({ limit: "2" })).json.records.map((r: { value: string }) => r.value)).toEqual(["r0", "r1"]);

    expect((await read({ after: res.json.tail })).json.records).toEqual([]);
    await emit("greetings", "r30");
    const polled = await read({ after: res.json.tail });
    expect(polled.json.records.map((r: { value: string }) => r.value)).toEqual(["r30"]);
  });

  it("with a topic: the newest records of that topic, the tail still at the stream's newest record", async () => {
    const res = await read({ from: "end", topic: "receipts", limit: "2" });
    expect(res.status, res.text).toBe(200);
    expect(res.json.records.map((r: { value: string; topic: string }) => [r.topic, r.value])).toEqual([
      ["receipts", "r19"],
      ["receipts", "r29"],
    ]);
    const newest = (await read({ from: "end", limit: "1" })).json;
    expect(newest.records[0].value).toBe("r30");
    expect(res.json.tail).toBe(newest.tail);
  });

  it("refuses from=end with after, and an unknown from", async () => {
    const both = await read({ from: "end", after: "1-0" });
    expect(both.status).toBe(400);
    expect(both.json.error.message).toContain("from=end");
    expect((await read({ from: "middle" })).status).toBe(400);
  });
});
