import type { Command } from "commander";
import { formatLatency, plural } from "../../app/lib/format";
import { api } from "../../server/contracts/api";
import type { MetricsReport } from "../../server/metrics/contract";
import { intArg } from "../args";
import { act, type Cli } from "../context";
import { usageError } from "../errors";
import { loop, pause, untilInterrupted } from "../interrupt";
import { table } from "../output";

const COUNTERS = ["in", "outLocal", "outRemote", "outEgress", "remoteInvocationFailures"] as const;
type Rates = Record<(typeof COUNTERS)[number], number>;
type Row = MetricsReport["functionTypes"][number];

/** One sample as printed: per-second rates and the gauges, per function type. */
export interface Sample {
  at: string;
  /** Seconds the rates were measured over: since the previous sample, or the server's window (first sample). */
  overSeconds: number;
  workersReporting: number;
  checkpointLagMs: number | null;
  functionTypes: Array<{ functionType: string; perSecond: Rates; numBacklog: number; numBlockedAddress: number; parked: number; inflightAsyncOps: number; p50Ms: number | null; p99Ms: number | null }>;
}

/**
 * Rates from the counters' change since the previous sample (live, second by second); the first sample, or a
 * counter that went back (a worker restarted), uses the server's last-minute rate instead.
 */
export function sampleOf(report: MetricsReport, prev: MetricsReport | null): Sample {
  const dt = prev ? (Date.parse(report.at) - Date.parse(prev.at)) / 1000 : 0;
  const before = new Map(prev?.functionTypes.map((f) => [f.functionType, f]));
  const rates = (f: Row): Rates => {
    const p = before.get(f.functionType);
    const delta = COUNTERS.map((k) => (p ? f[k] - p[k] : -1));
    if (dt <= 0 || delta.some((d) => d < 0)) return f.rates;
    return Object.fromEntries(COUNTERS.map((k, i) => [k, delta[i] / dt])) as Rates;
  };
  return {
    at: report.at,
    overSeconds: dt > 0 ? dt : report.windowSeconds,
    workersReporting: report.workersReporting,
    checkpointLagMs: report.checkpoint?.lagMs ?? null,
    functionTypes: report.functionTypes
      .map((f) => ({
        functionType: f.functionType,
        perSecond: rates(f),
        numBacklog: f.numBacklog,
        numBlockedAddress: f.numBlockedAddress,
        parked: f.parked,
        inflightAsyncOps: f.inflightAsyncOps,
        p50Ms: f.remoteInvocationLatency.lastMinute.p50Ms,
        p99Ms: f.remoteInvocationLatency.lastMinute.p99Ms,
      }))
      .sort((a, b) => b.perSecond.in - a.perSecond.in || a.functionType.localeCompare(b.functionType)),
  };
}

// a trickle (one message a minute) still shows: two decimals below 1/s
const rate = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 1 || n === 0 ? n.toFixed(1) : n.toFixed(2));
const ms = (n: number | null) => (n === null ? "—" : formatLatency(n));

export function renderSample(s: Sample, url: string): string {
  const lag = s.checkpointLagMs === null ? "no checkpoint yet" : `checkpoint ${Math.round(s.checkpointLagMs)} ms behind`;
  const head = `statehouse top — ${url} — ${s.at.slice(11, 19)} UTC — ${plural(s.workersReporting, "worker")} — ${lag} — rates over ${rate(s.overSeconds)} s`;
  if (s.functionTypes.length === 0) return `${head}\n\nNo function type has metrics yet.`;
  return `${head}\n\n${table(
    ["FUNCTION TYPE", "IN/s", "LOCAL/s", "REMOTE/s", "EGRESS/s", "FAIL/s", "BACKLOG", "BLOCKED", "PARKED", "INFLIGHT", "P50", "P99"],
    s.functionTypes.map((f) => [f.functionType, ...COUNTERS.map((k) => rate(f.perSecond[k])), f.numBacklog, f.numBlockedAddress, f.parked, f.inflightAsyncOps, ms(f.p50Ms), ms(f.p99Ms)]),
  )}`;
}

async function top(cli: Cli, o: { once?: boolean; iterations?: number; interval: number }): Promise<void> {
  if (o.once && o.iterations !== undefined) throw usageError("give --once or --iterations, not both");
  const limit = o.once ? 1 : (o.iterations ?? Infinity);
  // redrawn in place for a person at a terminal; appended otherwise (a log, a pipe)
  const redraw = !cli.out.json && process.stdout.isTTY && limit > 1;
  let prev: MetricsReport | null = null;
  let n = 0;
  const { signal, dispose } = untilInterrupted();
  try {
    await loop(signal, async () => {
      const report = await cli.client.call(api.metrics, { signal });
      const s = sampleOf(report, prev);
      prev = report;
      if (redraw) process.stdout.write("\x1b[H\x1b[2J");
      cli.out.item(s, () => renderSample(s, cli.client.conn.url) + (redraw ? "\n\n(Ctrl-C to quit)" : n + 1 < limit ? "\n" : ""));
      return ++n < limit && (await pause(o.interval, signal));
    });
  } finally {
    dispose();
  }
}

export function registerTop(program: Command): void {
  program
    .command("top")
    .option("--once", "print one sample and exit")
    .option("--iterations <n>", "print this many samples and exit", intArg(1))
    .option("--interval <ms>", "time between samples", intArg(200), 1000)
    .description("live per-function-type rates, backlog and latency from GET /api/v1/metrics, redrawn every second (one JSON object per sample with --json)")
    .action(act((cli, o: { once?: boolean; iterations?: number; interval: number }) => top(cli, o)));
}
