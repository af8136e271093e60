/**
 * Durability benchmark (`npm run bench:durability -- [flags]`); prints one JSON document on stdout, progress
 * on stderr. Not a test. A fresh Postgres schema and Redis key prefix (tests/support/test-context), dropped at
 * the end; one real worker process (checkpointer + control jobs + dispatch) and the counter function of
 * bench/counter-function.ts (official StateFun JS SDK) in processes of their own.
 *
 * Data: three applications bound to the counter function — `big` (big/c, 1M addresses), `small` (small/c, 100k)
 * and `trickle` (trickle/*, the steady trickle that shows whether dispatch pauses). Addresses are written with
 * the commit script itself (DataPlane enqueue → claim → commit, one small int value `n` each, 256 commits in
 * flight), as bench/dispatch.ts `raw` does.
 *   drain     200k commits written with no checkpointer running, then Checkpointer.round() in this process until
 *             caught up: commits/s vs the raw commit rate of the same run; then the rest of the data is committed
 *             at full speed while the worker's checkpointer drains (lag p50/p99 from readCheckpointLag)
 *   savepoint takeSavepoint of 100k and 1M addresses through the API + the worker's control job, while the worker
 *             dispatches a trickle to another application: max gap between its commits, max checkpoint lag
 *   rollback  runRollback (API + control job) onto those savepoints after changing 1% of the addresses: ms, phases
 *   recovery  every key of the prefix deleted (never FLUSHALL: the Redis is shared), recoverDataPlane: ms, addresses/s
 *   aof       the raw commit workload against three private redis-server processes: no AOF, everysec, always
 * plus memory: Redis used_memory and MEMORY USAGE per address, Postgres cp_* / savepoint_* sizes, RSS peaks.
 *
 * Flags: --scale F (1: the figures above; multiplies every count) --only drain,savepoint,rollback,recovery,aof
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";

try {
  process.loadEnvFile();
} catch {}

const { values: flags } = parseArgs({
  options: {
    scale: { type: "string", default: "1" },
    only: { type: "string", default: "drain,savepoint,rollback,recovery,aof" },
  },
});

const { setAppContext } = await import("../server/context");
const { DataPlane } = await import("../server/dispatch/data-plane");
const { decodePrimitive, PRIMITIVE_TYPENAMES } = await import("../server/protocol/typed-values");
const { commitAll, enqueueAndClaim, ids, tick } = await import("./support/commit-workload");
const { cpuOfCommand, cpuOfPid, halt, launch, peakRssMiB, tsx } = await import("./support/processes");
const { bytesPerAddress, pgSizes } = await import("./support/storage-sizes");
const { measureAofLevels } = await import("./support/aof-levels");
type Child = import("./support/processes").Child;
const { Checkpointer } = await import("../server/durability/checkpointer");
const { readCheckpointLag } = await import("../server/durability/lag");
const { recoverDataPlane } = await import("../server/durability/recovery");
const { controlQueue, closeControlQueue } = await import("../server/durability/control-queue");
const { createPgPool } = await import("../server/pg");
const { createLogger } = await import("../server/logger");
const { createTestContext } = await import("../tests/support/test-context");
const { apiClient } = await import("../tests/support/api-client");
const { freePort, waitFor } = await import("../tests/support/processes");

const SCALE = Number(flags.scale);
const ONLY = new Set(flags.only!.split(","));
const n = (x: number) => Math.max(1, Math.round(x * SCALE));
/** This process's resident memory, sampled every 100 ms with the step it was in (the peak says which step needs it). */
const rssPeak = { mib: 0, during: "" };
let step = "setup";
setInterval(() => {
  const mib = Math.round(process.memoryUsage().rss / 2 ** 20);
  if (mib > rssPeak.mib) [rssPeak.mib, rssPeak.during] = [mib, step];
}, 100).unref();
const log = (msg: string) => {
  step = msg;
  process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} rss ${Math.round(process.memoryUsage().rss / 2 ** 20)} MiB · ${msg}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const NEED_DATA = ["savepoint", "rollback", "recovery"].some((s) => ONLY.has(s));
const DRAIN_N = n(200_000);
const BIG = NEED_DATA ? n(1_000_000) : 2 * DRAIN_N;
const SMALL = NEED_DATA ? n(100_000) : 0;
const HOT_N = n(50_000);
const HOT_SHARE = 0.2;
const TARGETS = { drainCommitsPerSec: 30_000, savepoint1MMs: 5_000, rollback1MMs: 10_000 };
const TRICKLE_EVERY_MS = 20;
const TRICKLE_BASELINE_MS = 3_000;
/** A trickle gap longer than this counts as a dispatch pause (the trickle sends every 20 ms). */
const PAUSE_MS = 250;
const WINDOWS = ["sp-small", "sp-big", "rb-small", "rb-big", "rb-small-all"];

/** Every child process this benchmark starts: stopped at the end, their output kept in the report. */
const children: Child[] = [];
const start = (...args: Parameters<typeof launch>) => {
  const c = launch(...args);
  children.push(c);
  return c;
};

// ---------- setup ----------
const ctx = await createTestContext({ LOG_LEVEL: "warn" });
setAppContext(ctx);
const env = ctx.env;
const P = env.STATEHOUSE_PARTITIONS;
const plane = new DataPlane(ctx.redis, env.STATEHOUSE_REDIS_PREFIX, P, env.DISPATCH_GROUPS);
const K = plane.keys;
await plane.initMarker();
const pool = createPgPool(ctx.databaseUrl, 4);
const quietLog = createLogger("error");
const redisPid = Number(/process_id:(\d+)/.exec(await ctx.redis.info("server"))?.[1] ?? 0);
const results: Record<string, unknown> = {};
let exitCode = 0;
// ioredis can throw from inside its auto-pipeline after a failed script call (see the README): record it, clean up
process.on("uncaughtException", (e) => {
  exitCode = 1;
  results.uncaughtException = String(e?.stack ?? e);
  log(`uncaught: ${e}`);
});
let worker: Child | undefined;
let fn: Child | undefined;
const rss: Record<string, unknown> = {};

/** CPU per process between two calls (the machine is shared: this says where a phase's time went). */
function cpuMeter() {
  // backends come and go: one that ended between the two calls is not counted (Postgres is undercounted a little)
  const read = (): Record<string, number> => ({
    bench: cpuOfPid(process.pid),
    worker: worker?.proc.pid ? cpuOfPid(worker.proc.pid) : 0,
    redis: cpuOfPid(redisPid),
    postgres: cpuOfCommand("postgres"),
  });
  const start = read();
  const t0 = Date.now();
  return () => {
    const wall = (Date.now() - t0) / 1000;
    const now = read();
    const cpuSec = Object.fromEntries(Object.entries(now).map(([k, v]) => [k, Math.round((v - (start[k] ?? 0)) * 100) / 100]));
    const total = Object.values(cpuSec).reduce((a, b) => a + b, 0);
    return { wallSec: r3(wall), coresBusy: Math.round((total / wall) * 100) / 100, cpuSec };
  };
}
const quantiles = (xs: number[]) => {
  const s = Float64Array.from(xs).sort();
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]);
  return s.length ? { p50: at(0.5), p99: at(0.99), max: Math.round(s[s.length - 1]) } : { p50: null, p99: null, max: null };
};
/** Runs `tick` every `ms` until the returned stop() (which waits for the tick in flight); a failing tick is skipped. */
function repeat(ms: number, tick: () => Promise<unknown>): () => Promise<void> {
  let on = true;
  const loop = (async () => {
    while (on) {
      await tick().catch(() => undefined);
      await sleep(ms);
    }
  })();
  return async () => {
    on = false;
    await loop;
  };
}
const usedMemory = async (redis = ctx.redis) => Number(/used_memory:(\d+)/.exec(await redis.info("memory"))![1]);
const seqNow = async () => Number((await ctx.redis.get(K.seq)) ?? 0);
const lagNow = () => readCheckpointLag(ctx.redis, K.prefix, K.seq);
const statsSum = async (field: string) => {
  const pipe = ctx.redis.pipeline();
  for (let p = 0; p < P; p++) pipe.hget(K.stats(p), field);
  return (await pipe.exec())!.reduce((s, [, v]) => s + Number(v ?? 0), 0);
};
const readN = async (addresses: string[]) => {
  const out: number[] = [];
  for (let i = 0; i < addresses.length; i += 5000) {
    const pipe = ctx.redis.pipeline();
    for (const a of addresses.slice(i, i + 5000)) pipe.hgetBuffer(K.state(K.partitionOf(a), a), "v:n");
    for (const [, v] of (await pipe.exec())!) out.push(v ? decodePrimitive(PRIMITIVE_TYPENAMES.int, v as Buffer) : 0);
  }
  return out;
};
/** Caught up: every change committed so far is in Postgres. */
const waitCheckpointed = async (timeoutMs: number) => {
  const target = await seqNow();
  await waitFor(async () => ((await lagNow())?.seq ?? 0) >= target, timeoutMs, 50);
};

/** Checkpointer rounds in this process until the cursor reaches the global sequence read first. */
async function drainInProcess() {
  const cp = new Checkpointer(ctx.redis, pool, K, quietLog, { batch: env.CHECKPOINT_BATCH, retain: env.CHANGELOG_RETAIN });
  const G = await seqNow();
  const cpu = cpuMeter();
  const t0 = performance.now();
  let rounds = 0;
  let entries = 0;
  for (let seq = 0; seq < G; rounds++) {
    const r = await cp.round();
    entries += r.entries;
    seq = r.seq;
  }
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, rounds, entries, cpu: cpu() };
}

// ---------- the trickle: is dispatch paused while a savepoint / rollback runs? ----------
let fnPort = 0;
/**
 * Sends one message every 20 ms to 8 addresses of `trickle/<name>` (another application), watching its applied
 * count (partition stats `|in`, polled every 10 ms) and the checkpoint lag (every 50 ms): a baseline, then
 * `event`, then 1 s more. maxGapMs is the longest time between two observed commits spanning the event.
 */
async function trickleWindow<T>(name: string, event: () => Promise<T>) {
  const type = `trickle/${name}`;
  const addrs = Array.from({ length: 8 }, (_, i) => `${type}/${i}`);
  const parts = [...new Set(addrs.map((a) => K.partitionOf(a)))];
  let sent = 0;
  let applied = 0;
  const seen: number[] = [];
  const lags: Array<[number, number]> = [];
  const stopSending = repeat(TRICKLE_EVERY_MS, async () => {
    await plane.enqueue([{ address: addrs[sent % addrs.length], functionType: type, entry: tick(), cap: 0 }], 60_000);
    sent++;
  });
  const stopWatching = repeat(10, async () => {
    const pipe = ctx.redis.pipeline();
    for (const p of parts) pipe.hget(K.stats(p), `${type}|in`);
    const now = Date.now();
    const sum = (await pipe.exec())!.reduce((s, [, v]) => s + Number(v ?? 0), 0);
    if (sum !== applied) {
      applied = sum;
      seen.push(now);
    }
  });
  const stopLag = repeat(50, async () => lags.push([Date.now(), (await lagNow())?.lagMs ?? 0]));
  const started = Date.now();
  await sleep(TRICKLE_BASELINE_MS);
  const t0 = Date.now();
  const cpu = cpuMeter();
  let value: T | undefined;
  let report: (Record<string, unknown> & { eventMs: number; paused: boolean }) | undefined;
  try {
    value = await event();
  } finally {
    const usage = cpu();
    const t1 = Date.now();
    await sleep(1_000);
    await stopSending();
    await waitFor(async () => applied >= sent, 60_000, 20).catch(() => undefined);
    await Promise.all([stopWatching(), stopLag()]);
    const maxGap = (from: number, to: number) => {
      // the observed commits in [from, to] plus the last one before and the first one after
      const i0 = Math.max(0, seen.findLastIndex((t) => t < from));
      let i1 = seen.findIndex((t) => t > to);
      if (i1 < 0) i1 = seen.length - 1;
      let g = 0;
      for (let i = i0 + 1; i <= i1; i++) g = Math.max(g, seen[i] - seen[i - 1]);
      return g;
    };
    const lagMax = (from: number, to: number) => Math.max(0, ...lags.filter(([t]) => t >= from && t <= to).map(([, l]) => l));
    const invoke = (await (await fetch(`http://127.0.0.1:${fnPort}/samples?type=${encodeURIComponent(type)}`)).json()) as Record<string, number>;
    const maxGapMs = maxGap(t0, t1);
    report = {
      functionType: type,
      eventMs: t1 - t0,
      sent,
      applied,
      baselineMaxGapMs: maxGap(started + 1_000, t0),
      maxGapMs,
      paused: maxGapMs > PAUSE_MS,
      baselineMaxLagMs: lagMax(started, t0),
      maxLagMs: lagMax(t0, t1),
      lagCapMs: env.CHECKPOINT_LAG_CAP_MS,
      invokeLatencyMs: { p50: invoke.p50, p99: invoke.p99, max: invoke.max, source: "exact: function's clock − send time, over the whole window" },
      cpu: usage,
    };
  }
  return { value: value as T, trickle: report! };
}

async function startWorker(): Promise<void> {
  const port = await freePort();
  worker = start("worker", process.execPath, tsx("worker/index.ts"), { ...ctx.childEnv, WORKER_HEALTH_PORT: String(port) });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 60_000, 100).catch((e) => {
    throw new Error(`the worker did not come up: ${e}\n${worker!.tail()}`);
  });
}

try {
  const call = await apiClient(env.STATEHOUSE_ADMIN_TOKEN!);
  const must = async (r: Promise<{ status: number; text: string; json: any }>, status: number) => {
    const res = await r;
    if (res.status !== status) throw new Error(`API call failed (${res.status}): ${res.text}`);
    return res.json;
  };
  const memory: Record<string, unknown> = {};
  const smallAddrs = ids("small/c", 0, SMALL);
  const bigAddrs = ids("big/c", 0, BIG);

  if (ONLY.has("drain") || NEED_DATA) {
    fnPort = await freePort();
    const fnUrl = `http://127.0.0.1:${fnPort}/statefun`;
    for (const [app, functions] of [["big", "big/*"], ["small", "small/*"], ["trickle", "trickle/*"]]) {
      await must(call("POST", "/api/v1/applications", { body: { name: app } }), 201);
      await must(call("POST", "/api/v1/applications/{app}/endpoints", { params: { app }, body: { functions, urlPathTemplate: fnUrl } }), 201);
    }
    const usedBefore = await usedMemory();
    memory.redisUsedBeforeMiB = r1(usedBefore / 2 ** 20);

    // ---------- drain: 200k commits with no checkpointer, then rounds in this process ----------
    const drainSet = bigAddrs.slice(0, DRAIN_N);
    log(`drain: enqueue + claim ${drainSet.length} addresses`);
    const claimed = await enqueueAndClaim(plane, drainSet, "big/c", false);
    log(`drain: commit ${claimed.length} (no checkpointer)`);
    const rawSecs = await commitAll(plane, claimed);
    claimed.length = 0;
    const rawRate = Math.round(drainSet.length / rawSecs);
    log(`drain: ${rawRate} commits/s; draining in process`);
    const d = await drainInProcess();
    const rows = async (t: string) => Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0].n);
    const drainRate = Math.round(drainSet.length / d.seconds);
    const drain: Record<string, unknown> = {
      commits: drainSet.length,
      rawCommit: { seconds: r3(rawSecs), commitsPerSec: rawRate, note: "DataPlane.commit on pre-claimed addresses, 256 in flight, one connection (as bench:dispatch raw)" },
      catchUp: {
        seconds: r3(d.seconds),
        commitsPerSec: drainRate,
        changelogEntries: d.entries,
        entriesPerSec: Math.round(d.entries / d.seconds),
        rounds: d.rounds,
        meanRoundMs: Math.round((d.seconds * 1000) / d.rounds),
        checkpointBatch: env.CHECKPOINT_BATCH,
        cpu: d.cpu,
        note: "Checkpointer.round() in this process until the cursor reaches the global sequence; changelog entries: one per commit plus one per enqueue script call (a partition's messages of one enqueue batch)",
      },
      ratioToRawCommit: r3(drainRate / rawRate),
      target: TARGETS.drainCommitsPerSec,
      meetsTarget: drainRate >= TARGETS.drainCommitsPerSec,
      correct: (await rows("cp_address")) === drainSet.length && (await rows("cp_value")) === drainSet.length && (await rows("cp_message")) === 0,
    };
    results.drain = drain;

    // ---------- the same catch-up with one hot partition: a share of the commits on addresses of partition 0 ----------
    const hotAddrs: string[] = [];
    for (let i = 0; hotAddrs.length < Math.round(HOT_N * HOT_SHARE); i++) if (K.partitionOf(`hot/c/p0-${i}`) === 0) hotAddrs.push(`hot/c/p0-${i}`);
    for (let i = 0; hotAddrs.length < HOT_N; i++) hotAddrs.push(`hot/c/${i}`);
    log(`drain: ${HOT_N} commits, ${HOT_SHARE * 100}% of them in one partition (no checkpointer)`);
    // ≤ 1,000 messages of one partition per enqueue call: DataPlane.enqueue fails from a few thousand on (see the README)
    const hotClaims = await enqueueAndClaim(plane, hotAddrs, "hot/c", true, 4_000);
    await drainInProcess(); // the enqueues, out of the way
    await commitAll(plane, hotClaims);
    hotClaims.length = 0;
    const h = await drainInProcess();
    const hotRate = Math.round(HOT_N / h.seconds);
    drain.hotPartition = {
      commits: HOT_N,
      shareInOnePartition: HOT_SHARE,
      seconds: r3(h.seconds),
      commitsPerSec: hotRate,
      rounds: h.rounds,
      ratioToUniformCatchUp: r3(hotRate / drainRate),
      cpu: h.cpu,
      note: "commits in random order, 20% of them to one partition (type hot/c: bound by no application); a round covers a budget of sequence numbers read whole from every partition, so a hot partition does not bound it",
    };

    // ---------- the rest of the data, committed at full speed while the worker's checkpointer drains ----------
    const rest = [...bigAddrs.slice(DRAIN_N), ...smallAddrs];
    log(`flowing: enqueue + claim ${rest.length} addresses before the worker starts (it would dispatch them)`);
    const flowing = [...(await enqueueAndClaim(plane, bigAddrs.slice(DRAIN_N), "big/c", true)), ...(await enqueueAndClaim(plane, smallAddrs, "small/c", true))];
    const e = await drainInProcess();
    drain.enqueueOnlyCatchUp = {
      messages: rest.length,
      changelogEntries: e.entries,
      seconds: r3(e.seconds),
      messagesPerSec: Math.round(rest.length / e.seconds),
      note: "the enqueues of the next step (one changelog entry per partition per enqueue call, ~80 messages each), drained in process before the worker starts",
    };

    log("starting the counter function and a worker");
    fn = start("function", process.execPath, tsx("bench/counter-function.ts", "--port", String(fnPort), "--types", ["big/c", "small/c", ...WINDOWS.map((w) => `trickle/${w}`)].join(",")));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${fnPort}/samples`)).ok, 60_000, 100);
    const workerStarted = Date.now();
    await startWorker();
    await waitFor(async () => {
      const l = await lagNow();
      return l?.lastRoundAt && Date.parse(l.lastRoundAt) > workerStarted;
    }, 30_000, 50);

    log(`flowing: commit ${flowing.length} while the worker's checkpointer drains`);
    const lags: number[] = [];
    const pendings: number[] = [];
    const stopSampling = repeat(100, async () => {
      const l = await lagNow();
      lags.push(l?.lagMs ?? 0);
      pendings.push(l?.pending ?? 0);
    });
    const cpu = cpuMeter();
    let secs = 0;
    let usage: ReturnType<ReturnType<typeof cpuMeter>>;
    let catchUpMs = 0;
    try {
      secs = await commitAll(plane, flowing);
      const lastCommit = Date.now();
      usage = cpu();
      await waitCheckpointed(300_000);
      catchUpMs = Date.now() - lastCommit;
    } finally {
      await stopSampling();
    }
    const lag = quantiles(lags);
    drain.whileCommitting = {
      commits: flowing.length,
      seconds: r3(secs),
      commitsPerSec: Math.round(flowing.length / secs),
      lagMs: lag,
      pendingChanges: quantiles(pendings),
      catchUpAfterLastCommitMs: catchUpMs,
      lagCapMs: env.CHECKPOINT_LAG_CAP_MS,
      keepsUp: (lag.p99 ?? 0) <= env.CHECKPOINT_LAG_CAP_MS,
      cpu: usage,
      note: "the worker's CheckpointService drains while this process commits at full speed; lag sampled every 100 ms with readCheckpointLag (commits on pre-claimed addresses never wait for the lag gate)",
    };
    flowing.length = 0;
    const usedAfter = await usedMemory();
    memory.redisUsedAfterMiB = r1(usedAfter / 2 ** 20);
    memory.addresses = BIG + SMALL + HOT_N;
    memory.redisUsedBytesPerAddress = Math.round((usedAfter - usedBefore) / (BIG + SMALL + HOT_N));
    memory.redisNote = "used_memory is the whole (shared) Redis server: other clients move it; keysPerAddressBytes (MEMORY USAGE of one address's keys, sampled) is this data plane's alone";
    Object.assign(memory, await bytesPerAddress(ctx.redis, K, bigAddrs));
    memory.postgresAfterPopulating = await pgSizes(pool, ctx.schema);
  }

  // ---------- savepoints of 100k and 1M addresses while the trickle flows ----------
  const savepoints: Record<string, string> = {};
  if (NEED_DATA) {
    const takeOne = async (app: string, win: string, expected: number) => {
      log(`savepoint of ${app} (${expected} addresses)`);
      const { value: row, trickle: tr } = await trickleWindow(win, async () => {
        const { id } = await must(call("POST", "/api/v1/applications/{app}/savepoints", { params: { app }, body: { label: `bench ${app}` } }), 202);
        return waitFor(async () => {
          const s = await ctx.db.savepoint.findUnique({ where: { id } });
          if (s?.status === "failed") throw new Error(`savepoint failed: ${s.error}`);
          return s?.status === "complete" ? s : null;
        }, 300_000, 25);
      });
      savepoints[app] = row.id;
      return {
        addresses: row.addresses,
        values: row.values,
        bytes: Number(row.bytes),
        durationMs: row.durationMs,
        requestToCompleteMs: tr.eventMs,
        correct: row.addresses === expected && row.values === expected,
        trickle: tr,
      };
    };
    const small = await takeOne("small", "sp-small", SMALL);
    const big = await takeOne("big", "sp-big", BIG);
    if (ONLY.has("savepoint"))
      results.savepoint = {
        [`addresses${SMALL}`]: small,
        [`addresses${BIG}`]: {
          ...big,
          target: `≤ ${TARGETS.savepoint1MMs} ms with zero dispatch pause${SCALE === 1 ? "" : " (for 1M addresses; this run is scaled)"}`,
          meetsTarget: (big.durationMs ?? Infinity) <= TARGETS.savepoint1MMs && !big.trickle.paused,
        },
        note: `POST /api/v1/applications/{app}/savepoints → the worker's control job (takeSavepoint); durationMs is the savepoint row's (takeSavepoint's own time), requestToCompleteMs includes the queue. paused = a trickle gap > ${PAUSE_MS} ms`,
      };
    memory.postgresAfterSavepoints = await pgSizes(pool, ctx.schema);
  }

  // ---------- rollback onto them after changing 1% of the addresses ----------
  if (ONLY.has("rollback")) {
    const rollOne = async (app: string, type: string, win: string, addresses: string[], step = 100) => {
      const changed = addresses.filter((_, i) => i % step === 0);
      log(`rollback of ${app}: changing ${changed.length} addresses through the worker`);
      const before = await statsSum(`${type}|in`);
      for (let i = 0; i < changed.length; i += 5000) await plane.enqueue(changed.slice(i, i + 5000).map((address) => ({ address, functionType: type, entry: tick(), cap: 0 })), 60_000);
      await waitFor(async () => (await statsSum(`${type}|in`)) >= before + changed.length, 300_000, 50);
      const changedOk = (await readN(changed.slice(0, 1000))).every((v) => v === 2);
      await waitCheckpointed(120_000);
      log(`rollback of ${app} (${addresses.length} addresses)`);
      const { value, trickle: tr } = await trickleWindow(win, async () => {
        const r = await must(call("POST", "/api/v1/savepoints/{id}/rollback", { params: { id: savepoints[app] } }), 202);
        return waitFor(async () => {
          const job = await controlQueue(ctx).getJob(r.jobId);
          const state = await job?.getState();
          if (state === "failed") throw new Error(`rollback failed: ${job!.failedReason}`);
          return state === "completed" ? (job!.returnvalue as { ms: number; phases: Record<string, number>; restored: number; removed: number; unchanged: number }) : null;
        }, 600_000, 50);
      });
      const after = await readN(changed);
      // phases are offsets from the start (the last, "complete", after the audit record): turn them into durations
      const at = Object.entries(value.phases).sort((a, b) => a[1] - b[1]);
      const phasesMs = Object.fromEntries(at.slice(0, -1).map(([name, t], i) => [name, at[i + 1][1] - t]));
      return {
        addresses: addresses.length,
        changedBefore: changed.length,
        ms: value.ms,
        requestToCompleteMs: tr.eventMs,
        restored: value.restored,
        removed: value.removed,
        unchanged: value.unchanged,
        phasesMs,
        phaseOffsetsMs: value.phases,
        // only what changed since the savepoint is rewritten
        correct: changedOk && after.every((v) => v === 1) && value.restored === changed.length && value.unchanged === addresses.length - changed.length,
        trickle: tr,
      };
    };
    const small = await rollOne("small", "small/c", "rb-small", smallAddrs);
    const big = await rollOne("big", "big/c", "rb-big", bigAddrs);
    // the worst case: every address changed since the savepoint, so every one is rewritten
    const smallAll = await rollOne("small", "small/c", "rb-small-all", smallAddrs, 1);
    results.rollback = {
      [`addresses${SMALL}`]: small,
      [`addresses${SMALL}EveryOneChanged`]: smallAll,
      [`addresses${BIG}`]: { ...big, target: `≤ ${TARGETS.rollback1MMs} ms${SCALE === 1 ? "" : " (for 1M addresses; this run is scaled)"}`, meetsTarget: big.ms <= TARGETS.rollback1MMs },
      note: "POST /api/v1/savepoints/{id}/rollback → the worker's control job (runRollback); ms is runRollback's own report (it includes the pre-rollback savepoint); 1 address in 100 was changed (n 1 → 2) through the worker first (…EveryOneChanged: every address), so that many are rewritten (restored) and the others left as they are (unchanged); correct: every changed address is back to n = 1, restored = changed, unchanged = the rest",
    };
  }
  if (NEED_DATA) memory.postgresAtEnd = await pgSizes(pool, ctx.schema);
  if (worker) {
    await waitCheckpointed(120_000).catch(() => undefined);
    rss.workerPeakMiB = peakRssMiB(worker.proc.pid);
    await halt(worker);
  }
  if (fn) await halt(fn);

  // ---------- recovery: Redis lost every key of the prefix ----------
  if (ONLY.has("recovery")) {
    log("recovery: deleting every key of the prefix");
    const cursor = (await pool.query<{ seq: string }>(`SELECT seq FROM cp_cursor WHERE id = 1`)).rows[0];
    const checkpointed = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM cp_address`)).rows[0].n);
    let deleted = 0;
    let scan = "0";
    do {
      const [next, keys] = await ctx.redis.scan(scan, "MATCH", `${K.prefix}:*`, "COUNT", 5000);
      if (keys.length) deleted += await ctx.redis.unlink(...keys);
      scan = next;
    } while (scan !== "0");
    const memEmpty = await usedMemory();
    log(`recovery: ${deleted} keys deleted; recoverDataPlane`);
    const cpu = cpuMeter();
    const t0 = performance.now();
    const rep = await recoverDataPlane(ctx.redis, pool, K, quietLog);
    const ms = performance.now() - t0;
    const usage = cpu();
    if (!rep) throw new Error("recoverDataPlane found no checkpoint");
    log(`recovery: ${rep.addresses} addresses in ${Math.round(ms)} ms`);
    const sample = bigAddrs.filter((_, i) => i % Math.max(1, Math.floor(bigAddrs.length / 2000)) === 0);
    const values = await readN(sample);
    results.recovery = {
      keysDeleted: deleted,
      addresses: rep.addresses,
      values: rep.values,
      messages: rep.messages,
      ms: Math.round(ms),
      addressesPerSec: Math.round(rep.addresses / (ms / 1000)),
      redisUsedRebuiltMiB: r1(((await usedMemory()) - memEmpty) / 2 ** 20),
      correct: rep.seq === Number(cursor.seq) && rep.addresses === checkpointed && values.every((v) => v === 1) && (await ctx.redis.exists(K.marker)) === 1,
      cpu: usage,
      note: "recoverDataPlane(redis, pool, keys) in this process after SCAN + UNLINK of <prefix>:*; addresses include the trickle's; correct: cursor kept, every address back, a sample of big/c holds n = 1",
    };
  }

  // ---------- aof: the commit workload on private redis-servers at each durability level ----------
  if (ONLY.has("aof")) {
    log("aof: the raw commit workload against three private redis-servers");
    results.aof = await measureAofLevels({ commits: n(40_000), partitions: P, groups: env.DISPATCH_GROUPS, log });
  }
  results.memory = memory;
} catch (e) {
  exitCode = 1;
  results.error = String((e as Error)?.stack ?? e);
  for (const c of children) if (c.name === "worker" || c.name === "function") results[`${c.name}Output`] = c.tail().slice(-3000);
} finally {
  rss.benchPeakMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  log("done");
  Object.assign(rss, { benchSampledPeakMiB: rssPeak.mib, benchSampledPeakDuring: rssPeak.during });
  for (const c of children) await halt(c);
  await closeControlQueue(ctx).catch(() => undefined);
  await pool.end().catch(() => undefined);
  setAppContext(undefined);
  log("cleanup: dropping the schema and the keys");
  await ctx.cleanup();
}
/** Any `correct: false` anywhere in the results fails the run. */
const anyIncorrect = (v: unknown): boolean => typeof v === "object" && v !== null && (("correct" in v && v.correct === false) || Object.values(v).some(anyIncorrect));
if (anyIncorrect(results)) exitCode = 1;

console.log(
  JSON.stringify(
    {
      machine: { cpus: availableParallelism(), node: process.version, loadAvg1m: (await import("node:os")).loadavg()[0] },
      config: { scale: SCALE, only: [...ONLY], partitions: P, groups: env.DISPATCH_GROUPS, checkpointBatch: env.CHECKPOINT_BATCH, changelogRetain: env.CHANGELOG_RETAIN, lagCapMs: env.CHECKPOINT_LAG_CAP_MS, addresses: { big: BIG, small: SMALL, drain: DRAIN_N, hotPartition: HOT_N } },
      targets: TARGETS,
      ...results,
      rss,
    },
    null,
    2,
  ),
);
process.exit(exitCode);
