import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
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
