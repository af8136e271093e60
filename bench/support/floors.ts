/**
 * What the parts no one here can make cheaper cost on this machine, measured in the same run as the scenarios:
 *
 *   http      one single-message HTTP request as scenario a sends it (same client, same concurrency) to a bare
 *             node:http server that reads the body and answers 202 — the least any HTTP ingress can cost, client
 *             and server side, per request;
 *   function  the official-SDK counter function called directly with ToFunction bodies of 1 and of 20
 *             invocations (64 concurrent, keep-alive) — its CPU per call, and the calling client's.
 *
 * `ceiling()` turns them into the highest msgs/s a scenario could reach if everything of ours (ingress
 * validation, Redis scripts beyond one commit, the worker beyond its HTTP client, the checkpointer, Postgres)
 * cost nothing: 2 cores × 10⁶ µs / (floor µs per message). A target above its ceiling cannot be met here.
 */
import { Pool } from "undici";
import { postToFunction } from "../../server/protocol/transport";
import { encodeBatchRequest, encodeEntry, decodeEntry } from "../../server/dispatch/entries";

export const BARE_HTTP_SERVER = `
const http = require("node:http");
const body = JSON.stringify({ messageId: "00000000-0000-0000-0000-000000000000" });
const s = http.createServer((req, res) => {
  req.on("data", () => {});
  req.on("end", () => { res.writeHead(202, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body); });
});
s.keepAliveTimeout = 65000;
s.listen(Number(process.argv[1]), "127.0.0.1");
process.on("SIGTERM", () => { s.closeAllConnections(); s.close(() => process.exit(0)); });
`;

export interface CpuReader {
  (): number;
}

/** CPU seconds used by `who` while `work` runs, per unit of work (µs), and the work's rate. */
async function measure(units: number, who: Record<string, CpuReader>, work: () => Promise<void>) {
  const before = Object.fromEntries(Object.entries(who).map(([k, r]) => [k, r()]));
  const t0 = performance.now();
  await work();
  const secs = (performance.now() - t0) / 1000;
  const us = Object.fromEntries(Object.entries(who).map(([k, r]) => [k, Math.round(((r() - before[k]) * 1e6) / units)]));
  return { perSec: Math.round(units / secs), usPer: us };
}

async function concurrently(n: number, concurrency: number, one: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await one(next++);
  }));
}

/** Scenario a's request loop against the bare server: µs per request for the client (bench) and the server. */
export async function httpFloor(origin: string, requests: number, concurrency: number, cpu: { client: CpuReader; server: CpuReader }) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  try {
    await concurrently(200, concurrency, async (i) => void (await (await pool.request({ method: "PUT", path: `/warm/${i}`, body: "{}" })).body.dump()));
    const r = await measure(requests, cpu, () =>
      concurrently(requests, concurrency, async (i) => {
        const res = await pool.request({ method: "PUT", path: `/api/v1/ingress/bench/a/${i % 1000}`, headers: { authorization: "Bearer x", "content-type": "application/vnd.bench/Tick" }, body: `{"t":${Date.now()}}` });
        await res.body.dump();
        if (res.statusCode !== 202) throw new Error(`bare server answered ${res.statusCode}`);
      }),
    );
    return { requests, requestsPerSec: r.perSec, clientUsPerRequest: r.usPer.client, serverUsPerRequest: r.usPer.server };
  } finally {
    await pool.close();
  }
}

/** The SDK function called directly with the worker's HTTP client: µs per call for the function and for that client, at each batch size. */
export async function functionFloor(url: string, type: string, batches: Array<{ batch: number; calls: number }>, cpu: { client: CpuReader; function: CpuReader }) {
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 });
  const [namespace, name] = type.split("/");
  const entry = (t: number) => decodeEntry(encodeEntry("m", t, null, { typename: "bench/Tick", hasValue: true, value: Buffer.from(`{"t":${t}}`) })).invocation;
  const call = async (id: string, batch: number) => {
    const inv = Array.from({ length: batch }, () => entry(Date.now()));
    const body = encodeBatchRequest({ namespace, type: name, id }, [{ name: "n", typename: "io.statefun.types/int", value: null }], inv);
    const res = await postToFunction(url, body, { connectTimeoutMs: 10_000, callTimeoutMs: 60_000, dispatcher: pool });
    if (res.status !== 200) throw new Error(`the SDK function answered ${res.status}`);
  };
  try {
    await concurrently(500, 64, (i) => call(`warm-${i}`, 1));
    const out: Record<string, { calls: number; callsPerSec: number; functionUsPerCall: number; clientUsPerCall: number }> = {};
    for (const { batch, calls } of batches) {
      const r = await measure(calls, cpu, () => concurrently(calls, 64, (i) => call(`b${batch}-${i}`, batch)));
      out[`batch${batch}`] = { calls, callsPerSec: r.perSec, functionUsPerCall: r.usPer.function, clientUsPerCall: r.usPer.client };
    }
    return out;
  } finally {
    await pool.close();
  }
}

type FnFloor = Awaited<ReturnType<typeof functionFloor>>;

/** µs per call at batch `k`, on the straight line through the measured batch sizes 1 and 20. */
export function perCallAt(f: FnFloor, k: number, field: "functionUsPerCall" | "clientUsPerCall"): number {
  const one = f.batch1[field];
  const twenty = f.batch20[field];
  return one + ((twenty - one) / 19) * (k - 1);
}

/**
 * The floor per message of a scenario with mean batch `k`: its share of an HTTP ingress request (`ingressShare`
 * requests per message), the function call and its client divided over the batch, and one commit script's
 * Redis time per call. Returns µs per message and the msgs/s ceiling on `cores` cores.
 */
export function ceiling(o: { http?: { clientUsPerRequest: number; serverUsPerRequest: number }; ingressShare: number; fn: FnFloor; meanBatch: number; redisUsPerCommit: number; cores: number }) {
  const k = Math.max(1, o.meanBatch);
  const parts = {
    ingressHttp: o.http ? (o.http.clientUsPerRequest + o.http.serverUsPerRequest) * o.ingressShare : 0,
    function: perCallAt(o.fn, k, "functionUsPerCall") / k,
    functionClient: perCallAt(o.fn, k, "clientUsPerCall") / k,
    redisCommit: o.redisUsPerCommit / k,
  };
  const us = Object.values(parts).reduce((a, b) => a + b, 0);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { floorUsPerMsg: round(us), parts: Object.fromEntries(Object.entries(parts).map(([k2, v]) => [k2, round(v)])), ceilingMsgsPerSec: Math.round((o.cores * 1e6) / us) };
}
