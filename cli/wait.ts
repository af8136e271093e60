import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import { api } from "../server/contracts/api";
import { SavepointProgress, type ControlJobView, type Savepoint } from "../server/contracts/savepoints";
import type { Cli } from "./context";
import { CliError, EXIT } from "./errors";
import { progressBar } from "./progress";

const POLL_MS = 500;

type Progress = z.infer<typeof SavepointProgress>;

/** Polls until `done` says the value is final, drawing the progress `progressOf` reads from each poll. */
async function poll<T>(cli: Cli, label: string, read: () => Promise<T>, progressOf: (v: T) => Progress | null, done: (v: T) => boolean): Promise<T> {
  const bar = progressBar(label, { json: cli.out.json });
  try {
    for (;;) {
      const v = await read();
      const p = progressOf(v);
      if (done(v)) {
        bar.finish(p?.phase ?? "done");
        return v;
      }
      // a phase without counts (pausing, draining…) shows as the phase alone
      bar.update(p?.done ?? 0, p?.total, p?.phase ?? "waiting");
      await sleep(POLL_MS);
    }
  } finally {
    bar.stop();
  }
}

/** Until the savepoint is complete; a failed one is exit 1 with its error. */
export async function waitForSavepoint(cli: Cli, id: string): Promise<z.infer<typeof Savepoint>> {
  const sp = await poll(
    cli,
    "savepoint",
    () => cli.client.call(api.getSavepoint, { params: { id } }),
    (s) => s.progress,
    (s) => s.status === "complete" || s.status === "failed",
  );
  if (sp.status === "failed") throw new CliError(`savepoint ${id} failed: ${sp.error ?? "no reason given"}`, EXIT.failed, "job-failed", { savepoint: sp });
  return sp;
}

/** Until the control job (a rollback) has finished; a failed one is exit 1 with its reason. */
export async function waitForJob(cli: Cli, jobId: string, label: string): Promise<z.infer<typeof ControlJobView>> {
  const job = await poll(
    cli,
    label,
    () => cli.client.call(api.getJob, { params: { jobId } }),
    (j) => {
      const p = SavepointProgress.safeParse(j.progress);
      return p.success ? p.data : null;
    },
    (j) => j.state === "completed" || j.state === "failed",
  );
  if (job.state === "failed") throw new CliError(`${label} failed: ${job.failedReason ?? "no reason given"}`, EXIT.failed, "job-failed", { job });
  return job;
}
