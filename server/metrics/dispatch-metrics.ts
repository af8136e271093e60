import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { DispatchObserver } from "../dispatch/invoke";
import { getOrSet } from "../collections";
import { bucketIndex, COUNTERS, FUNCTION_TYPE_LABEL, HISTOGRAMS, LATENCY_BUCKETS_MS, PROMETHEUS, type CounterName, type HistogramName } from "./names";

export interface HistogramDelta {
  /** Non-cumulative counts per bucket of LATENCY_BUCKETS_MS, the last one for +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}
export interface TypeDelta {
  counters: Record<CounterName, number>;
  histograms: Record<HistogramName, HistogramDelta>;
}

const emptyHistogram = (): HistogramDelta => ({ buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, count: 0 });
const emptyDelta = (): TypeDelta => ({
  counters: Object.fromEntries(COUNTERS.map((c) => [c, 0])) as TypeDelta["counters"],
  histograms: Object.fromEntries(HISTOGRAMS.map((h) => [h, emptyHistogram()])) as TypeDelta["histograms"],
});

export function mergeDelta(into: TypeDelta, from: TypeDelta): void {
  for (const c of COUNTERS) into.counters[c] += from.counters[c];
  for (const h of HISTOGRAMS) {
    const a = into.histograms[h];
    const b = from.histograms[h];
    b.buckets.forEach((n, i) => (a.buckets[i] += n));
    a.sum += b.sum;
    a.count += b.count;
  }
}

/**
 * A worker's dispatch metrics. Each event updates the worker's own prom-client registry (served on the worker's
 * health port at /metrics) and a per-type delta that MetricsFlusher moves into Redis about once a second, where
 * the web process sums every worker's numbers.
 */
export class DispatchMetrics implements DispatchObserver {
  readonly registry = new Registry();
  private readonly counters: Record<CounterName, Counter>;
  private readonly histograms: Record<HistogramName, Histogram>;
  private readonly inflightGauge: Gauge;
  private pending = new Map<string, TypeDelta>();
  private readonly inflightNow = new Map<string, number>();
  constructor(private readonly clock: () => number = Date.now) {
    const labelNames = [FUNCTION_TYPE_LABEL];
    const registers = [this.registry];
    this.counters = Object.fromEntries(COUNTERS.map((c) => [c, new Counter({ ...PROMETHEUS[c], labelNames, registers })])) as Record<CounterName, Counter>;
    this.histograms = Object.fromEntries(
      HISTOGRAMS.map((h) => [h, new Histogram({ ...PROMETHEUS[h], labelNames, registers, buckets: [...LATENCY_BUCKETS_MS] })]),
    ) as Record<HistogramName, Histogram>;
    this.inflightGauge = new Gauge({ ...PROMETHEUS.inflightAsyncOps, help: "Remote calls in flight in this worker (StateFun inflightAsyncOps)", labelNames, registers });
  }

  /** prom-client's labelled children per function type: labels() hashes its label object on every call. */
  private readonly children = new Map<string, { counters: Record<CounterName, Counter.Internal>; histograms: Record<HistogramName, Histogram.Internal<string>>; inflight: Gauge.Internal<string> }>();

  private childrenOf(functionType: string) {
    return getOrSet(this.children, functionType, () => ({
      counters: Object.fromEntries(COUNTERS.map((c) => [c, this.counters[c].labels(functionType)])) as Record<CounterName, Counter.Internal>,
      histograms: Object.fromEntries(HISTOGRAMS.map((h) => [h, this.histograms[h].labels(functionType)])) as Record<HistogramName, Histogram.Internal<string>>,
      inflight: this.inflightGauge.labels(functionType),
    }));
  }

  private delta(functionType: string): TypeDelta {
    return getOrSet(this.pending, functionType, emptyDelta);
  }

  private count(functionType: string, c: CounterName, n: number): void {
    if (n <= 0) return;
    this.childrenOf(functionType).counters[c].inc(n);
    this.delta(functionType).counters[c] += n;
  }

  private observe(functionType: string, h: HistogramName, values: number[]): void {
    if (values.length === 0) return;
    const child = this.childrenOf(functionType).histograms[h];
    const d = this.delta(functionType).histograms[h];
    for (const raw of values) {
      const v = Math.max(0, raw);
      child.observe(v);
      d.buckets[bucketIndex(v)]++;
      d.sum += v;
      d.count++;
    }
  }

  attempt(functionType: string, latencyMs: number, ok: boolean): void {
    this.observe(functionType, "remoteInvocationLatency", [latencyMs]);
    if (!ok) this.count(functionType, "remoteInvocationFailures", 1);
  }

  committed(functionType: string, e: { consumed: number; outLocal: number; outRemote: number; egress: number; enqueuedAt: number[] }): void {
    this.count(functionType, "in", e.consumed);
    this.count(functionType, "outEgress", e.egress);
    this.count(functionType, "outLocal", e.outLocal);
    this.count(functionType, "outRemote", e.outRemote);
    const now = this.clock();
    this.observe(functionType, "messageLatency", e.enqueuedAt.map((t) => now - t));
  }

  parked(functionType: string): void {
    this.count(functionType, "parked", 1);
  }

  inflight(functionType: string, delta: number): void {
    this.childrenOf(functionType).inflight.inc(delta);
    this.inflightNow.set(functionType, (this.inflightNow.get(functionType) ?? 0) + delta);
  }

  /** Everything counted since the last call; the caller gives it back with restore() if it could not store it. */
  takeDeltas(): Map<string, TypeDelta> {
    const out = this.pending;
    this.pending = new Map();
    return out;
  }

  restore(deltas: Map<string, TypeDelta>): void {
    for (const [t, d] of deltas) mergeDelta(this.delta(t), d);
  }

  inflightByType(): Map<string, number> {
    return new Map(this.inflightNow);
  }
}
