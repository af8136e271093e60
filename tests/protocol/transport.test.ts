import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { Agent } from "undici";
import { postToFunction, TransportError } from "@/server/protocol/transport";

// A function that takes the request and never answers.
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer(() => undefined);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fn`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable("the call should fail"), (e: unknown) => e as TransportError);

it("a call with no reply within the call timeout fails as call-timeout, naming the timeout", async () => {
  const e = await failure(postToFunction(url, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 200 }));
  expect(e).toBeInstanceOf(TransportError);
  expect(e.kind).toBe("call-timeout");
  expect(e.message).toMatch(/200 ms call timeout/);
});

it("a caller's abort ends the call at once as aborted, not as a timeout, also when already aborted", async () => {
  const ac = new AbortController();
  const started = Date.now();
  const call = failure(postToFunction(url, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 10_000, signal: ac.signal }));
  setTimeout(() => ac.abort(), 50);
  const e = await call;
  expect(e.kind).toBe("aborted");
  expect(Date.now() - started).toBeLessThan(5_000);
  const pre = await failure(postToFunction(url, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 10_000, signal: AbortSignal.abort() }));
  expect(pre.kind).toBe("aborted");
});

it("one outer signal shared by many calls aborts every one of them", async () => {
  const ac = new AbortController();
  const calls = Array.from({ length: 5 }, () => failure(postToFunction(url, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 10_000, signal: ac.signal })));
  setTimeout(() => ac.abort(), 50);
  expect((await Promise.all(calls)).map((e) => e.kind)).toEqual(Array(5).fill("aborted"));
});

it("a call still queued behind a busy connection times out at its own deadline", async () => {
  const one = new Agent({ connections: 1 });
  try {
    const first = failure(postToFunction(url, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 2_000, dispatcher: one }));
    const started = Date.now();
    const queued = await failure(postToFunction(url, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 150, dispatcher: one }));
    expect(queued.kind).toBe("call-timeout");
    expect(Date.now() - started).toBeLessThan(1_500);
    expect((await first).kind).toBe("call-timeout");
  } finally {
    await one.destroy();
  }
});

it("a reply larger than the limit is refused as response-too-large; a refused connection is named", async () => {
  const big = createServer((_req, res) => res.end(Buffer.alloc(100_000)));
  await new Promise<void>((r) => big.listen(0, "127.0.0.1", r));
  const port = (big.address() as AddressInfo).port;
  try {
    const ok = await postToFunction(`http://127.0.0.1:${port}/f?x=1`, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 2_000 });
    expect([ok.status, ok.body.length]).toEqual([200, 100_000]);
    const e = await failure(postToFunction(`http://127.0.0.1:${port}/f`, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 2_000, maxResponseBytes: 1_000 }));
    expect(e.kind).toBe("response-too-large");
    expect(e.message).toBe(`POST http://127.0.0.1:${port}/f: reply exceeds 1000 bytes`);
  } finally {
    big.closeAllConnections();
    await new Promise((r) => big.close(r));
  }
  const gone = createServer();
  await new Promise<void>((r) => gone.listen(0, "127.0.0.1", r));
  const free = (gone.address() as AddressInfo).port;
  await new Promise((r) => gone.close(r));
  const refused = await failure(postToFunction(`http://127.0.0.1:${free}/f`, new Uint8Array([1]), { connectTimeoutMs: 1_000, callTimeoutMs: 2_000 }));
  expect(refused.kind).toBe("connection-refused");
});
