import { Redis, type RedisOptions } from "ioredis";
import { defineDataPlaneScripts } from "./dispatch/scripts";
import { defineMetricsScripts } from "./metrics/blocked-addresses";
import { defineLoginScripts } from "./auth/login-throttle";

export type { Redis };

/**
 * Producers (web) fail fast when Redis is down; long-lived worker connections wait it out
 * (BullMQ's convention: `maxRetriesPerRequest: null` for blocking/worker connections).
 */
export function createRedis(url: string, kind: "producer" | "worker", name: string, extra: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: kind === "worker" ? null : 2,
    connectTimeout: 5_000,
    connectionName: name,
    ...extra,
  });
  // Every Lua command is defined before the client sends anything. Defined lazily on an auto-pipelined client, a
  // command called in the tick it was defined lands in the pipeline made earlier in that tick, which lacks it:
  // "pipeline[functionName] is not a function" (ioredis#1931, fixed only in ioredis 6) — a batch ingress 500 in CI.
  defineDataPlaneScripts(redis);
  defineMetricsScripts(redis);
  defineLoginScripts(redis);
  return redis;
}

/** Every key and channel of one deployment (or one test) lives under its prefix. */
export function redisKeys(prefix: string) {
  return {
    prefix,
    registryVersion: `${prefix}:registry:version`,
    registryChannel: `${prefix}:registry:changed`,
    workersLive: `${prefix}:workers`,
    worker: (id: string) => `${prefix}:worker:${id}`,
    bullPrefix: `${prefix}:bull`,
    /** Failed-login counter of one subject: `user:<name in lower case>` or `client:<address>`. */
    loginFailures: (subject: string) => `${prefix}:login:${subject}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
