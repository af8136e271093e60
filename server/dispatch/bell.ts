import type { Redis } from "../redis";

/**
 * Wake-ups for idle partition groups. Scripts PUBLISH a partition number when an address of it becomes ready
 * (only on the idle → scheduled transition, so a busy system publishes little). One subscriber per worker
 * process; a partition is "dirty" until a claim finds it empty. A message `t<partition>` says timers were
 * written there by someone other than its runner (a rollback's restore, a recovery): `onTimers` hears it.
 */
export class Bell {
  private sub: Redis | null = null;
  private readonly dirty = new Set<number>();
  private readonly waiters = new Set<{ partitions: Set<number>; wake: () => void }>();
  onTimers?: (partition: number) => void;

  constructor(
    private readonly redis: Redis,
    private readonly channel: string,
  ) {}

  async start(): Promise<void> {
    this.sub = this.redis.duplicate({ connectionName: "statehouse-bell" });
    this.sub.on("message", (_ch: string, msg: string) => (msg[0] === "t" ? this.onTimers?.(Number(msg.slice(1))) : this.ring(Number(msg))));
    await this.sub.subscribe(this.channel);
  }

  ring(p: number): void {
    this.dirty.add(p);
    for (const w of this.waiters) if (w.partitions.has(p)) w.wake();
  }

  markAll(partitions: number[]): void {
    for (const p of partitions) this.dirty.add(p);
  }

  /** Partitions worth claiming from; clears their flags (a full claim marks them again). */
  take(partitions: number[]): number[] {
    const out = partitions.filter((p) => this.dirty.has(p));
    for (const p of out) this.dirty.delete(p);
    return out;
  }

  /** Resolves on a ring for one of `partitions`, on `also`, or after `timeoutMs`. */
  wait(partitions: Set<number>, timeoutMs: number, also?: Promise<unknown>): Promise<void> {
    return new Promise((resolve) => {
      const w = {
        partitions,
        wake: () => {
          clearTimeout(timer);
          this.waiters.delete(w);
          resolve();
        },
      };
      const timer = setTimeout(w.wake, timeoutMs);
      this.waiters.add(w);
      if ([...partitions].some((p) => this.dirty.has(p))) w.wake();
      also?.then(w.wake, w.wake);
    });
  }

  async stop(): Promise<void> {
    await this.sub?.quit().catch(() => undefined);
  }
}
