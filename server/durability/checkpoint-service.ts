import { setTimeout as delay } from "node:timers/promises";
import { Queue, Worker } from "bullmq";
import type pg from "pg";
import type { Ctx } from "../context";
import { dataPlaneFor } from "../dispatch/plane";
import { createPgPool } from "../pg";
import { Checkpointer } from "./checkpointer";
import { recoverDataPlane } from "./recovery";

export const CHECKPOINT_QUEUE = "checkpoint";
const JOB_ID = "checkpointer";
const SLICE_MS = 10_000;
const ENSURE_EVERY_MS = 2_000;
const LOCK_MS = 4_000;

/**
 * The checkpointer role: one job in the `checkpoint` queue, so exactly one worker process drains at a time
 * and a dead one's job moves to another through BullMQ's stalled-job recovery (within ~LOCK_MS). The job runs
 * rounds for a slice, then completes and is re-added. Before draining it makes sure Redis holds a data plane:
 * if Redis came back empty, it rebuilds it from the checkpoint first (nothing dispatches meanwhile).
 * Safety never depends on BullMQ's lock: the cursor row lock in Postgres serializes rounds.
 */
export class CheckpointService {
  private queue!: Queue;
  private worker!: Worker;
  private pool!: pg.Pool;
  private ensureTimer?: NodeJS.Timeout;
  private readonly stopping = new AbortController();
  readonly stats = { rounds: 0, entries: 0, recoveries: 0, lastRoundMs: 0 };

  constructor(private readonly ctx: Ctx) {}

  private get connection() {
    return { url: this.ctx.env.REDIS_URL, maxRetriesPerRequest: null, enableAutoPipelining: true } as const;
  }

  async start(): Promise<void> {
    const { env, log } = this.ctx;
    const plane = dataPlaneFor(this.ctx);
    this.pool = createPgPool(env.DATABASE_URL, 3);
    const cp = new Checkpointer(this.ctx.redis, this.pool, plane.keys, log, { batch: env.CHECKPOINT_BATCH, retain: env.CHANGELOG_RETAIN });
    const prefix = this.ctx.keys.bullPrefix;
    this.queue = new Queue(CHECKPOINT_QUEUE, { connection: this.connection, prefix });
    this.worker = new Worker(
      CHECKPOINT_QUEUE,
      async () => {
        const deadline = Date.now() + SLICE_MS;
        while (Date.now() < deadline && !this.stopping.signal.aborted) {
          if (!(await this.ctx.redis.exists(plane.keys.marker))) {
            const report = await recoverDataPlane(this.ctx.redis, this.pool, plane.keys, log);
            if (report) this.stats.recoveries++;
          }
          const t = Date.now();
          const r = await cp.round();
          if (r.regressed) {
            // Postgres holds changes this Redis does not: rebuild Redis from the checkpoint, as after a loss
            log.error({ cursor: r.seq }, "Redis's sequence is behind the checkpoint (restarted from older data?): rebuilding the data plane from the checkpoint");
            await this.ctx.redis.del(plane.keys.marker);
            continue;
          }
          this.stats.rounds++;
          this.stats.entries += r.entries;
          this.stats.lastRoundMs = Date.now() - t;
          // timers/promises removes its abort listener when the timer fires (a hand-made one leaked one per round)
          if (!r.more) await delay(r.entries > 0 ? 20 : 100, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        }
      },
      { connection: this.connection, prefix, concurrency: 1, lockDuration: LOCK_MS, stalledInterval: LOCK_MS / 2, maxStalledCount: Number.MAX_SAFE_INTEGER },
    );
    this.worker.on("completed", () => void this.ensureJob());
    this.worker.on("failed", (_job, err) => log.error({ err }, "checkpoint job failed; it is re-added"));
    this.worker.on("error", (err) => log.warn({ err }, "checkpoint worker error"));
    await this.ensureJob();
    this.ensureTimer = setInterval(() => void this.ensureJob(), ENSURE_EVERY_MS);
  }

  private async ensureJob(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    await this.queue
      .add("round", {}, { jobId: JOB_ID, removeOnComplete: true, removeOnFail: true })
      .catch((err) => this.ctx.log.warn({ err }, "could not ensure the checkpoint job"));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.ensureTimer);
    await this.worker?.close();
    await this.queue?.close();
    await this.pool?.end();
  }
}
