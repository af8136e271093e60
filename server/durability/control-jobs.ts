import type { z } from "zod";
import type { Ctx } from "../context";
import type { ControlJobView } from "../contracts/savepoints";
import { AppError } from "../errors";
import { controlQueue } from "./control-queue";

/** A savepoint or rollback job as a caller watches it (GET /api/v1/jobs/{jobId}). */
export async function getControlJob(ctx: Ctx, jobId: string): Promise<z.infer<typeof ControlJobView>> {
  const job = await controlQueue(ctx).getJob(jobId);
  if (!job) throw new AppError("not-found", `no control job ${jobId} (finished jobs are kept for the last 100)`);
  return {
    id: jobId,
    name: job.name,
    state: (await job.getState()) as z.infer<typeof ControlJobView>["state"],
    progress: job.progress ?? null,
    result: job.returnvalue ?? null,
    failedReason: job.failedReason || null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}
