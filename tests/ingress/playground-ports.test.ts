import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { liveRegistry } from "@/server/registry/live-registry";
import type { RegistryCache } from "@/server/registry/registry-cache";
import { PlaygroundPorts } from "@/server/ingress-listener/playground-ports";
import { playgroundPayload, popCursorKey, popEgressRecord } from "@/server/egress/pop-playground";
import { CAST, startTrickle } from "@/examples/trickle";
import { planeOf } from "@/server/dispatch/plane";
import { createRequire } from "node:module";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { freePort, waitFor } from "../support/processes";

/**
 * Issue #16 item 1: the playground's README habit against the ingress process's playground ports — a module
 * applied with its own ports, the real listeners (opened by the registry reload), a real worker and the greeter.
 */
const run = promisify(execFile);
let env: DispatchEnv;
let registry: RegistryCache;
let ports: PlaygroundPorts;
let ingress: string;
let egress: string;
let module: string;

const put = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(ingress + path, { method: "PUT", headers: { "content-type": "application/vnd.example/GreetRequest", ...headers }, body: Buffer.from(body) });
const greet = (name: string) => put(`/example/person/${encodeURIComponent(name)}`, JSON.stringify({ name }));
const pop = async (topic: string) => {
  const res = await fetch(`${egress}/${topic}`);
  return { status: res.status, text: await res.text() };
};

beforeAll(async () => {
  env = await createDispatchEnv();
  const [inPort, outPort] = [await freePort(), await freePort()];
  ingress = `http://127.0.0.1:${inPort}`;
  egress = `http://127.0.0.1:${outPort}`;
  module = readFileSync("examples/playground/module.yaml", "utf8")
    .replaceAll("http://functions:8000/statefun", env.fns.url)
    .replace("port: 8090", `port: ${inPort}`)
    .replace("port: 8091", `port: ${outPort}`);
  await env.call("POST", "/api/v1/applications", { body: { name: "playground" } });
  // As worker/ingress.ts wires it: the listeners follow the live registry.
  registry = await liveRegistry(env.ctx);
  ports = new PlaygroundPorts(env.ctx);
  registry.onReload(() => void ports.sync());
  await ports.sync();
  expect(ports.ports()).toEqual([]);
  const applied = await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "playground" }, raw: module });
  expect(applied.status, applied.text).toBe(200);
  await waitFor(async () => ports.ports().length === 2, 10_000);
  await env.startWorker();
}, 120_000);
afterAll(async () => {
  await ports?.stop();
  await registry?.stop();
  await env?.stop();
});

describe("the playground ports of an applied module", () => {
  it("PUT on the ingress port reaches the greeter; GET /greetings pops the greeting once, then 404", async () => {
    const res = await greet("Bob");
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { messageId: string }).messageId).toEqual(expect.any(String));
    const first = await waitFor(async () => {
      const r = await pop("greetings");
      return r.status === 200 ? r : null;
    }, 20_000, 100);
    expect(first.text).toBe("Welcome Bob");
    expect(await pop("greetings")).toEqual({ status: 404, text: "" });

    // The second visit is the next payload, handed out once too.
    expect((await greet("Bob")).status).toBe(200);
    const second = await waitFor(async () => {
      const r = await pop("greetings");
      return r.status === 200 ? r : null;
    }, 20_000, 100);
    expect(second.text).toBe("Nice to see you again Bob");
    expect((await pop("greetings")).status).toBe(404);
    // The records stay in the egress stream for the console and the API; popping only moves a cursor.
    expect((await env.egressPayloads("playground")).map((r) => r.payload)).toEqual(["Welcome Bob", "Nice to see you again Bob"]);
  });

  it("the playground README's curl lines, word for word but the ports", async () => {
    const inPort = new URL(ingress).port;
    const outPort = new URL(egress).port;
    const curl = (...args: string[]) => run("curl", ["-s", "-w", "\n%{http_code}", ...args]).then((r) => r.stdout);
    expect(await curl("-X", "PUT", "-H", "Content-Type: application/vnd.example/GreetRequest", "-d", '{"name": "Curl"}', `localhost:${inPort}/example/person/Curl`)).toMatch(/\n200$/);
    const got = await waitFor(async () => {
      const out = await curl("-X", "GET", `localhost:${outPort}/greetings`);
      return out.endsWith("\n200") ? out : null;
    }, 20_000, 100);
    expect(got).toBe("Welcome Curl\n200");
  });

  it("a declared topic with nothing in it is 404; a topic the module does not declare is 405", async () => {
    expect((await pop("receipts")).status).toBe(404);
    const unknown = await pop("nope");
    expect(unknown.status).toBe(405);
    expect(JSON.parse(unknown.text).error.code).toBe("egress-not-found");
  });

  it("concurrent GETs never hand out a payload twice", async () => {
    const names = Array.from({ length: 25 }, (_, i) => `c${i}`);
    const before = (await env.egressPayloads("playground")).length;
    for (const n of names) expect((await greet(n)).status).toBe(200);
    await waitFor(async () => (await env.egressPayloads("playground")).length === before + names.length, 30_000, 100);
    const got = await Promise.all(Array.from({ length: 60 }, () => pop("greetings")));
    const payloads = got.filter((r) => r.status === 200).map((r) => r.text);
    expect(got.filter((r) => r.status !== 200).every((r) => r.status === 404)).toBe(true);
    expect(payloads).toHaveLength(names.length);
    expect(new Set(payloads).size).toBe(names.length);
    expect([...payloads].sort()).toEqual(names.map((n) => `Welcome ${n}`).sort());
  });

  it("negative control: a pop that reads the cursor and moves it in separate steps hands records out twice", async () => {
    const stream = `${env.ctx.keys.prefix}:control-stream`;
    for (let i = 0; i < 10; i++) await env.ctx.redis.xadd(stream, "*", "topic", "t", "v", JSON.stringify({ topic: "t", payload: `p${i}` }));
    const naivePop = async () => {
      const cur = (await env.ctx.redis.hget(popCursorKey(stream), "t")) ?? "0-0";
      const [row] = await env.ctx.redis.xrange(stream, `(${cur}`, "+", "COUNT", 1);
      if (!row) return null;
      await env.ctx.redis.hset(popCursorKey(stream), "t", row[0]);
      return row[1][3];
    };
    const got = (await Promise.all(Array.from({ length: 20 }, naivePop))).filter((v) => v !== null);
    expect(new Set(got).size).toBeLessThan(got.length);
    // the real one, same shape of load: each record once
    await env.ctx.redis.del(popCursorKey(stream));
    const real = (await Promise.all(Array.from({ length: 20 }, () => popEgressRecord(env.ctx.redis, stream, "t")))).filter((v) => v !== null);
    expect(real.map((v) => playgroundPayload(v!.value!).toString()).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`).sort());
  });

  it("X-Statehouse-Peek leaves the record; X-Statehouse-Pop-If pops only the named next record", async () => {
    expect((await greet("Peek")).status).toBe(200);
    const peeked = await waitFor(async () => {
      const r = await fetch(`${egress}/greetings`, { headers: { "x-statehouse-peek": "true" } });
      return r.status === 200 ? { id: r.headers.get("x-statehouse-record")!, text: await r.text() } : null;
    }, 20_000, 100);
    expect(peeked.text).toBe("Welcome Peek");
    const other = await fetch(`${egress}/greetings`, { headers: { "x-statehouse-pop-if": "1-0" } });
    expect(other.status).toBe(409);
    expect(((await other.json()) as { error: { details: { next: string } } }).error.details.next).toBe(peeked.id);
    const bad = await fetch(`${egress}/greetings`, { headers: { "x-statehouse-pop-if": "not-an-id" } });
    expect(bad.status).toBe(400);
    const popped = await fetch(`${egress}/greetings`, { headers: { "x-statehouse-pop-if": peeked.id } });
    expect([popped.status, popped.headers.get("x-statehouse-record"), await popped.text()]).toEqual([200, peeked.id, "Welcome Peek"]);
    expect((await pop("greetings")).status).toBe(404);
  });

  /** Runs the demo trickle while a user greets `name`; returns what the user's GET /greetings pops. */
  async function userGreetsDuringTrickle(name: string, takeBack: boolean): Promise<string> {
    const trickle = startTrickle({ ingress, egress, intervalMs: 50, takeBack });
    try {
      // before the user's greeting, one of the trickle's is on the topic: taken back already, or (without) next to pop
      const peekNext = async () => (await fetch(`${egress}/greetings`, { headers: { "x-statehouse-peek": "true" } })).text();
      await waitFor(async () => {
        if (takeBack) return trickle.takenBack() > 0;
        const next = await peekNext();
        return CAST.some((c) => next.endsWith(c));
      }, 20_000, 50);
      expect((await greet(name)).status).toBe(200);
      await waitFor(async () => (await env.egressPayloads("playground")).some((r) => r.payload === `Welcome ${name}`), 20_000, 50);
      // the trickle goes on past the user's greeting, as while a user types the GET
      const sentThen = trickle.sent();
      await waitFor(async () => trickle.sent() >= sentThen + 6, 20_000, 50);
      const r = await pop("greetings");
      expect(r.status).toBe(200);
      return r.text;
    } finally {
      await trickle.stop();
    }
  }

  it("the demo trickle takes its own greetings back: the user's GET /greetings gets the user's", async () => {
    expect(await userGreetsDuringTrickle("Zoe", true)).toBe("Welcome Zoe");
    // drain what the stopped trickle left, so later tests start from an empty topic
    while ((await pop("greetings")).status === 200);
  });

  it("negative control: a trickle that does not take back fills the user's GET with its greetings", async () => {
    const got = await userGreetsDuringTrickle("Yan", false);
    expect(got).not.toBe("Welcome Yan");
    expect(CAST.some((c) => got.endsWith(c))).toBe(true);
    while ((await pop("greetings")).status === 200);
  });

  it("answers the ingress's 4xx: no typename for the address's function, a bad path, a wrong method", async () => {
    // No Content-Type typename: the body is an io.statefun.types/string, as in the playground (queued, 200).
    const plain = await fetch(`${ingress}/example/person/Plain`, { method: "PUT", body: Buffer.from("hi") });
    expect(plain.status).toBe(200);
    const bad = await put("/example/person", "{}");
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("not-found");
    const badType = await put("/example/person/X", "{}", { "content-type": "application/vnd.no-slash" });
    expect(badType.status).toBe(415);
    expect((await fetch(`${ingress}/example/person/X`)).status).toBe(405);
    expect((await fetch(`${egress}/greetings`, { method: "PUT", body: "x" })).status).toBe(405);
  });

  it("follows the registry: a module without the egress closes its port; the ingress port stays", async () => {
    const withoutEgress = module.split("---").filter((doc) => !doc.includes("playground.v1/egress")).join("---");
    const applied = await env.call("PUT", "/api/v1/applications/{app}/module", { params: { app: "playground" }, raw: withoutEgress });
    expect(applied.status, applied.text).toBe(200);
    await waitFor(async () => ports.ports().length === 1, 10_000);
    expect(ports.ports()[0].kind).toBe("ingress");
    await expect(fetch(`${egress}/greetings`)).rejects.toThrow();
    expect((await greet("After")).status).toBe(200);
  });

  it("with PLAYGROUND_TOKEN set, a request without the bearer token is 401", async () => {
    await ports.stop();
    const token = "t".repeat(24);
    const guarded = new PlaygroundPorts({ ...env.ctx, env: { ...env.ctx.env, PLAYGROUND_TOKEN: token } });
    await guarded.sync();
    try {
      expect((await greet("NoToken")).status).toBe(401);
      expect((await put("/example/person/W", "{}", { authorization: "Bearer nope" })).status).toBe(401);
      expect((await put("/example/person/T", JSON.stringify({ name: "T" }), { authorization: `Bearer ${token}` })).status).toBe(200);
    } finally {
      await guarded.stop();
    }
  });
});

/** Redis Cluster's CRC16 key slot, as ioredis computes it (standalone Redis refuses CLUSTER KEYSLOT). */
const keySlot = createRequire(import.meta.url)("cluster-key-slot") as (key: string) => number;

describe("the pop cursor's key", () => {
  it("hashes to its stream's slot (Redis Cluster: one slot per script)", () => {
    const stream = planeOf(env.ctx).keys.egress("playground", "io.statefun.playground/egress");
    expect(keySlot(popCursorKey(stream))).toBe(keySlot(stream));
    expect(keySlot(`${stream}:pop`)).not.toBe(keySlot(stream)); // the key it had before
    expect(popCursorKey(stream).startsWith(`${env.ctx.keys.prefix}:`)).toBe(true); // cleaned up with the prefix's keys
  });
});
