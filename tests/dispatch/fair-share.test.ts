import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeToFunction, encodeFromFunction } from "@/server/protocol/codec";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { applyModule, inspectAddress, sendJson, sleep, waitRegistrySynced } from "../support/fixtures/plane";

/**
 * A deployment that stops answering (calls held until the test lets go) must not take every call slot of a
 * worker: with DISPATCH_MAX_INFLIGHT 8 and DISPATCH_MAX_INFLIGHT_PER_ENDPOINT 4, at most 4 calls to its endpoint
 * are in flight and another endpoint's message is served meanwhile. The negative control runs the same with the
 * per-endpoint limit off (0): the hung endpoint holds all 8 slots and the other's message waits.
 */
const STUCK = 12;
let server: Server;
let fnUrl = "";
/** Calls of stuck/* wait here until released (per test environment, by key prefix in the address id). */
const held = new Map<string, Array<() => void>>();
const released = new Set<string>();
const open = new Map<string, number>();
const maxOpen = new Map<string, number>();
const quickCalls = new Map<string, number[]>();
const specialCalls: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const t = decodeToFunction(Buffer.concat(chunks)).invocation!.target!;
      const run = t.id.split("-")[0]; // "<run>-<n>"
      if (t.namespace === "stuck" && t.type === "hang" && !released.has(run)) {
        open.set(run, (open.get(run) ?? 0) + 1);
        maxOpen.set(run, Math.max(maxOpen.get(run) ?? 0, open.get(run)!));
        await new Promise<void>((r) => held.set(run, [...(held.get(run) ?? []), r]));
        open.set(run, open.get(run)! - 1);
      }
      if (t.namespace === "quick") quickCalls.set(run, [...(quickCalls.get(run) ?? []), Date.now()]);
      if (t.type === "special") specialCalls.push(t.id);
      res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.from(encodeFromFunction({ invocationResult: {} })));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  fnUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/{function.name}`;
});
afterAll(async () => {
  for (const run of held.keys()) release(run);
  await new Promise<void>((r) => {
    server?.close(() => r());
    server?.closeAllConnections();
  });
});

function release(run: string) {
  released.add(run);
  for (const r of held.get(run) ?? []) r();
  held.set(run, []);
}

/** One worker with DISPATCH_MAX_INFLIGHT_PER_ENDPOINT `perEndpoint` for this describe block; `run`'s hung calls let go at its end. */
function workerFor(perEndpoint: string, run: string): () => DispatchEnv {
  let env: DispatchEnv;
  beforeAll(async () => {
    env = await setup(perEndpoint);
  });
  afterAll(async () => {
    release(run);
    await env?.stop();
  });
  return () => env;
}

async function setup(perEndpoint: string): Promise<DispatchEnv> {
  const env = await createDispatchEnv();
  const endpoint = (functions: string) => `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: ${functions}\n  urlPathTemplate: ${fnUrl}\n  transport:\n    type: io.statefun.transports.v1/async\n    call: 60s\n`;
  // stuck/special has an endpoint of its own beside stuck/*: its own share of the slots
  await applyModule(env, "stuck", `${endpoint("stuck/*")}---\n${endpoint("stuck/special")}`);
  await applyModule(env, "quick", endpoint("quick/*"));
  await env.startWorker({ DISPATCH_MAX_INFLIGHT: "8", DISPATCH_MAX_INFLIGHT_PER_ENDPOINT: perEndpoint, DISPATCH_CLAIM_BATCH: "8" });
  await waitRegistrySynced(env);
  return env;
}

/** Sends STUCK messages to distinct stuck/hang addresses, waits for the calls to pile up, then one quick message. */
async function flood(env: DispatchEnv, run: string, expectOpen: number) {
  for (let n = 0; n < STUCK; n++) expect((await sendJson(env, `stuck/hang/${run}-${n}`, "t/Ping", { n })).status).toBe(202);
  await waitFor(async () => (open.get(run) ?? 0) === expectOpen, 15_000);
  await sleep(500); // room for a wrongly claimed extra call to arrive
  expect((await sendJson(env, `quick/echo/${run}-x`, "t/Ping", {})).status).toBe(202);
}

describe("a hung endpoint gets at most DISPATCH_MAX_INFLIGHT_PER_ENDPOINT of a worker's call slots", () => {
  const env = workerFor("4", "fair");

  it("serves another endpoint's message while the hung one holds 4 of 8 slots, never more", async () => {
    await flood(env(), "fair", 4);
    await waitFor(async () => (quickCalls.get("fair")?.length ?? 0) >= 1, 5_000);
    expect(open.get("fair")).toBe(4); // the hung calls are still hanging
    expect(maxOpen.get("fair")).toBe(4);
  });

  it("an exact-type endpoint in the hung endpoint's namespace has slots of its own", async () => {
    expect((await sendJson(env(), "stuck/special/fair-s", "t/Ping", {})).status).toBe(202);
    await waitFor(async () => specialCalls.includes("fair-s"), 5_000);
    expect(open.get("fair")).toBe(4);
  });

  it("the addresses that waited for a slot are all called once it answers again, each once", async () => {
    release("fair");
    await waitFor(async () => {
      for (let n = 0; n < STUCK; n++) if ((await inspectAddress(env().ctx, `stuck/hang/fair-${n}`)).meta.ver !== "1") return false;
      return true;
    }, 15_000);
    expect(maxOpen.get("fair")).toBe(4);
  });
});

describe("negative control: without the per-endpoint limit a hung endpoint starves the others", () => {
  const env = workerFor("0", "free");

  it("the hung endpoint takes all 8 slots and the quick message is not called while they hang", async () => {
    await flood(env(), "free", 8);
    await sleep(2_000);
    expect(quickCalls.get("free") ?? []).toEqual([]);
    release("free");
    await waitFor(async () => (quickCalls.get("free")?.length ?? 0) >= 1, 10_000);
  });
});
