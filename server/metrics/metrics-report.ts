import type { Ctx } from "../context";
import { liveRegistry } from "../registry/live-registry";
import type { MetricsReport } from "./contract";
import { quantile, type BucketCounts } from "./histogram";
import { prometheusText } from "./prometheus-text";
export { PROMETHEUS_CONTENT_TYPE } from "./prometheus-text";
import { readMetrics, type MetricsSnapshot } from "./read-metrics";

const round = (v: number) => Math.round(v * 1000) / 1000;

function latency(total: BucketCounts, window: BucketCounts): MetricsReport["functionTypes"][number]["messageLatency"] {
  return {
    count: total.count,
    meanMs: total.count > 0 ? round(total.sum / total.count) : null,
    p50Ms: quantile(total, 0.5),
    p99Ms: quantile(total, 0.99),
    lastMinute: { count: window.count, p50Ms: quantile(window, 0.5), p99Ms: quantile(window, 0.99) },
  };
}

export function toReport(s: MetricsSnapshot): MetricsReport {
  const secs = s.windowMs / 1000;
  return {
    at: new Date(s.at).toISOString(),
    windowSeconds: round(secs),
    workersReporting: s.workersReporting,
    checkpoint: s.checkpoint,
    functionTypes: s.functionTypes.map((t) => ({
      functionType: t.functionType,
      in: t.counters.in,
      outLocal: t.counters.outLocal,
      outRemote: t.counters.outRemote,
      outEgress: t.counters.outEgress,
      remoteInvocationFailures: t.counters.remoteInvocationFailures,
      parked: t.counters.parked,
      inflightAsyncOps: t.inflightAsyncOps,
      numBacklog: t.numBacklog,
      numBlockedAddress: t.numBlockedAddress,
      rates: {
        in: round(t.window.counters.in / secs),
        outLocal: round(t.window.counters.outLocal / secs),
        outRemote: round(t.window.counters.outRemote / secs),
        outEgress: round(t.window.counters.outEgress / secs),
        remoteInvocationFailures: round(t.window.counters.remoteInvocationFailures / secs),
      },
      remoteInvocationLatency: latency(t.histograms.remoteInvocationLatency, t.window.histograms.remoteInvocationLatency),
      messageLatency: latency(t.histograms.messageLatency, t.window.histograms.messageLatency),
    })),
  };
}

/** GET /api/v1/metrics. */
export async function metricsReport(ctx: Ctx): Promise<MetricsReport> {
  return toReport(await readMetrics(ctx, (await liveRegistry(ctx)).current));
}

/** GET /metrics. */
export async function prometheusMetrics(ctx: Ctx): Promise<string> {
  return prometheusText(await readMetrics(ctx, (await liveRegistry(ctx)).current));
}
