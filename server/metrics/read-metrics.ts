import type { Ctx } from "../context";
import { planeOf } from "../dispatch/plane";
import { readCheckpointLag, type CheckpointLag } from "../durability/lag";
import type { RegistrySnapshot } from "../registry/registry-snapshot";
import { countBlockedAddresses } from "./blocked-addresses";
import { emptyBuckets, type BucketCounts } from "./histogram";
import { metricsKeys, slotOf, WINDOW_SLOT_MS, WINDOW_SLOTS } from "./keys";
import { COUNTERS, HISTOGRAMS, type CounterName, type HistogramName } from "./names";

export interface FunctionTypeMetrics {
  functionType: string;
  counters: Record<CounterName, number>;
  histograms: Record<HistogramName, BucketCounts>;
  inflightAsyncOps: number;
  numBacklog: number;
  numBlockedAddress: number;
  /** The last WINDOW_SLOTS complete 5 s slots plus the current one. */
  window: { counters: Record<CounterName, number>; histograms: Record<HistogramName, BucketCounts> };
}

export interface MetricsSnapshot {
  at: number;
  windowMs: number;
  workersReporting: number;
  checkpoint: CheckpointLag | null;
  functionTypes: FunctionTypeMetrics[];
}

const zeroCounters = () => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<CounterName, number>;
const zeroHistograms = () => Object.fromEntries(HISTOGRAMS.map((h) => [h, emptyBuckets()])) as Record<HistogramName, BucketCounts>;

/** Parses `<counter>` / `<histogram>|<index|sum|count>` fields (the totals hash, or a window hash after the type prefix). */
function apply(target: { counters: Record<CounterName, number>; histograms: Record<HistogramName, BucketCounts> }, field: string, raw: string): void {
  const bar = field.indexOf("|");
  if (bar < 0) {
    if (field in target.counters) target.counters[field as CounterName] += Number(raw);
    return;
  }
  const h = target.histograms[field.slice(0, bar) as HistogramName];
  if (!h) return;
  const rest = field.slice(bar + 1);
  if (rest === "sum") h.sum += Number(raw);
  else if (rest === "count") h.count += Number(raw);
  else {
    const i = Number(rest);
    if (Number.isInteger(i) && i >= 0 && i < h.buckets.length) h.buckets[i] += Number(raw);
  }
}

/**
 * Every worker's numbers, summed: lifetime totals and last-minute slots (flushed by the workers), in-flight
 * calls of the workers still flushing, the backlog from the partition stats hashes the data-plane scripts
 * keep, and the blocked addresses derived from those. A handful of pipelined reads plus one HGETALL per
 * partition; no scan of addresses unless a partition's backlog reaches a mailbox cap.
 */
export async function readMetrics(ctx: Ctx, registry: RegistrySnapshot, now = Date.now()): Promise<MetricsSnapshot> {
  const k = metricsKeys(ctx.env.STATEHOUSE_REDIS_PREFIX);
  const parts = planeOf(ctx).keys;
  const r = ctx.redis;
  const current = slotOf(now);
  const slots = Array.from({ length: WINDOW_SLOTS + 1 }, (_, i) => current - i * WINDOW_SLOT_MS);

  const [types, workers, windows, stats, checkpoint] = await Promise.all([
    r.smembers(k.types),
    r.zrangebyscore(k.workers, now - 5 * WINDOW_SLOT_MS, "+inf"),
    Promise.all(slots.map((s) => r.hgetall(k.window(s)))),
    Promise.all(Array.from({ length: parts.partitions }, (_, p) => r.hgetall(parts.stats(p)))),
    readCheckpointLag(r, parts.prefix, parts.seq, now),
  ]);

  const byType = new Map<string, FunctionTypeMetrics>();
  const entry = (t: string) => {
    let e = byType.get(t);
    if (!e)
      byType.set(
        t,
        (e = { functionType: t, counters: zeroCounters(), histograms: zeroHistograms(), inflightAsyncOps: 0, numBacklog: 0, numBlockedAddress: 0, window: { counters: zeroCounters(), histograms: zeroHistograms() } }),
      );
    return e;
  };

  const [totals, gauges] = await Promise.all([Promise.all(types.map((t) => r.hgetall(k.totals(t)))), Promise.all(workers.map((w) => r.hgetall(k.gauges(w))))]);
  types.forEach((t, i) => {
    const e = entry(t);
    for (const [f, v] of Object.entries(totals[i])) apply(e, f, v);
  });
  for (const w of windows)
    for (const [f, v] of Object.entries(w)) {
      const bar = f.indexOf("|");
      if (bar > 0) apply(entry(f.slice(0, bar)).window, f.slice(bar + 1), v);
    }
  for (const g of gauges) for (const [t, v] of Object.entries(g)) entry(t).inflightAsyncOps += Number(v);

  const backlogByPartition = stats.map((h) => {
    const m = new Map<string, number>();
    for (const [f, v] of Object.entries(h)) if (f.endsWith("|backlog")) m.set(f.slice(0, -"|backlog".length), Number(v));
    return m;
  });
  for (const m of backlogByPartition) for (const [t, n] of m) if (n !== 0) entry(t).numBacklog += n;
  for (const [t, n] of await countBlockedAddresses(r, parts, registry, backlogByPartition)) entry(t).numBlockedAddress = n;
  for (const e of byType.values()) e.numBacklog = Math.max(0, e.numBacklog); // StateFun: never negative

  return {
    at: now,
    windowMs: now - (current - WINDOW_SLOTS * WINDOW_SLOT_MS),
    workersReporting: workers.length,
    checkpoint,
    functionTypes: [...byType.values()].sort((a, b) => a.functionType.localeCompare(b.functionType)),
  };
}
