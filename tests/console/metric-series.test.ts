import { describe, expect, it } from "vitest";
import type { MetricsReport } from "@/server/metrics/contract";
import { appendReport, EMPTY_SERIES, SERIES_SPAN_MS, typePoints, type MetricSeries } from "@/app/lib/metric-series";

const T0 = Date.parse("2026-01-01T00:00:00Z");
const latency = { count: 0, meanMs: null, p50Ms: null, p99Ms: null, lastMinute: { count: 0, p50Ms: 4, p99Ms: 40 } };
function report(atMs: number, c: { in: number; failures?: number; parked?: number; backlog?: number; rateIn?: number }): MetricsReport {
  return {
    at: new Date(atMs).toISOString(),
    windowSeconds: 60,
    workersReporting: 1,
    checkpoint: null,
    functionTypes: [
      {
        functionType: "example/person",
        in: c.in,
        outLocal: c.in,
        outRemote: 0,
        outEgress: 0,
        remoteInvocationFailures: c.failures ?? 0,
        parked: c.parked ?? 0,
        inflightAsyncOps: 0,
        numBacklog: c.backlog ?? 0,
        numBlockedAddress: 0,
        rates: { in: c.rateIn ?? 0, outLocal: 0, outRemote: 0, outEgress: 0, remoteInvocationFailures: 0 },
        remoteInvocationLatency: latency,
        messageLatency: latency,
      },
    ],
  };
}
const build = (reports: MetricsReport[]) => reports.reduce<MetricSeries>(appendReport, EMPTY_SERIES);

describe("the overview's rolling metric series", () => {
  it("derives messages per second from counter differences over at least 5 s, and the API's rate for the first sample", () => {
    // 10 messages a second for 10 s, one sample a second
    const s = build(Array.from({ length: 11 }, (_, i) => report(T0 + i * 1000, { in: i * 10, rateIn: 0.5 })));
    const pts = typePoints(s.samples, "example/person");
    expect(pts[0].in).toBe(0.5);
    expect(pts[1].in).toBe(10);
    expect(pts.at(-1)!.in).toBe(10);
    expect(pts.at(-1)!.out).toBe(10);
    expect(pts.at(-1)!.p99).toBe(40);
  });

  it("counts failures and parks over the last minute, and a counter reset never gives a negative rate", () => {
    const s = build([
      report(T0, { in: 100, failures: 5 }),
      report(T0 + 30_000, { in: 160, failures: 7, parked: 1 }),
      report(T0 + 90_000, { in: 220, failures: 9, parked: 1 }),
      report(T0 + 91_000, { in: 3 }), // metrics reset
      report(T0 + 97_000, { in: 15 }),
    ]);
    const pts = typePoints(s.samples, "example/person");
    expect(pts[1].failuresRecent).toBe(2);
    expect(pts[2].failuresRecent).toBe(2); // 60 s back reaches the sample at 30 s
    expect(pts[2].parkedRecent).toBe(0);
    expect(pts[3].in).toBeGreaterThanOrEqual(0);
    expect(pts[4].in).toBe(2); // 12 messages over 6 s, counted from the reset
  });

  it("keeps five minutes, and ignores a report it already has", () => {
    let s = build(Array.from({ length: 400 }, (_, i) => report(T0 + i * 1000, { in: i })));
    expect(s.samples.at(-1)!.t - s.samples[0].t).toBeLessThanOrEqual(SERIES_SPAN_MS);
    const n = s.samples.length;
    s = appendReport(s, report(T0 + 399_000, { in: 399 }));
    expect(s.samples.length).toBe(n);
  });
});
