import { CHECKPOINT_GAUGES, CHECKPOINT_QUARANTINED, COUNTERS, FUNCTION_TYPE_LABEL, HISTOGRAMS, LATENCY_BUCKETS_MS, PROMETHEUS } from "./names";
import type { FunctionTypeMetrics, MetricsSnapshot } from "./read-metrics";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

const escapeLabel = (v: string) => v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? "+Inf" : v < 0 ? "-Inf" : "NaN");

/** The Prometheus text exposition format (0.0.4) of a snapshot: every metric family, one series per function type. */
export function prometheusText(s: MetricsSnapshot): string {
  const out: string[] = [];
  const family = (name: string, help: string, type: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const label = (t: FunctionTypeMetrics) => `${FUNCTION_TYPE_LABEL}="${escapeLabel(t.functionType)}"`;

  for (const c of COUNTERS) {
    family(PROMETHEUS[c].name, PROMETHEUS[c].help, "counter");
    for (const t of s.functionTypes) out.push(`${PROMETHEUS[c].name}{${label(t)}} ${num(t.counters[c])}`);
  }
  for (const g of ["inflightAsyncOps", "numBacklog", "numBlockedAddress"] as const) {
    family(PROMETHEUS[g].name, PROMETHEUS[g].help, "gauge");
    for (const t of s.functionTypes) out.push(`${PROMETHEUS[g].name}{${label(t)}} ${num(t[g])}`);
  }
  for (const h of HISTOGRAMS) {
    const name = PROMETHEUS[h].name;
    family(name, PROMETHEUS[h].help, "histogram");
    for (const t of s.functionTypes) {
      const hist = t.histograms[h];
      let cumulative = 0;
      LATENCY_BUCKETS_MS.forEach((le, i) => {
        cumulative += hist.buckets[i];
        out.push(`${name}_bucket{${label(t)},le="${le}"} ${cumulative}`);
      });
      cumulative += hist.buckets[LATENCY_BUCKETS_MS.length];
      out.push(`${name}_bucket{${label(t)},le="+Inf"} ${cumulative}`, `${name}_sum{${label(t)}} ${num(hist.sum)}`, `${name}_count{${label(t)}} ${cumulative}`);
    }
  }
  family("statehouse_metrics_workers_reporting", "Workers whose metrics flushed within the last 25 s", "gauge");
  out.push(`statehouse_metrics_workers_reporting ${s.workersReporting}`);
  for (const g of ["lagMs", "pending"] as const) {
    family(CHECKPOINT_GAUGES[g].name, CHECKPOINT_GAUGES[g].help, "gauge");
    // no sample until a checkpointer has run: absent, not a made-up 0
    if (s.checkpoint) out.push(`${CHECKPOINT_GAUGES[g].name} ${num(s.checkpoint[g])}`);
  }
  family(CHECKPOINT_QUARANTINED.name, CHECKPOINT_QUARANTINED.help, "counter");
  if (s.checkpoint) out.push(`${CHECKPOINT_QUARANTINED.name} ${num(s.checkpoint.quarantined)}`);
  return out.join("\n") + "\n";
}
