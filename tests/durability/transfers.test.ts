import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type pg from "pg";
import { createPgPool } from "@/server/pg";
import { decodeEntry, decodeInvocation } from "@/server/dispatch/entries";
import { decodePrimitive } from "@/server/protocol/typed-values";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { waitFor } from "../support/processes";
import { wipeRedis } from "../support/durable-snapshot";
import { keysOf, sleep, waitRegistrySynced } from "../support/fixtures/plane";
import { startTransferFunction, TX_OP, type TxOp } from "../support/transfer-function";

// whole journeys through real workers (pauses, savepoints, rollbacks): slower than one test usually is
vi.setConfig({ testTimeout: 90_000 });

/**
 * Savepoints under load on a conserved quantity (docs/DESIGN.md §5): accounts keep sending each other money while
 * savepoints are taken; in every savepoint Σ balances + Σ credits in flight equals the money seeded. The negative
 * control copies the same data by scanning Redis during the load, as a naive backup would, and must be caught.
 */
const ACCOUNTS = 24;
const SEED = 1_000;
const TOTAL = ACCOUNTS * SEED;
const INT = "io.statefun.types/int";

let env: DispatchEnv;
let fn: Awaited<ReturnType<typeof startTransferFunction>>;
let pool: pg.Pool;

beforeAll(async () => {
  fn = await startTransferFunction();
  env = await createDispatchEnv();
  pool = createPgPool(env.ctx.databaseUrl, 2);
  await env.call("POST", "/api/v1/applications", { body: { name: "bank" } });
  const ep = await env.call("POST", "/api/v1/applications/{app}/endpoints", { params: { app: "bank" }, body: { functions: "tx/*", urlPathTemplate: fn.url, skipProbe: true } });
  expect(ep.status, ep.text).toBe(201);
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await pool?.end();
  await env?.stop();
  await fn?.close();
});

const lines = (ops: Array<{ to: number; op: TxOp }>) => ops.map(({ to, op }) => JSON.stringify({ target: `tx/account/${to}`, typename: TX_OP, value: op })).join("\n");
/** Sends the batch; while Redis is being rebuilt the ingress answers 503, and the batch is sent again. */
const post = async (ops: Array<{ to: number; op: TxOp }>) => {
  for (;;) {
    const r = await env.call("POST", "/api/v1/ingress", { raw: lines(ops), contentType: "application/x-ndjson" });
    if (r.status === 503) {
      await sleep(50);
      continue;
    }
    expect(r.json.rejected, r.text).toEqual([]);
    return;
  }
};

/** Money in one copy: balances plus the credits waiting in mailboxes. */
function money(balances: Buffer[], mailboxEntries: Buffer[]): number {
  let sum = balances.reduce((s, b) => s + (decodePrimitive(INT, b) as number), 0);
  for (const raw of mailboxEntries) {
    const arg = decodeInvocation(decodeEntry(raw).invocation).argument!;
    const m = JSON.parse(Buffer.from(arg.value).toString()) as TxOp;
    if (m.op === "credit") sum += m.amount;
  }
  return sum;
}

async function savepointMoney(id: string): Promise<number> {
  const v = await pool.query<{ value: Buffer }>(`SELECT value FROM savepoint_value WHERE savepoint_id = $1 AND name = 'balance'`, [id]);
  const m = await pool.query<{ entry: Buffer }>(`SELECT entry FROM savepoint_message WHERE savepoint_id = $1`, [id]);
  return money(
    v.rows.map((r) => r.value),
    m.rows.map((r) => r.entry),
  );
}

/** A naive backup: reads each account's balance and mailbox one after the other while the bank keeps working. */
async function fuzzyCopyMoney(): Promise<number> {
  const k = keysOf(env.ctx);
  const balances: Buffer[] = [];
  const entries: Buffer[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const a = `tx/account/${i}`;
    const p = k.partitionOf(a);
    const b = await env.ctx.redis.hgetBuffer(k.state(p, a), "v:balance");
    if (b) balances.push(b);
    await sleep(3);
    entries.push(...(await env.ctx.redis.lrangeBuffer(k.mailbox(p, a), 0, -1)));
    await sleep(3);
  }
  return money(balances, entries);
}

describe("savepoints of a transfers workload", () => {
  it("every savepoint taken under load conserves money; a copy made by scanning Redis under the same load does not", async () => {
    await post(Array.from({ length: ACCOUNTS }, (_, i) => ({ to: i, op: { op: "seed", amount: SEED } as TxOp })));
    await waitFor(async () => (await fuzzyCopyMoney()) === TOTAL, 20_000, 100);

    let running = true;
    let sent = 0;
    const load = (async () => {
      while (running) {
        await post(
          Array.from({ length: 40 }, () => {
            const from = Math.floor(Math.random() * ACCOUNTS);
            return { to: from, op: { op: "send", to: String((from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS), amount: 1 + Math.floor(Math.random() * 50) } as TxOp };
          }),
        );
        sent += 40;
        await sleep(5);
      }
    })();

    const fuzzy: number[] = [];
    const savepoints: Array<{ id: string; messages: number; seq: number }> = [];
    try {
      await waitFor(async () => sent >= 400, 20_000, 20);
      for (let i = 0; i < 5; i++) {
        const r = await env.call("POST", "/api/v1/applications/{app}/savepoints", { params: { app: "bank" }, body: { label: `under load ${i}` } });
        expect(r.status, r.text).toBe(202);
        fuzzy.push(await fuzzyCopyMoney());
        savepoints.push(
          await waitFor(async () => {
            const s = await env.call("GET", "/api/v1/savepoints/{id}", { params: { id: r.json.id } });
            if (s.json.status === "failed") throw new Error(s.json.error);
            return s.json.status === "complete" ? s.json : null;
          }, 30_000, 50),
        );
      }
    } finally {
      running = false;
      await load;
    }

    for (const sp of savepoints) expect(await savepointMoney(sp.id), `savepoint at seq ${sp.seq}`).toBe(TOTAL);
    // the cuts were really taken under load: money was in flight in some of them, and they are all different
    expect(savepoints.some((s) => s.messages > 0)).toBe(true);
    expect(new Set(savepoints.map((s) => s.seq)).size).toBe(savepoints.length);
    // negative control: the fuzzy copies are caught
    expect(fuzzy.some((m) => m !== TOTAL), `fuzzy copies: ${fuzzy.join(", ")}`).toBe(true);
    // and once the load stops, live money is conserved too
    await waitFor(async () => (await fuzzyCopyMoney()) === TOTAL, 20_000, 100);
  });

  it("Redis losing everything in the middle of the load comes back as the last checkpoint: a consistent cut, money conserved", async () => {
    const k = keysOf(env.ctx);
    let running = true;
    const load = (async () => {
      while (running) {
        await post(
          Array.from({ length: 40 }, () => {
            const from = Math.floor(Math.random() * ACCOUNTS);
            return { to: from, op: { op: "send", to: String((from + 1) % ACCOUNTS), amount: 1 + Math.floor(Math.random() * 50) } as TxOp };
          }),
        );
        await sleep(5);
      }
    })();
    try {
      await sleep(1_000);
      const before = Number(await env.ctx.redis.get(k.seq));
      expect(await wipeRedis(env.ctx)).toBeGreaterThan(0);
      await waitFor(async () => (await env.ctx.redis.exists(k.marker)) === 1, 20_000, 20);
      const marker = JSON.parse((await env.ctx.redis.get(k.marker))!) as { by: string; fromSeq: number };
      expect(marker.by).toBe("recovery");
      // rebuilt from a checkpoint taken during the load, close behind the sequence Redis had reached (lag cap 1 s)
      expect(marker.fromSeq).toBeGreaterThan(0);
      expect(before - marker.fromSeq).toBeLessThan(5_000);
      await sleep(1_000); // the load goes on against the rebuilt plane
    } finally {
      running = false;
      await load;
    }
    await waitFor(async () => (await fuzzyCopyMoney()) === TOTAL, 20_000, 100);
  });
});
