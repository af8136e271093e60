import { LATENCY_BUCKETS_MS } from "./names";

/** Non-cumulative bucket counts over LATENCY_BUCKETS_MS (+Inf last), as stored in Redis. */
export interface BucketCounts {
  buckets: number[];
  sum: number;
  count: number;
}

export const emptyBuckets = (): BucketCounts => ({ buckets: new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0), sum: 0, count: 0 });

/**
 * The q-quantile, interpolated linearly inside its bucket (as Prometheus' histogram_quantile does); a value in
 * the +Inf bucket reports the largest finite bound. null without observations.
 */
export function quantile(h: BucketCounts, q: number): number | null {
  const total = h.buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < h.buckets.length; i++) {
    const n = h.buckets[i];
    if (n > 0 && seen + n >= rank) {
      if (i >= LATENCY_BUCKETS_MS.length) return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
      const lo = i === 0 ? 0 : LATENCY_BUCKETS_MS[i - 1];
      const hi = LATENCY_BUCKETS_MS[i];
      return round(lo + ((hi - lo) * (rank - seen)) / n);
    }
    seen += n;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1];
}

const round = (v: number) => Math.round(v * 100) / 100;

/** Buckets a − b (for "what happened between two reads"). */
export function subtractBuckets(a: BucketCounts, b: BucketCounts): BucketCounts {
  return { buckets: a.buckets.map((n, i) => n - b.buckets[i]), sum: a.sum - b.sum, count: a.count - b.count };
}
