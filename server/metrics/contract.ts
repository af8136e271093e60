import { z } from "zod";

/** GET /api/v1/metrics: the console's view. Imports only zod, like every contract. */
const Latency = z.object({
  count: z.number().int(),
  meanMs: z.number().nullable(),
  p50Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  lastMinute: z.object({ count: z.number().int(), p50Ms: z.number().nullable(), p99Ms: z.number().nullable() }),
});

const Rates = z.object({
  in: z.number(),
  outLocal: z.number(),
  outRemote: z.number(),
  outEgress: z.number(),
  remoteInvocationFailures: z.number(),
});

export const FunctionTypeMetrics = z.object({
  functionType: z.string(),
  in: z.number().int(),
  outLocal: z.number().int(),
  outRemote: z.number().int(),
  outEgress: z.number().int(),
  remoteInvocationFailures: z.number().int(),
  parked: z.number().int(),
  inflightAsyncOps: z.number().int(),
  numBacklog: z.number().int(),
  numBlockedAddress: z.number().int(),
  /** Per second over the last `windowSeconds` (StateFun's …Rate meters). */
  rates: Rates,
  remoteInvocationLatency: Latency,
  /** From enqueue (ingress, or the sender's commit) to the commit that consumed the message. */
  messageLatency: Latency,
});

/** How far Postgres is behind Redis (server/durability/lag.ts); null until a checkpointer has run. */
export const CheckpointLag = z.object({
  seq: z.number().int(),
  pending: z.number().int(),
  lagMs: z.number(),
  lastRoundAt: z.string().nullable(),
  /** Addresses' changes the checkpoint set aside in cp_quarantine (Postgres could not store them), in all. */
  quarantined: z.number().int(),
});

export const MetricsReport = z.object({
  at: z.string(),
  windowSeconds: z.number(),
  workersReporting: z.number().int(),
  checkpoint: CheckpointLag.nullable(),
  functionTypes: z.array(FunctionTypeMetrics),
});
export type MetricsReport = z.infer<typeof MetricsReport>;
