import type { Ctx } from "../context";
import type { Redis } from "../redis";
import { currentRegistryVersion } from "./registry-bus";
import { loadRegistrySnapshot, RegistrySnapshot } from "./registry-snapshot";

/**
 * A worker's view of the registry. Reloaded on the pub/sub message a registry change publishes (docs/DESIGN.md §2:
 * within ~1 s, never by polling Postgres per message); `refreshIfStale` on each heartbeat covers a missed message.
 */
export class RegistryCache {
  private snapshot = new RegistrySnapshot(-1, []);
  private loading: Promise<void> | null = null;
  private again = false;
  private subscriber: Redis | null = null;

  constructor(private readonly ctx: Ctx) {}

  get current(): RegistrySnapshot {
    return this.snapshot;
  }

  async start(): Promise<void> {
    this.subscriber = this.ctx.redis.duplicate({ connectionName: "statehouse-registry-sub" });
    // a reload that fails (Postgres unreachable for a moment, or closed at shutdown) keeps the snapshot it has
    // and is a warning, never an unhandled rejection; the next announcement loads again (a worker's heartbeat
    // also does, through refreshIfStale)
    this.subscriber.on("message", () => void this.reload().catch((err) => this.ctx.log.warn({ err }, "registry reload failed; keeping the loaded snapshot")));
    await this.subscriber.subscribe(this.ctx.keys.registryChannel);
    await this.reload();
  }

  async refreshIfStale(): Promise<void> {
    if ((await currentRegistryVersion(this.ctx.redis, this.ctx.keys)) !== this.snapshot.version) await this.reload();
  }

  private reloads = 0;
  private readonly listeners = new Set<() => void>();

  /** `fn` runs after each load from now on (views derived from the registry, e.g. the playground ports). */
  onReload(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** Coalesces bursts: at most one load in flight plus one queued behind it. */
  reload(): Promise<void> {
    if (this.loading) {
      this.again = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.again = false;
        // Read the version before the rows: a change landing in between makes the next check reload again.
        const version = await currentRegistryVersion(this.ctx.redis, this.ctx.keys);
        const next = await loadRegistrySnapshot(this.ctx.db, version);
        this.snapshot = next;
        // the first load says the process is ready; each reload after a change is routine (every process hears each one)
        this.ctx.log[this.reloads++ === 0 ? "info" : "debug"]({ registryVersion: version, endpoints: next.endpoints.length }, "registry loaded");
      } while (this.again);
      for (const fn of this.listeners) fn();
    })().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  async stop(): Promise<void> {
    await this.subscriber?.quit().catch(() => undefined);
  }
}
