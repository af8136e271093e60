import { Redis, type RedisOptions } from "ioredis";

export type { Redis };

/**
 * Producers (web) fail fast when Redis is down; long-lived worker connections wait it out
 * (BullMQ's convention: `maxRetriesPerRequest: null` for blocking/worker connections).
 */
export function createRedis(url: string, kind: "producer" | "worker", name: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: kind === "worker" ? null : 2,
    connectTimeout: 5_000,
    connectionName: name,
    ...extra,
  });
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
