import { Queue, Worker, type Job } from "bullmq";
import type { Ctx } from "../context";
import type { RegistryCache } from "../registry/registry-cache";
import { Bell } from "./bell";
import type { DataPlane } from "./data-plane";
import { dataPlaneFor } from "./plane";
import { GroupRunner } from "./group-runner";
import type { DispatchObserver } from "./invoke";
import { SpecCache } from "./spec-cache";

export const DISPATCH_QUEUE = "dispatch";
const ENSURE_EVERY_MS = 2_000;

/**
 * BullMQ carries partition groups, never messages (docs/DESIGN.md §3): the queue holds one job per group; a worker
 * holding a group's job drains its partitions for a slice, completes, and the job is re-added so other
 * workers get a share. A dead worker's groups return through BullMQ's stalled-job recovery; its addresses
 * through lease expiry. Correctness never depends on BullMQ's lock — only on the per-address lease + version.
 */
export class DispatchService {
  private queue!: Queue;
  private worker!: Worker;
  private bell!: Bell;
  private runner?: GroupRunner;
  private ensureTimer?: NodeJS.Timeout;
  private readonly stopping = new AbortController();
  readonly plane: DataPlane;
  /** What this process did: activations run and group slices held (exposed on the worker's /healthz). */
  readonly stats = { activations: 0, slices: 0, groupsHeld: new Set<number>() };

  constructor(
    private readonly ctx: Ctx,
    private readonly registry: RegistryCache,
    private readonly observer?: DispatchObserver,
  ) {
    this.plane = dataPlaneFor(ctx);
  }

  private get connection() {
    return { url: this.ctx.env.REDIS_URL, maxRetriesPerRequest: null, enableAutoPipelining: true } as const;
  }

  async start(): Promise<void> {
    const env = this.ctx.env;
    this.bell = new Bell(this.ctx.redis, this.plane.keys.bell);
    await this.bell.start();
    const runner = (this.runner = new GroupRunner(
      this.plane,
      this.bell,
      () => this.registry.current,
      new SpecCache(this.plane),
      this.ctx.log,
      { claimBatch: env.DISPATCH_CLAIM_BATCH, maxBatch: env.DISPATCH_MAX_BATCH, leaseMs: env.DISPATCH_LEASE_MS, maxInflight: env.DISPATCH_MAX_INFLIGHT, maxInflightPerEndpoint: env.DISPATCH_MAX_INFLIGHT_PER_ENDPOINT ?? Math.floor(env.DISPATCH_MAX_INFLIGHT / 2), lagCapMs: env.CHECKPOINT_LAG_CAP_MS, waitForCallsAtSliceEnd: env.DISPATCH_SLICE_WAITS_FOR_CALLS },
      this.observer,
    ));
    const prefix = this.ctx.keys.bullPrefix;
    this.queue = new Queue(DISPATCH_QUEUE, { connection: this.connection, prefix });
    this.worker = new Worker(
      DISPATCH_QUEUE,
      async (job: Job<{ group: number }>) => {
        this.stats.groupsHeld.add(job.data.group);
        try {
          const r = await runner.run(job.data.group, env.DISPATCH_SLICE_MS, this.stopping.signal);
          this.stats.activations += r.activations;
          this.stats.slices++;
          return r;
        } finally {
          this.stats.groupsHeld.delete(job.data.group);
        }
      },
      {
        connection: this.connection,
        prefix,
        concurrency: env.DISPATCH_GROUPS,
        // A dead worker's groups come back within lockDuration + stalledInterval.
        lockDuration: env.DISPATCH_GROUP_LOCK_MS,
        stalledInterval: Math.max(250, Math.floor(env.DISPATCH_GROUP_LOCK_MS / 2)),
        maxStalledCount: Number.MAX_SAFE_INTEGER,
      },
    );
    // the group whose slice ended goes back to the queue (re-adding all of them here was 16 scripts a slice)
    this.worker.on("completed", (job: Job<{ group: number }>) => void this.ensureGroupJobs([job.data.group]));
    this.worker.on("failed", (_job, err) => this.ctx.log.error({ err }, "dispatch group job failed; it is re-added"));
    this.worker.on("error", (err) => this.ctx.log.warn({ err }, "dispatch worker error"));
    await this.ensureGroupJobs();
    this.ensureTimer = setInterval(() => void this.ensureGroupJobs(), ENSURE_EVERY_MS);
  }

  /** Idempotent: a group job that exists in any state is left alone (jobId = group). */
  private async ensureGroupJobs(groups = Array.from({ length: this.ctx.env.DISPATCH_GROUPS }, (_, g) => g)): Promise<void> {
    if (this.stopping.signal.aborted) return;
    const jobs = groups.map((g) => ({
      name: "group",
      data: { group: g },
      opts: { jobId: `group-${g}`, removeOnComplete: true, removeOnFail: true },
    }));
    await this.queue.addBulk(jobs).catch((err) => this.ctx.log.warn({ err }, "could not ensure dispatch group jobs"));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.ensureTimer);
    await this.worker?.close();
    // calls outlive their slice: wait until each has ended (the stop signal aborts them) before closing
    await this.runner?.drain();
    await this.queue?.close();
    await this.bell?.stop();
  }
}
