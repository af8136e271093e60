import { Worker, type Job } from "bullmq";
import type pg from "pg";
import type { Ctx } from "../context";
import { createPgPool } from "../pg";
import { CONTROL_QUEUE, type ControlJob } from "./control-queue";
import { runRollback } from "./rollback";
import { takeSavepoint } from "./savepoints";

/**
 * The control role: savepoint and rollback jobs, with progress (job.updateProgress, observable through
 * QueueEvents and GET /api/v1/savepoints/{id}). Any worker may run a job; a rollback holds a per-application
 * lock in Redis so two never interleave.
 */
export class ControlService {
  private worker!: Worker<ControlJob>;
  private pool!: pg.Pool;

  constructor(private readonly ctx: Ctx) {}

  async start(): Promise<void> {
    this.pool = createPgPool(this.ctx.env.DATABASE_URL, 4);
    const deps = { ctx: this.ctx, pool: this.pool };
    this.worker = new Worker<ControlJob>(
      CONTROL_QUEUE,
      async (job: Job<ControlJob>) => {
        const progress = (p: object) => job.updateProgress(p);
        const d = job.data;
        if (d.kind === "savepoint") {
          const sp = await takeSavepoint(deps, d.savepointId, progress);
          return { savepointId: sp.id, addresses: sp.addresses };
        }
        return runRollback(deps, d, progress);
      },
      { connection: { url: this.ctx.env.REDIS_URL, maxRetriesPerRequest: null }, prefix: this.ctx.keys.bullPrefix, concurrency: 2, lockDuration: 30_000 },
    );
    this.worker.on("failed", (job, err) => this.ctx.log.error({ err, job: job?.id }, "control job failed"));
    this.worker.on("error", (err) => this.ctx.log.warn({ err }, "control worker error"));
  }

  async stop(): Promise<void> {
    await this.worker?.close();
    await this.pool?.end();
  }
}
