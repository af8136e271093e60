/**
 * The per-function-type metrics, with StateFun's names (protocol §4.9) and their Prometheus names. Every
 * series carries one label, `function_type="<namespace>/<name>"`, where StateFun puts the type in the scope.
 *
 * | StateFun                     | Prometheus                                           | type      | source |
 * |------------------------------|------------------------------------------------------|-----------|--------|
 * | in (+ inRate)                | statehouse_function_in_total                         | counter   | workers, at commit (messages consumed) |
 * | outLocal (+ outLocalRate)    | statehouse_function_out_local_total                  | counter   | workers: target in the sender's partition |
 * | outRemote (+ outRemoteRate)  | statehouse_function_out_remote_total                 | counter   | workers: target in another partition |
 * | outEgress (+ outEgressRate)  | statehouse_function_out_egress_total                 | counter   | workers |
 * | inflightAsyncOps             | statehouse_function_inflight_async_ops               | gauge     | workers, summed over live workers |
 * | numBacklog                   | statehouse_function_num_backlog                      | gauge     | partition stats hashes (commit/enqueue scripts) |
 * | numBlockedAddress            | statehouse_function_num_blocked_address              | gauge     | mailboxes at the endpoint's maxNumBatchRequests |
 * | remoteInvocationFailures     | statehouse_function_remote_invocation_failures_total | counter   | workers, per failed attempt |
 * | remoteInvocationLatency      | statehouse_function_remote_invocation_latency_ms     | histogram | workers, per attempt (ms) |
 * | — (Statehouse)               | statehouse_function_message_latency_ms               | histogram | enqueue → the commit that consumed it (ms) |
 * | — (Statehouse)               | statehouse_function_parked_total                     | counter   | addresses parked after their call failed |
 *
 * The `…Rate` meters are not exported: Prometheus derives them with rate(); GET /api/v1/metrics carries them.
 */
export const COUNTERS = ["in", "outLocal", "outRemote", "outEgress", "remoteInvocationFailures", "parked"] as const;
export type CounterName = (typeof COUNTERS)[number];

export const HISTOGRAMS = ["remoteInvocationLatency", "messageLatency"] as const;
export type HistogramName = (typeof HISTOGRAMS)[number];

export const FUNCTION_TYPE_LABEL = "function_type";

export const PROMETHEUS: Record<CounterName | HistogramName | "inflightAsyncOps" | "numBacklog" | "numBlockedAddress", { name: string; help: string }> = {
  in: { name: "statehouse_function_in_total", help: "Messages consumed by committed invocations (StateFun in)" },
  outLocal: { name: "statehouse_function_out_local_total", help: "Messages sent to an address in the sender's partition (StateFun outLocal)" },
  outRemote: { name: "statehouse_function_out_remote_total", help: "Messages sent to an address in another partition (StateFun outRemote)" },
  outEgress: { name: "statehouse_function_out_egress_total", help: "Egress records written (StateFun outEgress)" },
  remoteInvocationFailures: { name: "statehouse_function_remote_invocation_failures_total", help: "Failed call attempts (StateFun remoteInvocationFailures)" },
  parked: { name: "statehouse_function_parked_total", help: "Addresses parked because their invocation could not complete" },
  remoteInvocationLatency: { name: "statehouse_function_remote_invocation_latency_ms", help: "Latency of each call attempt in milliseconds (StateFun remoteInvocationLatency)" },
  messageLatency: { name: "statehouse_function_message_latency_ms", help: "Milliseconds from enqueue (ingress or sender commit) to the commit that consumed the message" },
  inflightAsyncOps: { name: "statehouse_function_inflight_async_ops", help: "Remote calls in flight, over all live workers (StateFun inflightAsyncOps)" },
  numBacklog: { name: "statehouse_function_num_backlog", help: "Messages waiting in mailboxes (StateFun numBacklog)" },
  numBlockedAddress: { name: "statehouse_function_num_blocked_address", help: "Addresses whose mailbox is at the endpoint's maxNumBatchRequests; ingress answers 429 for them (StateFun numBlockedAddress)" },
};

/** Data-plane gauges without a function type label, from the checkpointer's status (server/durability/lag.ts). */
export const CHECKPOINT_GAUGES = {
  lagMs: { name: "statehouse_checkpoint_lag_ms", help: "Age in milliseconds of the oldest change committed in Redis and not yet checkpointed to Postgres (0: none)" },
  pending: { name: "statehouse_checkpoint_pending_changes", help: "Changes (commit sequence numbers) committed in Redis and not yet checkpointed to Postgres" },
} as const;
export const CHECKPOINT_QUARANTINED = {
  name: "statehouse_checkpoint_quarantined_total",
  help: "Addresses whose changes a checkpoint round set aside in cp_quarantine because Postgres could not store them (GET /api/health names them)",
} as const;

/**
 * Upper bounds (ms) shared by both histograms. Steps of at most ×1.5–2 keep an interpolated p50/p99 within
 * about a quarter of the true value, from sub-millisecond loopback calls to the 2 min default call budget.
 */
export const LATENCY_BUCKETS_MS = [
  0.5, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 7500, 10000, 20000, 30000, 60000, 120000,
] as const;

/** Index of the first bucket whose bound is ≥ v; LATENCY_BUCKETS_MS.length for +Inf. */
export function bucketIndex(v: number): number {
  const b: readonly number[] = LATENCY_BUCKETS_MS;
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (b[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
