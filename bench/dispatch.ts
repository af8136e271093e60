/**
 * End-to-end dispatch benchmark (`npm run bench:dispatch -- [flags]`); prints one JSON document. Not a test.
 *
 * A fresh Postgres schema and Redis key prefix (tests/support/test-context), N real worker processes, the
 * ingress (the lean listener, or `next start` of a built app), and a counter function on the official
 * StateFun JS SDK in its own process. Every message enters through the HTTP ingress with an operator API
 * token, as a user would send it:
 *   raw  the commit script alone: DataPlane.commit on pre-claimed synthetic addresses, pipelined
 *   a    1,000 addresses × 20 messages (20,000) from 64 concurrent single-message requests
 *   b    the same 20,000 messages as one NDJSON request
 *   c    100,000 messages to distinct addresses, NDJSON batches
 *   d    10 hot addresses: 100,000 messages queued while the application is paused, then resumed and drained
 *   floor  what the parts no one here wrote cost (a bare HTTP server, the SDK function called directly), and from
 *        them each scenario's ceiling: the msgs/s it could reach if everything of ours cost nothing
 * Each scenario ends by checking Σ counters == messages accepted.
 *
 * Flags: --workers N (1) --ingress lean|next (lean) --next-dir DIR (a directory holding a built .next; cwd)
 *        --only raw,floor,a,b,c,d --scale F (multiply message counts) --cpu-prof DIR (profile every child process)
 *        --token operator|admin (an API token looked up in Postgres, or STATEHOUSE_ADMIN_TOKEN)
 *        --concurrency 64 (scenario a) --batch-lines 10000 (NDJSON lines per request in c and d)
 *        --warmup 5000 (messages sent through both ingress forms before the scenarios; 0: none)
 *        --env KEY=VALUE (repeatable: configuration for every process, e.g. --env DISPATCH_MAX_INFLIGHT=32)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { Pool } from "undici";

try {
  process.loadEnvFile();
} catch {}

const { values: flags } = parseArgs({
  options: {
    workers: { type: "string", default: "1" },
    ingress: { type: "string", default: "lean" },
    "next-dir": { type: "string", default: process.cwd() },
    only: { type: "string", default: "raw,floor,a,b,c,d" },
    scale: { type: "string", default: "1" },
    "cpu-prof": { type: "string" },
    "batch-lines": { type: "string", default: "10000" },
    concurrency: { type: "string", default: "64" },
    warmup: { type: "string", default: "5000" },
    token: { type: "string", default: "operator" },
    env: { type: "string", multiple: true, default: [] },
  },
});

const { setAppContext } = await import("../server/context");
const { DataPlane } = await import("../server/dispatch/data-plane");
const { encodeEntry } = await import("../server/dispatch/entries");
const { encodePrimitive, PRIMITIVE_TYPENAMES } = await import("../server/protocol/typed-values");
const { metricsKeys } = await import("../server/metrics/keys");
const { emptyBuckets, quantile } = await import("../server/metrics/histogram");
const { createTestContext } = await import("../tests/support/test-context");
const { freePort, waitFor } = await import("../tests/support/processes");
const { cpuMeter: cpuMeterOf, cpuOfCommand, cpuOfPid, nextStartArgs, redisPidOf } = await import("./support/processes");
const { appliedProbe, putEach: putEachWith, quantiles } = await import("./support/applied");
const { benchApp } = await import("./support/bench-app");
const floors = await import("./support/floors");

const WORKERS = Number(flags.workers);
const SCALE = Number(flags.scale);
const ONLY = new Set(flags.only!.split(","));
const BATCH_LINES = Number(flags["batch-lines"]);
const CONCURRENCY = Number(flags.concurrency);
const WARMUP = Number(flags.warmup);
const PROF_DIR = flags["cpu-prof"] ? resolve(flags["cpu-prof"]) : null;
const TYPES = ["bench/a", "bench/b", "bench/c", "bench/d", "bench/floor", "bench/warm"];
const n = (x: number) => Math.max(1, Math.round(x * SCALE));
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------- processes ----------
interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}
const procs: Proc[] = [];
function spawnNode(name: string, argv: string[], env: Record<string, string>, cwd = process.cwd()): Proc {
  // One directory per process: tsx's loader thread writes a profile of its own beside the main thread's.
  const prof = PROF_DIR ? ["--cpu-prof", `--cpu-prof-dir=${join(PROF_DIR, name)}`] : [];
  const child = spawn(process.execPath, [...prof, ...argv], {
    cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NODE_ENV: "production", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  const p = { name, child, output: () => out, exited };
  procs.push(p);
  return p;
}
const tsxEntry = (entry: string) => ["--import", "tsx", join(process.cwd(), entry)];
async function waitHttp(url: string, p: Proc, timeoutMs = 60_000) {
  await waitFor(async () => (await fetch(url)).status < 500, timeoutMs, 100).catch((e) => {
    throw new Error(`${p.name} did not come up: ${e}\n${p.output()}`);
  });
}
async function stopAll() {
  // SIGTERM lets each process write its CPU profile.
  for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGTERM");
  await Promise.race([Promise.all(procs.map((p) => p.exited)), sleep(15_000)]);
  for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
}

// ---------- setup ----------
if (PROF_DIR) mkdirSync(PROF_DIR, { recursive: true });
const envOverrides = Object.fromEntries((flags.env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
const ctx = await createTestContext({ LOG_LEVEL: "warn", ...envOverrides });
setAppContext(ctx);
const env = ctx.env;
const P = env.STATEHOUSE_PARTITIONS;
const plane = new DataPlane(ctx.redis, env.STATEHOUSE_REDIS_PREFIX, P, env.DISPATCH_GROUPS);
const results: Record<string, unknown> = {};
let exitCode = 0;
const redisPid = await redisPidOf(ctx.redis);

/** Calls in flight over all workers (their flushed inflightAsyncOps gauges), sampled every 250 ms. */
function inflightSampler() {
  const mk = metricsKeys(env.STATEHOUSE_REDIS_PREFIX);
  const samples: number[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const ids = await ctx.redis.zrange(mk.workers, 0, -1);
      const gauges = await Promise.all(ids.map((id) => ctx.redis.hvals(mk.gauges(id))));
      samples.push(gauges.flat().reduce((a, v) => a + Number(v), 0));
      await sleep(250);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    const busy = samples.filter((x) => x > 0);
    return { mean: busy.length ? Math.round(busy.reduce((a, b) => a + b, 0) / busy.length) : 0, max: Math.max(0, ...samples) };
  };
}

/** CPU used by each process between two calls: where a scenario's time goes, on a machine everyone shares. */
const cpuMeter = () =>
  cpuMeterOf([
    ...procs.map((p): [string, () => number] => [p.name, () => cpuOfPid(p.child.pid ?? 0)]),
    ["redis", () => cpuOfPid(redisPid)],
    ["postgres", () => cpuOfCommand("postgres")],
    ["bench", () => cpuOfPid(process.pid)],
  ]);

try {
  /** Redis's own time per command (commands a script runs are counted too): where a script's time goes. */
  const commandStats = async () => {
    const out = new Map<string, { calls: number; usec: number }>();
    for (const m of (await ctx.redis.info("commandstats")).matchAll(/cmdstat_([\w|]+):calls=(\d+),usec=(\d+)/g)) out.set(m[1], { calls: Number(m[2]), usec: Number(m[3]) });
    return out;
  };

  // ---------- raw: the commit script alone, before any other process exists (nothing else runs scripts) ----------
  if (ONLY.has("raw")) {
    log("raw commit rate");
    const raw = new DataPlane(ctx.redis, `${env.STATEHOUSE_REDIS_PREFIX}:raw`, P, env.DISPATCH_GROUPS);
    await raw.initMarker();
    const N = n(50_000);
    const entry = encodeEntry("m", Date.now(), null, { typename: "bench/Tick", hasValue: true, value: Buffer.from('{"t":0}') });
    for (let i = 0; i < N; i += 5000)
      await raw.enqueue(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({ address: `bench/raw/${i + j}`, functionType: "bench/raw", entry, cap: 0 })), 60_000);
    const claimed = (await Promise.all(Array.from({ length: P }, async (_, p) => {
      const out = [];
      for (;;) {
        const cs = await raw.claim(p, 1000, 1, 600_000);
        out.push(...cs);
        if (cs.length < 1000) return out;
      }
    }))).flat();
    const value = Buffer.from(encodePrimitive(PRIMITIVE_TYPENAMES.int, 1));
    const summary = JSON.stringify({ n: 1, m: ["set n"], o: [], d: 0, e: 0 });
    let next = 0;
    const statsBefore = await commandStats();
    const cpu = cpuMeter();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 256 }, async () => {
      while (next < claimed.length) {
        const c = claimed[next++];
        await raw.commit({ claimed: c, functionType: "bench/raw", consumed: 1, mutations: [{ name: "n", op: "M", value }], outgoing: [], timers: [], egress: [], summary });
      }
    }));
    const secs = (performance.now() - t0) / 1000;
    const usage = cpu(claimed.length);
    const statsAfter = await commandStats();
    const delta = (cmd: string) => {
      const a = statsAfter.get(cmd) ?? { calls: 0, usec: 0 };
      const b = statsBefore.get(cmd) ?? { calls: 0, usec: 0 };
      return { calls: a.calls - b.calls, usec: a.usec - b.usec };
    };
    const evalsha = delta("evalsha");
    const redisUsPerScript = Math.round((evalsha.usec / Math.max(1, evalsha.calls)) * 10) / 10;
    // Time inside the script's redis.call()s, per commit, by command; the rest of redisUsPerScript is Lua itself.
    const insideScript = Object.fromEntries(
      [...statsAfter.keys()]
        .filter((c) => c !== "evalsha" && c !== "info")
        .map((c) => [c, Math.round((delta(c).usec / claimed.length) * 100) / 100] as const)
        .filter(([, us]) => us >= 0.05)
        .sort((a, b) => b[1] - a[1]),
    );
    results.rawCommit = {
      commits: claimed.length,
      seconds: Math.round(secs * 1000) / 1000,
      commitsPerSec: Math.round(claimed.length / secs),
      redisUsPerScript,
      redisBoundCommitsPerSec: Math.round(1e6 / redisUsPerScript),
      redisUsPerCommitByCommand: insideScript,
      cpu: usage,
      note: "1 message per commit, 256 in flight, ioredis auto-pipelining, one connection; redisUsPerScript = Redis's own time per EVALSHA (INFO commandstats; other clients of this Redis add noise)",
    };
  }

  const fnPort = await freePort();
  const fn = spawnNode("function", [...tsxEntry("bench/counter-function.ts"), "--port", String(fnPort), "--types", TYPES.join(",")], {});
  await waitHttp(`http://127.0.0.1:${fnPort}/samples`, fn);
  const fnUrl = `http://127.0.0.1:${fnPort}/statefun`;

  // ---------- floor: before any worker or ingress exists, so only the measured processes run ----------
  if (ONLY.has("floor")) {
    log("floor: bare HTTP server and the SDK function called directly");
    const barePort = await freePort();
    const bare = spawnNode("bare-http", ["-e", floors.BARE_HTTP_SERVER, String(barePort)], {});
    await waitHttp(`http://127.0.0.1:${barePort}/`, bare);
    const self = () => cpuOfPid(process.pid);
    const http = await floors.httpFloor(`http://127.0.0.1:${barePort}`, n(20_000), CONCURRENCY, { client: self, server: () => cpuOfPid(bare.child.pid ?? 0) });
    bare.child.kill("SIGTERM");
    await bare.exited;
    const fnCalls = await floors.functionFloor(fnUrl, "bench/floor", [{ batch: 1, calls: n(20_000) }, { batch: 20, calls: n(2_000) }], { client: self, function: () => cpuOfPid(fn.child.pid ?? 0) });
    results.floor = { http, function: fnCalls, note: "CPU µs per request/call of the processes named; 64 concurrent, keep-alive; the bench process is the client" };
  }

  // The cap is the mailbox limit too (StateFun's maxNumBatchRequests): room for scenario d's 10,000 per address.
  const { call, must, token } = await benchApp(ctx, fnUrl, 20_000);

  for (let i = 0; i < WORKERS; i++) {
    const port = await freePort();
    const w = spawnNode(`worker-${i}`, tsxEntry("worker/index.ts"), { ...ctx.childEnv, WORKER_HEALTH_PORT: String(port) });
    await waitHttp(`http://127.0.0.1:${port}/healthz`, w);
  }

  const ingressPort = await freePort();
  const ingress =
    flags.ingress === "next"
      ? spawnNode("next", nextStartArgs(ingressPort), { ...ctx.childEnv, NEXT_TELEMETRY_DISABLED: "1" }, resolve(flags["next-dir"]!))
      : spawnNode("ingress", tsxEntry("worker/ingress.ts"), { ...ctx.childEnv, INGRESS_PORT: String(ingressPort) });
  await waitHttp(`http://127.0.0.1:${ingressPort}/api/v1/ingress`, ingress);
  const origin = `http://127.0.0.1:${ingressPort}`;
  const pool = new Pool(origin, { connections: CONCURRENCY, pipelining: 1, keepAliveTimeout: 60_000 });
  // An operator API token (looked up in Postgres per request), or --token admin: STATEHOUSE_ADMIN_TOKEN (no lookup).
  const auth = `Bearer ${flags.token === "admin" ? env.STATEHOUSE_ADMIN_TOKEN : token}`;

  // What the processes cost doing nothing: idle polling is paid under load too.
  await sleep(1_000);
  const idle = cpuMeter();
  await sleep(3_000);
  results.idle = idle(1).perProcess;
  for (const v of Object.values(results.idle as Record<string, { usPerMsg?: number; coresBusy?: number; cpuSec: number }>)) {
    v.coresBusy = Math.round((v.cpuSec / 3) * 1000) / 1000;
    delete v.usPerMsg;
  }

  // ---------- measuring helpers ----------
  const { statsSum, commitsOf, counterSum, waitApplied } = appliedProbe(ctx.redis, plane);
  const histogramOf = async (type: string, h: string) => {
    const raw = await ctx.redis.hgetall(metricsKeys(env.STATEHOUSE_REDIS_PREFIX).totals(type));
    const b = emptyBuckets();
    for (const [f, v] of Object.entries(raw)) {
      const [name, part] = f.split("|");
      if (name !== h || part === undefined) continue;
      if (part === "sum") b.sum = Number(v);
      else if (part === "count") b.count = Number(v);
      else b.buckets[Number(part)] += Number(v);
    }
    return { count: b.count, p50: quantile(b, 0.5), p99: quantile(b, 0.99), mean: b.count ? Math.round((b.sum / b.count) * 100) / 100 : null };
  };
  /** Σ counters, latency from the workers' histograms (flushed each second) and from the function itself. */
  const finish = async (type: string, addresses: string[], accepted: number, started: number) => {
    const commits = await commitsOf(`${type}/`);
    const lastCommit = commits.length ? commits[commits.length - 1][0] : Date.now();
    const seconds = (lastCommit - started) / 1000;
    const sum = await counterSum(addresses);
    await sleep(1_500);
    const latency = await histogramOf(type, "messageLatency");
    const fnSide = (await (await fetch(`http://127.0.0.1:${fnPort}/samples?type=${encodeURIComponent(type)}`)).json()) as Record<string, number>;
    return {
      messages: accepted,
      seconds: Math.round(seconds * 1000) / 1000,
      msgsPerSec: Math.round(accepted / seconds),
      commits: commits.length,
      meanBatch: Math.round((accepted / Math.max(1, commits.length)) * 10) / 10,
      ingressToCommitMs: { p50: latency.p50, p99: latency.p99, mean: latency.mean, source: "worker histogram: commit time − mailbox entry enqueuedAt" },
      clientToInvokeMs: { p50: fnSide.p50, p99: fnSide.p99, source: "exact: function's clock − client send time in the payload" },
      functionConnectionsSoFar: fnSide.connectionsAccepted,
      correct: sum === accepted,
      counterSum: sum,
    };
  };
  const ndjsonLine = (target: string) => `{"target":"${target}","typename":"bench/Tick","value":{"t":${Date.now()}}}`;
  const postBatch = async (lines: string[]) => {
    const t = performance.now();
    const res = await pool.request({ method: "POST", path: "/api/v1/ingress", headers: { authorization: auth, "content-type": "application/x-ndjson" }, body: lines.join("\n") });
    const body = (await res.body.json()) as { accepted: number; rejected: unknown[] };
    if (res.statusCode !== 200) throw new Error(`batch ingress answered ${res.statusCode}: ${JSON.stringify(body)}`);
    return { accepted: body.accepted, rejected: body.rejected.length, ms: performance.now() - t };
  };

  /** N single-message PUTs to `type`/0..A-1 (round robin), CONCURRENCY at a time, as a user's clients send them. */
  const putEach = (type: string, A: number, N: number) => putEachWith(pool, { auth, type, addresses: A, messages: N, concurrency: CONCURRENCY });

  // ---------- warm-up: every process's hot paths compiled before anything is measured ----------
  // A long-running deployment is warm; a cold one is measured here separately (`warmup`). Measured without it,
  // b read 11,648–14,925 msgs/s alone against ~28,000 after a in the same session (the function's CPU per
  // message 34–40 µs against 11–14): JIT warm-up, not dispatch.
  if (WARMUP > 0) {
    log(`warm-up: ${WARMUP} single-message requests and ${WARMUP} in NDJSON`);
    const started = Date.now();
    const single = await putEach("bench/warm", 1000, WARMUP);
    let accepted = single.accepted;
    for (let i = 0; i < WARMUP; i += BATCH_LINES)
      accepted += (await postBatch(Array.from({ length: Math.min(BATCH_LINES, WARMUP - i) }, (_, j) => ndjsonLine(`bench/warm/${1000 + i + j}`)))).accepted;
    await waitApplied("bench/warm", accepted, 120_000);
    await sleep(1_000); // the checkpointer catches up before a starts
    results.warmup = { messages: accepted, seconds: Math.round((Date.now() - started) / 100) / 10, note: "not measured further: JIT warm-up of the ingress, the worker and the function before the scenarios" };
  }

  // ---------- a: 64 concurrent single-message requests ----------
  if (ONLY.has("a")) {
    const A = 1000;
    const N = n(20_000);
    log(`a: ${N} single-message requests, ${CONCURRENCY} concurrent`);
    const started = Date.now();
    const cpu = cpuMeter();
    const inflight = inflightSampler();
    const { accepted, statuses, reqMs } = await putEach("bench/a", A, N);
    const sendSecs = (Date.now() - started) / 1000;
    await waitApplied("bench/a", accepted, 120_000);
    const usage = { ...cpu(accepted), callsInFlight: await inflight() };
    results.a = { cpu: usage, ...(await finish("bench/a", Array.from({ length: A }, (_, i) => `bench/a/${i}`), accepted, started)), requestsPerSec: Math.round(N / sendSecs), requestMs: quantiles(reqMs), statuses };
  }

  // ---------- b: the same 20,000 as one NDJSON request ----------
  if (ONLY.has("b")) {
    const A = 1000;
    const N = n(20_000);
    log(`b: ${N} messages in one NDJSON request`);
    const lines = Array.from({ length: N }, (_, i) => ndjsonLine(`bench/b/${i % A}`));
    const started = Date.now();
    const cpu = cpuMeter();
    const inflight = inflightSampler();
    const r = await postBatch(lines);
    await waitApplied("bench/b", r.accepted, 120_000);
    const usage = { ...cpu(r.accepted), callsInFlight: await inflight() };
    results.b = { cpu: usage, ...(await finish("bench/b", Array.from({ length: A }, (_, i) => `bench/b/${i}`), r.accepted, started)), requestMs: Math.round(r.ms), rejected: r.rejected };
  }

  // ---------- c: 100,000 distinct addresses ----------
  if (ONLY.has("c")) {
    const N = n(100_000);
    log(`c: ${N} messages to distinct addresses, NDJSON batches of ${BATCH_LINES}, 2 in flight`);
    const addresses = Array.from({ length: N }, (_, i) => `bench/c/${i}`);
    let accepted = 0;
    let rejected = 0;
    const batchMs: number[] = [];
    let next = 0;
    const started = Date.now();
    const cpu = cpuMeter();
    const inflight = inflightSampler();
    await Promise.all([0, 1].map(async () => {
      while (next < N) {
        const from = next;
        next += BATCH_LINES;
        const r = await postBatch(addresses.slice(from, from + BATCH_LINES).map(ndjsonLine));
        accepted += r.accepted;
        rejected += r.rejected;
        batchMs.push(r.ms);
      }
    }));
    await waitApplied("bench/c", accepted, 300_000);
    const usage = { ...cpu(accepted), callsInFlight: await inflight() };
    results.c = { cpu: usage, ...(await finish("bench/c", addresses, accepted, started)), batchRequestMs: quantiles(batchMs), rejected };
  }

  // ---------- d: 10 hot addresses, deep backlogs ----------
  if (ONLY.has("d")) {
    const A = 10;
    const N = n(100_000);
    log(`d: ${N} messages queued for ${A} addresses while paused, then drained`);
    await must(call("POST", "/api/v1/applications/{app}/pause", { params: { app: "bench" } }), 200);
    await sleep(500); // the workers see the pause through pub/sub
    let accepted = 0;
    for (let i = 0; i < N; i += BATCH_LINES) accepted += (await postBatch(Array.from({ length: Math.min(BATCH_LINES, N - i) }, (_, j) => ndjsonLine(`bench/d/${(i + j) % A}`)))).accepted;
    await waitFor(async () => (await statsSum("bench/d|backlog")) === accepted, 30_000, 50);
    const resumed = Date.now();
    const cpu = cpuMeter();
    const inflight = inflightSampler();
    await must(call("POST", "/api/v1/applications/{app}/resume", { params: { app: "bench" } }), 200);
    await waitApplied("bench/d", accepted, 300_000);
    const usage = { ...cpu(accepted), callsInFlight: await inflight() };
    const commits = await commitsOf("bench/d/");
    const first = commits[0];
    const last = commits[commits.length - 1];
    const drainSecs = (last[0] - first[0]) / 1000;
    const base = await finish("bench/d", Array.from({ length: A }, (_, i) => `bench/d/${i}`), accepted, resumed);
    results.d = {
      messages: accepted,
      commits: commits.length,
      meanBatch: base.meanBatch,
      drainSeconds: Math.round(drainSecs * 1000) / 1000,
      msgsPerSec: Math.round((accepted - first[1]) / drainSecs),
      resumeToDoneSeconds: base.seconds,
      resumeToDoneMsgsPerSec: base.msgsPerSec,
      note: "msgsPerSec = messages after the first commit / (last commit − first commit); resume → first commit includes the registry change reaching the worker and the unhold",
      correct: base.correct,
      counterSum: base.counterSum,
      cpu: usage,
    };
  }

  const rawRate = (results.rawCommit as { commitsPerSec?: number } | undefined)?.commitsPerSec;
  const floor = results.floor as { http: Parameters<typeof floors.ceiling>[0]["http"]; function: Parameters<typeof floors.ceiling>[0]["fn"] } | undefined;
  const redisUsPerCommit = (results.rawCommit as { redisUsPerScript?: number } | undefined)?.redisUsPerScript ?? 0;
  // Share of one single-message HTTP request per message: a sends one per message; b, c and d send batches.
  const ingressShare: Record<string, number> = { a: 1, b: 0, c: 0, d: 0 };
  const targets: Record<string, number> = { a: 8_000, b: 30_000, c: 7_000, d: 50_000 };
  for (const s of ["a", "b", "c", "d"]) {
    const r = results[s] as { msgsPerSec: number; correct: boolean } | undefined;
    if (!r) continue;
    Object.assign(r, { target: targets[s], meetsTarget: r.msgsPerSec >= targets[s], ratioToRawCommit: rawRate ? Math.round((r.msgsPerSec / rawRate) * 1000) / 1000 : null });
    if (floor) {
      const c = floors.ceiling({ http: floor.http, ingressShare: ingressShare[s], fn: floor.function, meanBatch: (r as { meanBatch?: number }).meanBatch ?? 1, redisUsPerCommit, cores: availableParallelism() });
      Object.assign(r, { ceiling: { ...c, targetAboveCeiling: targets[s] > c.ceilingMsgsPerSec, ratioToCeiling: Math.round((r.msgsPerSec / c.ceilingMsgsPerSec) * 1000) / 1000 } });
    }
    if (!r.correct) exitCode = 1;
  }
  await pool.close();
} catch (e) {
  exitCode = 1;
  results.error = String((e as Error)?.stack ?? e);
  for (const p of procs) results[`${p.name}Output`] = p.output().slice(-3000);
} finally {
  await stopAll();
  setAppContext(undefined);
  await ctx.cleanup();
}

console.log(
  JSON.stringify(
    {
      machine: { cpus: (await import("node:os")).availableParallelism(), node: process.version },
      config: { workers: WORKERS, ingress: flags.ingress, token: flags.token, env: envOverrides, scale: SCALE, partitions: P, groups: env.DISPATCH_GROUPS, claimBatch: env.DISPATCH_CLAIM_BATCH, maxBatch: env.DISPATCH_MAX_BATCH, maxInflight: env.DISPATCH_MAX_INFLIGHT, concurrency: CONCURRENCY, batchLines: BATCH_LINES, warmup: WARMUP },
      ...results,
      profiles: PROF_DIR,
    },
    null,
    2,
  ),
);
process.exit(exitCode);
