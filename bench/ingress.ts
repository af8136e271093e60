/**
 * The two ingress paths compared in one run (`npm run bench:ingress -- [flags]`); prints one JSON document on
 * stdout, progress on stderr. Not a test.
 *
 *   next  the web app's route `PUT /api/v1/ingress/{ns}/{type}/{id}` under `next start` of a production build
 *   lean  the lean ingress process `worker/ingress.ts` (server/ingress-listener: the same routes on node:http)
 *
 * Both run at once against the same setup: a fresh Postgres schema and Redis key prefix (tests/support/
 * test-context, dropped at the end), one worker process, and the counter function of bench/counter-function.ts
 * (official StateFun JS SDK) in its own process. After a warm-up through each path, the rounds alternate
 * next, lean, lean, next, … (each segment starts once the previous one is applied and checkpointed). A segment
 * is `--messages` single-message PUTs to `--addresses` fresh addresses, `--concurrency` in flight, with an
 * operator API token. Per segment: requests/s accepted (until the last 202), msgs/s applied (until the last
 * commit, from the changelog; Σ counters checked), the ingress process's CPU µs per request (while sending) and
 * RSS, request latency p50/p99 at the client, every process's CPU per message; per path the median over its
 * rounds; `ratio`: lean ÷ next.
 *
 * Flags: --messages 20000 --addresses 1000 --concurrency 64 --rounds 2 --warmup 5000 (per path; 0: none)
 *        --next-dir DIR (a directory with a built .next; cwd)
 *        --cpu-prof DIR (both ingress processes run with `node --cpu-prof`, profiles in DIR/next and DIR/lean:
 *        where each spends its CPU, with bench/profile-summary.ts; the profiler slows them, so not for the figures)
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Pool } from "undici";
import { parseIngressFlags, segmentOrder, summarize, INGRESS_PATHS, type IngressPath, type SegmentFigures } from "./support/ingress-compare";

try {
  process.loadEnvFile();
} catch {}

let cfg: ReturnType<typeof parseIngressFlags>;
try {
  cfg = parseIngressFlags(process.argv.slice(2), process.cwd());
} catch (e) {
  process.stderr.write(`bench:ingress: ${(e as Error).message}\n`);
  process.exit(2);
}

const { setAppContext } = await import("../server/context");
const { DataPlane } = await import("../server/dispatch/data-plane");
const { readCheckpointLag } = await import("../server/durability/lag");
const { createTestContext } = await import("../tests/support/test-context");
const { freePort, waitFor } = await import("../tests/support/processes");
const { commOf, cpuMeter, cpuOfCommand, cpuOfPid, cpuOfTree, halt, launch, machineCpuSec, nextStartArgs, peakRssMiB, processTree, redisPidOf, rssMiB, tsx } = await import("./support/processes");
const { appliedProbe, putEach, quantiles } = await import("./support/applied");
const { benchApp } = await import("./support/bench-app");
type Child = import("./support/processes").Child;

const log = (msg: string) => process.stderr.write(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const segments = segmentOrder(cfg.rounds);
const typeOf = (s: { round: number; path: IngressPath }) => `bench/${s.path}-${s.round}`;
const warmType = (path: IngressPath) => `bench/warm-${path}`;
const TYPES = [...INGRESS_PATHS.map(warmType), ...segments.map(typeOf)];
const APPLIED_TIMEOUT_MS = 300_000;

const children: Child[] = [];
const start = (...args: Parameters<typeof launch>) => {
  const c = launch(...args);
  children.push(c);
  return c;
};
async function waitHttp(url: string, c: Child, timeoutMs = 120_000) {
  await waitFor(async () => (await fetch(url)).status < 500, timeoutMs, 200).catch((e) => {
    throw new Error(`${c.name} did not come up: ${e}\n${c.tail()}`);
  });
}

const ctx = await createTestContext({ LOG_LEVEL: "warn" });
setAppContext(ctx);
const env = ctx.env;
const plane = new DataPlane(ctx.redis, env.STATEHOUSE_REDIS_PREFIX, env.STATEHOUSE_PARTITIONS, env.DISPATCH_GROUPS);
const probe = appliedProbe(ctx.redis, plane);
const redisPid = await redisPidOf(ctx.redis);
const results: Record<string, unknown> = {};
const pools: Pool[] = [];
let exitCode = 0;

try {
  const fnPort = await freePort();
  const fn = start("function", process.execPath, tsx("bench/counter-function.ts", "--port", String(fnPort), "--types", TYPES.join(",")));
  await waitHttp(`http://127.0.0.1:${fnPort}/samples`, fn);
  const { token } = await benchApp(ctx, `http://127.0.0.1:${fnPort}/statefun`, 20_000);
  const auth = `Bearer ${token}`;

  const workerPort = await freePort();
  const worker = start("worker", process.execPath, tsx("worker/index.ts"), { ...ctx.childEnv, WORKER_HEALTH_PORT: String(workerPort) });
  await waitHttp(`http://127.0.0.1:${workerPort}/healthz`, worker);

  const ports = { next: await freePort(), lean: await freePort() };
  const prof = (path: IngressPath) => (cfg.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${join(cfg.cpuProf, path)}`] : []);
  const ingress: Record<IngressPath, Child> = {
    next: start("next", process.execPath, [...prof("next"), ...nextStartArgs(ports.next)], { ...ctx.childEnv, NEXT_TELEMETRY_DISABLED: "1" }, cfg.nextDir),
    lean: start("lean", process.execPath, [...prof("lean"), ...tsx("worker/ingress.ts")], { ...ctx.childEnv, INGRESS_PORT: String(ports.lean) }),
  };
  for (const path of INGRESS_PATHS) await waitHttp(`http://127.0.0.1:${ports[path]}/api/v1/ingress`, ingress[path]);
  const pool = Object.fromEntries(
    INGRESS_PATHS.map((path) => {
      const p = new Pool(`http://127.0.0.1:${ports[path]}`, { connections: cfg.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
      pools.push(p);
      return [path, p];
    }),
  ) as Record<IngressPath, Pool>;
  const pidOf = (c: Child) => c.proc.pid ?? 0;
  const readers: Array<[string, () => number]> = [
    ...INGRESS_PATHS.map((path): [string, () => number] => [path, () => cpuOfTree(pidOf(ingress[path]))]),
    ["worker", () => cpuOfPid(pidOf(worker))],
    ["function", () => cpuOfPid(pidOf(fn))],
    ["redis", () => cpuOfPid(redisPid)],
    ["postgres", () => cpuOfCommand("postgres")],
    ["bench", () => cpuOfPid(process.pid)],
  ];
  // what each ingress is, in processes (the lean one runs under tsx, as `npm run ingress` does: esbuild serves it)
  results.processes = Object.fromEntries(INGRESS_PATHS.map((path) => [path, processTree(pidOf(ingress[path])).map(commOf)]));

  /** Until the checkpointer has caught up (what the previous segment committed is in Postgres), then a breath. */
  const settle = async () => {
    await waitFor(async () => (await readCheckpointLag(ctx.redis, plane.keys.prefix, plane.keys.seq))?.pending === 0, 60_000, 100).catch(() => log("checkpoint lag did not reach 0 within 60 s; going on"));
    await sleep(1_000);
  };

  // ---------- warm-up: each path's hot code compiled (and Next's route modules loaded) before anything is measured ----------
  if (cfg.warmup > 0) {
    const warm: Record<string, unknown> = {};
    for (const path of INGRESS_PATHS) {
      log(`warm-up ${path}: ${cfg.warmup} single-message requests`);
      const t0 = Date.now();
      const r = await putEach(pool[path], { auth, type: warmType(path), addresses: cfg.addresses, messages: cfg.warmup, concurrency: cfg.concurrency });
      await probe.waitApplied(warmType(path), r.accepted, APPLIED_TIMEOUT_MS);
      warm[path] = { accepted: r.accepted, statuses: r.statuses, seconds: Math.round((Date.now() - t0) / 100) / 10 };
    }
    results.warmup = { ...warm, note: "not measured further: JIT warm-up of both ingress processes, the worker and the function" };
  }

  // What the processes cost doing nothing (the idle path runs beside the measured one).
  await settle();
  const idle = cpuMeter(readers);
  await sleep(3_000);
  results.idleCoresBusy = Object.fromEntries(Object.entries(idle(1).perProcess).map(([k, v]) => [k, Math.round((v.cpuSec / 3) * 1000) / 1000]));

  // ---------- the rounds ----------
  const measured: Array<SegmentFigures & Record<string, unknown>> = [];
  for (const seg of segments) {
    const type = typeOf(seg);
    const pid = pidOf(ingress[seg.path]);
    await settle();
    log(`round ${seg.round} ${seg.path}: ${cfg.messages} single-message requests to ${cfg.addresses} addresses, ${cfg.concurrency} in flight`);
    const cpu = cpuMeter(readers);
    const machine0 = machineCpuSec();
    const ingressCpu0 = cpuOfTree(pid);
    const started = Date.now();
    const sent = await putEach(pool[seg.path], { auth, type, addresses: cfg.addresses, messages: cfg.messages, concurrency: cfg.concurrency });
    const sendSecs = (Date.now() - started) / 1000;
    const ingressCpuSec = cpuOfTree(pid) - ingressCpu0;
    const ingressRss = rssMiB(pid);
    await probe.waitApplied(type, sent.accepted, APPLIED_TIMEOUT_MS);
    const usage = cpu(sent.accepted);
    // Postgres and Redis serve other clients too and are counted whole in `usage`: the rest is other processes'.
    const othersCoresBusy = Math.round(((machineCpuSec() - machine0 - usage.cpuSec) / usage.wallSec) * 100) / 100;
    const commits = await probe.commitsOf(`${type}/`);
    const appliedSecs = ((commits.at(-1)?.[0] ?? Date.now()) - started) / 1000;
    const counterSum = await probe.counterSum(Array.from({ length: cfg.addresses }, (_, i) => `${type}/${i}`));
    const correct = counterSum === sent.accepted && sent.accepted === cfg.messages;
    if (!correct) exitCode = 1;
    measured.push({
      round: seg.round,
      path: seg.path,
      requests: cfg.messages,
      accepted: sent.accepted,
      statuses: sent.statuses,
      sendSeconds: Math.round(sendSecs * 1000) / 1000,
      requestsPerSec: Math.round(sent.accepted / sendSecs),
      appliedSeconds: Math.round(appliedSecs * 1000) / 1000,
      appliedMsgsPerSec: Math.round(sent.accepted / appliedSecs),
      requestMs: quantiles(sent.reqMs),
      ingressCpuUsPerRequest: Math.round((ingressCpuSec * 1e6) / cfg.messages),
      ingressRssMiB: Math.round(ingressRss),
      commits: commits.length,
      meanBatch: Math.round((sent.accepted / Math.max(1, commits.length)) * 10) / 10,
      cpu: { ...usage, othersCoresBusy },
      correct,
      counterSum,
    });
  }
  const summary = summarize(measured);
  Object.assign(results, {
    next: summary.next,
    lean: summary.lean,
    ratio: summary.ratio,
    peakRssMiB: Object.fromEntries(INGRESS_PATHS.map((path) => [path, processTree(pidOf(ingress[path])).reduce((t, p) => t + (peakRssMiB(p) ?? 0), 0)])),
    segments: measured,
  });
} catch (e) {
  exitCode = 1;
  results.error = String((e as Error)?.stack ?? e);
  for (const c of children) results[`${c.name}Output`] = c.tail().slice(-3000);
} finally {
  await Promise.all(pools.map((p) => p.close()));
  for (const c of children) await halt(c);
  setAppContext(undefined);
  await ctx.cleanup();
}

console.log(
  JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: { cpus: availableParallelism(), node: process.version },
      config: { ...cfg, workers: 1, partitions: env.STATEHOUSE_PARTITIONS, order: segments.map((s) => s.path).join(","), token: "operator" },
      figures: {
        requestsPerSec: "accepted requests / (last 202 − first request sent)",
        appliedMsgsPerSec: "messages / (last commit, from the changelog − first request sent)",
        ingressCpuUsPerRequest: "CPU of the ingress process (and its children) while sending / requests",
        ingressRssMiB: "VmRSS of the ingress process (and its children) when the last request was answered",
        requestMs: "at the client (undici, keep-alive), request sent → response body read",
        cpu: "every process's CPU from the first request to the last commit, µs per message; othersCoresBusy: the rest of the machine's meanwhile (other work on a shared machine)",
      },
      ...results,
    },
    null,
    2,
  ),
);
process.exit(exitCode);
