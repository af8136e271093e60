import type { Ctx } from "../context";
import { RegistryCache } from "./registry-cache";

const caches = new WeakMap<Ctx, Promise<RegistryCache>>();

/**
 * The web process's registry view (ingress routing), kept current by the same pub/sub invalidation the
 * workers use — never a Postgres query per message.
 */
export function liveRegistry(ctx: Ctx): Promise<RegistryCache> {
  let c = caches.get(ctx);
  if (!c) {
    const cache = new RegistryCache(ctx);
    c = cache.start().then(() => cache);
    caches.set(ctx, c);
    c.catch(() => caches.delete(ctx));
  }
  return c;
}
