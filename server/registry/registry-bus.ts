import type { Redis } from "../redis";
import type { RedisKeys } from "../redis";

/**
 * A registry change bumps a version counter and publishes it. Workers reload on the message and also
 * compare the counter on their heartbeat, so a missed pub/sub message costs one heartbeat, never a restart.
 */
export async function announceRegistryChange(redis: Redis, keys: RedisKeys): Promise<number> {
  const version = await redis.incr(keys.registryVersion);
  await redis.publish(keys.registryChannel, String(version));
  return version;
}

export async function currentRegistryVersion(redis: Redis, keys: RedisKeys): Promise<number> {
  return Number((await redis.get(keys.registryVersion)) ?? 0);
}
