import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";

let env: DispatchEnv;
let hook: Server;
const received: Array<{ key: string; body: { topic?: string; value: unknown; egress: string; source: string } }> = [];
let failFirst = 2;

beforeAll(async () => {
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      // the first deliveries fail: the record must be retried, not lost
      if (failFirst-- > 0) return void res.writeHead(503).end();
      received.push({ key: String(req.headers["idempotency-key"]), body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
  env = await createDispatchEnv();
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  await env.call("POST", "/api/v1/applications", { body: { name: "hooks" } });
  // a webhook egress next to the playground one: its records are kept in its stream and POSTed to the hook
  const module = `kind: io.statefun.endpoints.v2/http
spec:
  functions: example/*
  urlPathTemplate: ${env.fns.url}
---
kind: io.statefun.playground.v1/egress
spec:
  topics: [greetings]
---
kind: io.statehouse.webhook.v1/egress
spec:
  id: example/hook
  url: ${url}
  timeout: 2s
`;
  const res = await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "hooks" }, raw: module });
  expect(res.status, res.text).toBe(200);
  await env.startWorker();
});
afterAll(async () => {
  await env?.stop();
  await new Promise((r) => hook?.close(r));
});

describe("webhook egress", () => {
  it("delivers each record once to the URL, retrying failures, with the record id as Idempotency-Key", async () => {
    // write records straight into the webhook egress's stream, as a commit does
    const stream = `${env.ctx.keys.prefix}:eg:hooks:example/hook`;
    for (let i = 0; i < 5; i++) await env.ctx.redis.xadd(stream, "*", "t", "example/Note", "v", JSON.stringify({ i }), "topic", "", "src", "example/person/x", "at", Date.now());
    await waitFor(async () => received.length >= 5, 20_000, 100);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(received.map((r) => (r.body.value as { i: number }).i).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(received.map((r) => r.key)).size).toBe(5);
    expect(received[0].body).toMatchObject({ egress: "example/hook", source: "example/person/x" });
  }, 40_000);
});
