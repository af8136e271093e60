import type { MetricsReport } from "@/server/metrics/contract";

/**
 * The overview's rolling history. GET /api/v1/metrics gives current values only (lifetime counters, gauges,
 * last-minute latencies), so the browser keeps the samples it polled — five minutes of them — and derives rates
 * from counter differences: a few seconds' window moves within one poll of a burst, where the API's
 * last-minute rates take a minute to settle.
 */
export const SERIES_SPAN_MS = 5 * 60_000;
/** Rates are counter differences over at least this span (or since the first sample). */
export const RATE_WINDOW_MS = 5_000;
/** "Last minute" counts: failures and parks over this span. */
export const RECENT_WINDOW_MS = 60_000;

type TypeReport = MetricsReport["functionTypes"][number];

interface TypeSample {
  in: number;
  out: number;
  failures: number;
  parked: number;
  backlog: number;
  inflight: number;
  p50: number | null;
  p99: number | null;
  /** The API's own last-minute rates: the first sample's rates, before there is a difference to take. */
  inRate: number;
  outRate: number;
}

export interface Sample {
  t: number;
  types: Record<string, TypeSample>;
}

export interface MetricSeries {
  samples: Sample[];
  latest: MetricsReport | null;
}

export const EMPTY_SERIES: MetricSeries = { samples: [], latest: null };

function toSample(r: MetricsReport): Sample {
  const types: Record<string, TypeSample> = {};
  for (const t of r.functionTypes) {
    types[t.functionType] = {
      in: t.in,
      out: t.outLocal + t.outRemote + t.outEgress,
      failures: t.remoteInvocationFailures,
      parked: t.parked,
      backlog: t.numBacklog,
      inflight: t.inflightAsyncOps,
      p50: t.remoteInvocationLatency.lastMinute.p50Ms,
      p99: t.remoteInvocationLatency.lastMinute.p99Ms,
      inRate: t.rates.in,
      outRate: t.rates.outLocal + t.rates.outRemote + t.rates.outEgress,
    };
  }
  return { t: Date.parse(r.at), types };
}

/** Adds a report (ignored when it is the one already last) and forgets samples older than the span. */
export function appendReport(series: MetricSeries, r: MetricsReport): MetricSeries {
  const s = toSample(r);
  const last = series.samples.at(-1);
  if (last && s.t <= last.t) return series.latest === r ? series : { ...series, latest: r };
  const samples = [...series.samples.filter((x) => x.t >= s.t - SERIES_SPAN_MS), s];
  return { samples, latest: r };
}

export interface TypePoint {
  t: number;
  in: number;
  out: number;
  p50: number | null;
  p99: number | null;
  backlog: number;
  inflight: number;
  failuresRecent: number;
  parkedRecent: number;
}

/** The newest sample at least `span` older than samples[i] (else the oldest): the base a difference is taken from. */
function baseIndex(samples: Sample[], i: number, span: number, from: number): number {
  let j = i;
  while (j > from && samples[i].t - samples[j].t < span) j--;
  return j;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * One function type's chart points. A counter that went down (the metrics were reset) restarts the difference
 * at that sample, so a rate is never negative.
 */
export function typePoints(samples: Sample[], type: string): TypePoint[] {
  const out: TypePoint[] = [];
  let from = 0; // the first sample after the last counter reset
  for (let i = 0; i < samples.length; i++) {
    const cur = samples[i].types[type];
    if (!cur) {
      from = i + 1;
      continue;
    }
    const prev = i > from ? samples[i - 1].types[type] : undefined;
    if (prev && (cur.in < prev.in || cur.out < prev.out || cur.failures < prev.failures || cur.parked < prev.parked)) from = i;
    const j = baseIndex(samples, i, RATE_WINDOW_MS, from);
    const base = samples[j].types[type]!;
    const dt = (samples[i].t - samples[j].t) / 1000;
    const k = baseIndex(samples, i, RECENT_WINDOW_MS, from);
    const recent = samples[k].types[type]!;
    out.push({
      t: samples[i].t,
      in: dt > 0 ? round((cur.in - base.in) / dt) : cur.inRate,
      out: dt > 0 ? round((cur.out - base.out) / dt) : cur.outRate,
      p50: cur.p50,
      p99: cur.p99,
      backlog: cur.backlog,
      inflight: cur.inflight,
      failuresRecent: cur.failures - recent.failures,
      parkedRecent: cur.parked - recent.parked,
    });
  }
  return out;
}

/** Traffic in the five minutes kept, or in the API's last minute: such a type gets charts, the others a table row only. */
export function hasTraffic(points: TypePoint[], t: TypeReport): boolean {
  return t.rates.in > 0 || t.remoteInvocationLatency.lastMinute.count > 0 || points.some((p) => p.in > 0 || p.out > 0 || p.failuresRecent > 0 || p.parkedRecent > 0);
}
