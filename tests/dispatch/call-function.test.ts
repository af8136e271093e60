import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CallFailedError, callFunction } from "@/server/dispatch/call-function";
import type { BoundEndpoint } from "@/server/registry/registry-snapshot";

// Answers 500 to the first two calls of a path, then takes requests and never answers.
let server: Server;
let base: string;
const calls = new Map<string, number>();
beforeAll(async () => {
  server = createServer((req, res) => {
    const n = (calls.get(req.url!) ?? 0) + 1;
    calls.set(req.url!, n);
    req.resume();
    if (req.url === "/always-500" || n <= 2) res.writeHead(500).end("boom");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const endpoint = (callTimeoutMs: number) => ({ callTimeoutMs, connectTimeoutMs: 1_000, transportType: "io.statefun.transports.v1/async" }) as BoundEndpoint;
const failure = (p: Promise<unknown>) => p.then(() => expect.unreachable("the call should fail"), (e: unknown) => e as CallFailedError);

it("when the budget runs out during a retry, the error that caused the retries is still the one reported", async () => {
  const e = await failure(callFunction(`${base}/then-hang`, new Uint8Array([1]), endpoint(300)));
  expect(e).toBeInstanceOf(CallFailedError);
  expect(e.attempts).toBe(3);
  expect(e.message).toBe(`calling ${base}/then-hang failed after 3 attempts within the 300 ms call budget; last error: HTTP 500: boom (then the budget ran out during attempt 3)`);
  expect(calls.get("/then-hang")).toBe(3);
});

it("no retry starts with too little budget left to finish; every attempt made reached the function", async () => {
  const e = await failure(callFunction(`${base}/always-500`, new Uint8Array([1]), endpoint(200)));
  expect(e.message).toMatch(/^calling \S+ failed after \d+ attempts within the 200 ms call budget; last error: HTTP 500: boom$/);
  expect(e.attempts).toBeGreaterThan(3);
  expect(calls.get("/always-500")).toBe(e.attempts);
});

it("a function that never answers fails with the call timeout itself", async () => {
  calls.set("/hang", 2); // past its two 500s
  const e = await failure(callFunction(`${base}/hang`, new Uint8Array([1]), endpoint(150)));
  expect(e.attempts).toBe(1);
  expect(e.message).toMatch(/last error: POST \S+: no complete reply within the 150 ms call timeout$/);
});
