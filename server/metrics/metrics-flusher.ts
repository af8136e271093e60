import type { Logger } from "../logger";
import type { Redis } from "../redis";
import type { DispatchMetrics } from "./dispatch-metrics";
import { metricsKeys, slotOf, WINDOW_TTL_MS, type MetricsKeys } from "./keys";
import { COUNTERS, HISTOGRAMS } from "./names";

export const FLUSH_EVERY_MS = 1_000;

/**
 * Moves a worker's metric deltas into Redis about once a second, in one MULTI per flush so a reader never
 * sees half a histogram: lifetime totals per type, a 5 s slot for the last-minute rates, and this worker's
 * in-flight gauge (which expires if the worker dies, so a dead worker's calls stop counting).
 */
export class MetricsFlusher {
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;
  private readonly keys: MetricsKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly workerId: string,
    private readonly metrics: DispatchMetrics,
    private readonly log: Logger,
    private readonly everyMs = FLUSH_EVERY_MS,
  ) {
    this.keys = metricsKeys(prefix);
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.everyMs);
    this.timer.unref();
  }

  /** At most one flush in flight: during a Redis outage deltas keep accumulating in memory instead of queueing. */
  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    const deltas = this.metrics.takeDeltas();
    const now = Date.now();
    const k = this.keys;
    const window = k.window(slotOf(now));
    const m = this.redis.multi();
    for (const [type, d] of deltas) {
      const totals = k.totals(type);
      m.sadd(k.types, type);
      for (const c of COUNTERS) {
        const n = d.counters[c];
        if (n === 0) continue;
        m.hincrby(totals, c, n);
        m.hincrby(window, `${type}|${c}`, n);
      }
      for (const h of HISTOGRAMS) {
        const hd = d.histograms[h];
        if (hd.count === 0) continue;
        hd.buckets.forEach((n, i) => {
          if (n === 0) return;
          m.hincrby(totals, `${h}|${i}`, n);
          m.hincrby(window, `${type}|${h}|${i}`, n);
        });
        m.hincrbyfloat(totals, `${h}|sum`, hd.sum);
        m.hincrby(totals, `${h}|count`, hd.count);
        m.hincrby(window, `${type}|${h}|count`, hd.count);
      }
    }
    if (deltas.size > 0) m.pexpire(window, WINDOW_TTL_MS);
    const gauges = k.gauges(this.workerId);
    const inflight = [...this.metrics.inflightByType()].filter(([, n]) => n !== 0);
    m.del(gauges);
    if (inflight.length > 0) {
      m.hset(gauges, Object.fromEntries(inflight));
      m.pexpire(gauges, this.everyMs * 5);
    }
    m.zadd(k.workers, now, this.workerId);
    m.zremrangebyscore(k.workers, "-inf", now - this.everyMs * 5);
    let res: Awaited<ReturnType<typeof m.exec>>;
    try {
      res = await m.exec();
    } catch (err) {
      // Nothing was applied (the transaction never reached EXEC): keep the deltas for the next flush.
      this.metrics.restore(deltas);
      this.log.warn({ err }, "could not flush metrics to Redis; they are kept and retried");
      return;
    }
    const failed = res?.find(([err]) => err);
    if (failed) this.log.warn({ err: failed[0] }, "a metrics write was refused by Redis");
  }

  /** A final flush, so a worker stopped gracefully loses nothing it counted. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.redis.multi().del(this.keys.gauges(this.workerId)).zrem(this.keys.workers, this.workerId).exec().catch(() => undefined);
  }
}
