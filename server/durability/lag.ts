import type { Redis } from "../redis";

/**
 * Set while a rollback restores and verifies: the checkpoint then copies the restored addresses from the savepoint
 * (already durable in Postgres), which can take seconds for a large application — other applications keep
 * being dispatched meanwhile, under ROLLBACK_LAG_CAP_MS instead of the lag cap.
 */
export const rollbackInProgressKey = (prefix: string) => `${prefix}:cp:rollback`;
export const ROLLBACK_LAG_CAP_MS = 60_000;

/**
 * `<prefix>:cp`: the checkpointer's last round — cursor `seq`, `since` (ms: the oldest change not yet in Postgres),
 * `pending`, `at` — and `quarantined`, the units it has set aside in all (a counter).
 */
export const checkpointStatusKey = (prefix: string) => `${prefix}:cp`;

export interface CheckpointLag {
  /** Every change with a sequence ≤ this is in Postgres. */
  seq: number;
  /** Changes committed in Redis and not yet in Postgres. */
  pending: number;
  /** Age of the oldest change not yet in Postgres (0: none). */
  lagMs: number;
  /** When the checkpointer last finished a round. */
  lastRoundAt: string | null;
  /** Addresses' changes set aside in cp_quarantine since the data plane began (Postgres could not store them). */
  quarantined: number;
}

/** null: no checkpointer has run against this data plane yet. */
export async function readCheckpointLag(redis: Redis, prefix: string, seqKey: string, now = Date.now()): Promise<CheckpointLag | null> {
  const [[, st], [, g]] = (await redis.multi().hmget(checkpointStatusKey(prefix), "seq", "since", "at", "quarantined").get(seqKey).exec()) as [[unknown, Array<string | null>], [unknown, string | null]];
  if (st[0] === null) return null;
  const seq = Number(st[0]);
  const global = Number(g ?? 0);
  const pending = Math.max(0, global - seq);
  return { seq, pending, lagMs: pending > 0 ? Math.max(0, now - Number(st[1])) : 0, lastRoundAt: st[2] ? new Date(Number(st[2])).toISOString() : null, quarantined: Number(st[3] ?? 0) };
}

/**
 * The lag cap (docs/DESIGN.md §4): while the oldest change not yet in Postgres is older than the cap, claiming pauses,
 * so what a Redis loss can take stays bounded. Read at most every `refreshMs`; no checkpointer yet: open.
 */
export class LagGate {
  private blockedUntilCheck = false;
  private checkedAt = 0;
  private pending: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly seqKey: string,
    private readonly capMs: number,
    private readonly refreshMs = 100,
  ) {}

  /** True while claiming must wait. */
  async blocked(): Promise<boolean> {
    if (this.capMs <= 0) return false;
    if (Date.now() - this.checkedAt >= this.refreshMs) {
      this.pending ??= Promise.all([readCheckpointLag(this.redis, this.prefix, this.seqKey), this.redis.exists(rollbackInProgressKey(this.prefix))])
        .then(([lag, rollingBack]) => {
          const cap = rollingBack ? Math.max(this.capMs, ROLLBACK_LAG_CAP_MS) : this.capMs;
          this.blockedUntilCheck = lag !== null && lag.lagMs > cap;
        })
        .catch(() => undefined)
        .finally(() => {
          this.checkedAt = Date.now();
          this.pending = null;
        });
      await this.pending;
    }
    return this.blockedUntilCheck;
  }
}
