import { afterEach, describe, expect, it } from "vitest";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { startEoFunction, type EoFunction } from "../support/eo-function";
import { changelog, readInt } from "../support/read-state";
import { CONSUME_AT_CLAIM, DOUBLE_SCHEDULE, faultyScripts, LIFO_DELIVERY } from "../support/fault-lua";
import { waitFor } from "../support/processes";

/**
 * docs/DESIGN.md §3 invariants under real worker processes killed with SIGKILL at random points. Each safety test has
 * a negative control: the same workload against a data plane with one mechanism cut out must be caught.
 */
const RELAYS = 50;
const SINKS = 20;
let env: DispatchEnv | undefined;
let fn: EoFunction | undefined;

afterEach(async () => {
  await env?.stop();
  await fn?.close();
  env = undefined;
  fn = undefined;
});

async function setup(opts: { overrides?: string; delayMs?: number; maxBatch?: number } = {}) {
  fn = await startEoFunction({ sinks: SINKS, delayMs: opts.delayMs });
  env = await createDispatchEnv({
    STATEHOUSE_PARTITIONS: "32",
    DISPATCH_GROUPS: "8",
    DISPATCH_SLICE_MS: "1000",
    DISPATCH_LEASE_MS: "1500",
    DISPATCH_GROUP_LOCK_MS: "1500",
    // every commit stays in the streams: the test reads them all
    CHANGELOG_RETAIN: "100000000",
    ...(opts.overrides ? { DISPATCH_LUA_OVERRIDES: opts.overrides } : {}),
  });
  await env.call("POST", "/api/v1/applications", { body: { name: "eo" } });
  const ep = await env.call("POST", "/api/v1/applications/{app}/endpoints", {
    params: { app: "eo" },
    body: { functions: "eo/*", urlPathTemplate: fn.url, skipProbe: true, maxNumBatchRequests: opts.maxBatch ?? 1000, transport: { call: "10s", connect: "2s" } },
  });
  expect(ep.status, ep.text).toBe(201);
  return env;
}

/** `total` messages to the relays through the NDJSON ingress, in chunks; relay r gets every RELAYS-th. */
async function send(e: DispatchEnv, total: number, chunk = 2000, between?: (sent: number) => Promise<void>) {
  for (let from = 0; from < total; from += chunk) {
    if (between && from > 0) await between(from);
    const lines: string[] = [];
    for (let i = from; i < Math.min(total, from + chunk); i++) lines.push(JSON.stringify({ target: `eo/relay/${i % RELAYS}`, typename: "eo/go", value: { i } }));
    const res = await e.call("POST", "/api/v1/ingress", { raw: lines.join("\n"), contentType: "application/x-ndjson" });
    expect(res.status, res.text).toBe(200);
    expect(res.json.rejected).toEqual([]);
  }
}

async function totals(e: DispatchEnv) {
  let relays = 0;
  let sinks = 0;
  let violations = 0;
  for (let r = 0; r < RELAYS; r++) relays += await readInt(e.ctx, `eo/relay/${r}`);
  for (let s = 0; s < SINKS; s++) {
    sinks += await readInt(e.ctx, `eo/sink/${s}`);
    violations += await readInt(e.ctx, `eo/sink/${s}`, "violations");
  }
  return { relays, sinks, violations };
}

/**
 * Kills a random worker with SIGKILL at a random moment, starts a replacement, waits for it to boot, repeats
 * until stopped. One replacement boots at a time: a 2-core machine must not drown in process start-ups.
 */
function chaos(e: DispatchEnv) {
  let running = true;
  let kills = 0;
  const loop = (async () => {
    while (running) {
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 400));
      if (!running) break;
      const live = e.workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
      live[Math.floor(Math.random() * live.length)]?.child.kill("SIGKILL");
      kills++;
      await e.startWorker();
    }
  })();
  return {
    kills: () => kills,
    async stop() {
      running = false;
      await loop;
      return kills;
    },
  };
}

describe("exactly-once effects under kill -9", () => {
  it("20,000 messages through relays and sinks while workers are killed: every counter exact, each (address, version) committed once, per-sender FIFO kept, one call per address at a time", async () => {
    const e = await setup();
    await Promise.all([e.startWorker(), e.startWorker(), e.startWorker()]);
    const c = chaos(e);
    // spread at least KILLS kills over the run: each slice of the messages waits for its share of them
    const KILLS = 5;
    await send(e, 20_000, 500, async (sent) => void (await waitFor(async () => c.kills() >= Math.ceil((KILLS * sent) / 20_000), 60_000, 50)));
    await waitFor(async () => (await totals(e)).sinks >= 20_000, 120_000, 250);
    const kills = await c.stop();
    expect(kills).toBeGreaterThanOrEqual(5);
    // settle: nothing more may arrive
    await new Promise((r) => setTimeout(r, 1500));
    const t = await totals(e);
    expect(t).toEqual({ relays: 20_000, sinks: 20_000, violations: 0 });
    for (let r = 0; r < RELAYS; r++) expect(await readInt(e.ctx, `eo/relay/${r}`)).toBe(20_000 / RELAYS);
    const log = await changelog(e.ctx);
    const seen = new Set<string>();
    for (const entry of log) {
      const k = `${entry.address}@${entry.version}`;
      expect(seen.has(k), `${k} committed twice`).toBe(false);
      seen.add(k);
    }
    expect(log.reduce((s, x) => s + x.consumed, 0)).toBe(40_000);
    expect(fn!.maxConcurrency()).toBe(1);
  }, 180_000);

  /** Every worker is SIGKILLed while calls are in flight (the function takes 300 ms), then one comes back. */
  async function killAllMidCall(e: DispatchEnv, messages: number) {
    await e.startWorker();
    await send(e, messages);
    await waitFor(async () => fn!.calls() >= 5, 30_000, 10);
    for (const w of e.workers) w.child.kill("SIGKILL");
    await e.startWorker();
    // drained when the relays stop moving
    await waitFor(async () => {
      const a = (await totals(e)).relays;
      await new Promise((r) => setTimeout(r, 2_000));
      return (await totals(e)).relays === a && a > 0;
    }, 60_000, 10);
    return (await totals(e)).relays;
  }

  it("every worker killed mid-call: the claimed messages are redone, none lost, none doubled", async () => {
    const e = await setup({ delayMs: 300 });
    expect(await killAllMidCall(e, 3_000)).toBe(3_000);
  }, 90_000);

  it("negative control: consuming messages at claim instead of at commit loses them when the workers die", async () => {
    const e = await setup({ overrides: faultyScripts(CONSUME_AT_CLAIM), delayMs: 300 });
    expect(await killAllMidCall(e, 3_000)).toBeLessThan(3_000);
  }, 90_000);
});

describe("ordering and concurrency", () => {
  it("negative control: delivering outgoing messages at the head of the mailbox breaks sender→receiver order, and the sinks see it", async () => {
    const e = await setup({ overrides: faultyScripts([LIFO_DELIVERY]), delayMs: 5 });
    await e.startWorker();
    await send(e, 2_000);
    await waitFor(async () => (await totals(e)).sinks >= 2_000, 60_000, 250);
    expect((await totals(e)).violations).toBeGreaterThan(0);
  }, 90_000);

  it("negative control: double scheduling without the lease check lets two calls hit one address at once, and the function sees it", async () => {
    const e = await setup({ overrides: faultyScripts(DOUBLE_SCHEDULE), delayMs: 20 });
    await Promise.all([e.startWorker(), e.startWorker()]);
    await send(e, 1_000, 100);
    await waitFor(async () => fn!.maxConcurrency() > 1, 30_000, 50);
    expect(fn!.maxConcurrency()).toBeGreaterThan(1);
  }, 60_000);
});
