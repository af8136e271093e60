/** Every react-query key in one place, so invalidation after a mutation cannot miss a screen. */
export const keys = {
  session: ["session"] as const,
  health: ["health"] as const,
  /** The overview's rolling series of GET /api/v1/metrics samples (app/lib/metric-series.ts). */
  metrics: ["metrics"] as const,
  applications: ["applications"] as const,
  applicationPage: (cursor: string | null, limit: number) => ["applications", "page", { cursor, limit }] as const,
  application: (app: string) => ["application", app] as const,
  module: (app: string) => ["application", app, "module"] as const,
  audit: ["audit"] as const,
  savepoints: (app: string) => ["application", app, "savepoints"] as const,
  savepoint: (id: string) => ["savepoint", id] as const,
  savepointDiff: (id: string, against: string, cursor: string | null) => ["savepoint", id, "diff", { against, cursor }] as const,
  job: (jobId: string) => ["job", jobId] as const,
  parked: ["parked"] as const,
  parkedPage: (filter: { functionType: string | null; error: string | null }, cursor: string | null) => ["parked", "page", { ...filter, cursor }] as const,
  users: ["users"] as const,
  tokens: ["tokens"] as const,
  /** GET /api/v1/functions: every function type with its application, endpoint and counts. */
  functions: ["functions"] as const,
  /** One page of a function type's addresses (the address browser), under `functions` so a registry change refreshes it. */
  addressList: (namespace: string, type: string, q: { prefix: string | null; cursor: string | null; id: string | null }) =>
    ["functions", namespace, type, "addresses", q] as const,
  /** One address: its state, and under it its history, pending delayed messages and egress (invalidated together). */
  address: (namespace: string, type: string, id: string) => ["address", namespace, type, id] as const,
  addressHistory: (namespace: string, type: string, id: string, before: string | null) => ["address", namespace, type, id, "history", { before }] as const,
  addressTimers: (namespace: string, type: string, id: string) => ["address", namespace, type, id, "timers"] as const,
  addressEgress: (namespace: string, type: string, id: string, egress: string) => ["address", namespace, type, id, "egress", egress] as const,
};
