/**
 * Where workers leave their metric deltas for the web process. Each key lives under the deployment's prefix,
 * so a test or a benchmark with its own prefix sees only its own numbers.
 */
export const WINDOW_SLOT_MS = 5_000;
/** Slots read for the "last minute" rates: the 12 complete ones before the current slot, plus the current one. */
export const WINDOW_SLOTS = 12;
/** A slot is read for at most 65 s; keep it a little longer so a slow clock never reads a vanished slot. */
export const WINDOW_TTL_MS = 3 * 60_000;

export function metricsKeys(prefix: string) {
  const base = `${prefix}:metrics`;
  return {
    /** SET of every function type a worker has reported. */
    types: `${base}:types`,
    /** HASH of lifetime totals: `<counter>`, `<histogram>|<bucket index>`, `<histogram>|sum`, `<histogram>|count`. */
    totals: (functionType: string) => `${base}:t:${functionType}`,
    /** HASH of one 5 s slot, every type together: `<function type>|<counter>`, `<function type>|<histogram>|<bucket index>`. */
    window: (slotStartMs: number) => `${base}:w:${slotStartMs}`,
    /** HASH function type → calls in flight, one per worker, expiring when the worker stops flushing. */
    gauges: (workerId: string) => `${base}:g:${workerId}`,
    /** ZSET worker id → last flush (ms). */
    workers: `${base}:workers`,
  };
}
export type MetricsKeys = ReturnType<typeof metricsKeys>;

export const slotOf = (ms: number) => ms - (ms % WINDOW_SLOT_MS);
