import { createDb, type Db } from "./db";
import { env as readEnv, type Env } from "./env";
import { createLogger, type Logger } from "./logger";
import { createRedis, redisKeys, type Redis, type RedisKeys } from "./redis";

/** What every service needs. Services take it as an argument, so a test can give each file its own. */
export interface Ctx {
  db: Db;
  redis: Redis;
  keys: RedisKeys;
  log: Logger;
  env: Env;
  now: () => Date;
}

export function createContext(env: Env, role: "producer" | "worker", logBindings: Record<string, unknown> = {}): Ctx {
  return {
    db: createDb(env.DATABASE_URL),
    redis: createRedis(env.REDIS_URL, role, `statehouse-${role}`),
    keys: redisKeys(env.STATEHOUSE_REDIS_PREFIX),
    log: createLogger(env.LOG_LEVEL, logBindings, env.LOG_FORMAT),
    env,
    now: () => new Date(),
  };
}

const g = globalThis as unknown as { __statehouseCtx?: Ctx };

/** The web process's context: built on first use, kept across Next dev reloads. */
export function appContext(): Ctx {
  g.__statehouseCtx ??= createContext(readEnv(), "producer", { process: "web" });
  return g.__statehouseCtx;
}

/** Tests install their own context (own schema, own key prefix) before calling route handlers. */
export function setAppContext(ctx: Ctx | undefined): void {
  g.__statehouseCtx = ctx;
}

export async function closeContext(ctx: Ctx): Promise<void> {
  await Promise.allSettled([ctx.db.$disconnect(), ctx.redis.quit()]);
}
