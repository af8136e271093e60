"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState } from "react";
import { formatBytes, formatCount, formatDuration, formatLatency } from "../../lib/format";
import { isJobDone, parseRollbackJob, useJob, useRollback, useSavepoint } from "../../lib/hooks/use-savepoints";
import type { Savepoint } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { savepointHref, savepointName } from "./savepoint-bits";
import { TypedConfirm } from "./typed-confirm";
import { useQueryParams } from "./use-query-params";

/** runRollback's phases (server/durability/rollback.ts), in order. */
const PHASES: Array<[string, string]> = [
  ["pausing", "Pause the application"],
  ["fencing", "Fence its addresses"],
  ["draining", "Drain the checkpoint"],
  ["pre-rollback-savepoint", "Take the automatic savepoint of the current state"],
  ["diffing", "Find the addresses that differ"],
  ["restoring", "Restore them"],
  ["checkpointing", "Checkpoint the restored state"],
  ["verifying", "Verify"],
  ["resuming", "Resume the application"],
];

interface Report {
  restored: number;
  removed: number;
  unchanged: number;
  timersRemoved: number;
  timersRestored: number;
  ms: number;
  phases: Record<string, number>;
}
interface Progress {
  phase?: string;
  done?: number;
  total?: number;
}

/** What a rollback does, said before it is confirmed. */
function RollbackImpact({ sp, app }: { sp: Savepoint; app: string }) {
  return (
    <ol className="sp-impact">
      <li>
        <strong>{app} is paused</strong>: its functions stop being called; messages sent to it meanwhile are accepted and
        queued.
      </li>
      <li>
        <strong>Its addresses are fenced</strong>: a call in flight cannot commit its result.
      </li>
      <li>
        <strong>An automatic savepoint of the current state is taken first</strong>, so the rollback can be undone.
      </li>
      <li>
        Every address that differs from this savepoint is rewritten with the savepoint&apos;s content (it holds{" "}
        {formatCount(sp.addresses)} addresses, {formatCount(sp.values)} values, {formatBytes(sp.bytes)}); addresses it
        lacks are emptied; mailboxes and delayed messages become the savepoint&apos;s ({formatCount(sp.messages)} messages,{" "}
        {formatCount(sp.timers)} timers).
      </li>
      <li>
        <strong>Egress already emitted is not recalled</strong> (Kafka, Kinesis, webhooks, playground topics).
      </li>
      <li>{app} resumes, unless it was paused before.</li>
    </ol>
  );
}

function stepState(name: string, job: { state: string; progress: Progress; report: Report | null }): "done" | "current" | "pending" | "skipped" {
  const i = PHASES.findIndex(([n]) => n === name);
  if (job.report) return name in job.report.phases ? "done" : "skipped";
  const at = job.progress.phase === "complete" ? PHASES.length : PHASES.findIndex(([n]) => n === job.progress.phase);
  if (at < 0) return "pending";
  if (i < at) return "done";
  if (i === at) return job.state === "failed" ? "pending" : "current";
  return "pending";
}

const MARK = { done: "✓", current: "›", pending: "·", skipped: "–" } as const;
const STATE_TEXT = { done: "done", current: "in progress", pending: "to do", skipped: "skipped: the application was paused before" } as const;

/** A phase's duration: from its start to the next recorded phase's start (or the end). */
function phaseMs(report: Report, name: string): number | null {
  const starts = Object.entries(report.phases).sort((a, b) => a[1] - b[1]);
  const i = starts.findIndex(([n]) => n === name);
  if (i < 0) return null;
  return (starts[i + 1]?.[1] ?? report.ms) - starts[i][1];
}

/** Undo: roll back onto the automatic savepoint taken just before the rollback (confirmed by typing, too). */
function UndoRollback({ app, preRollbackId }: { app: string; preRollbackId: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const pre = useSavepoint(preRollbackId);
  const rollback = useRollback(app);
  if (!open)
    return (
      <button type="button" className="btn btn-primary" onClick={() => setOpen(true)}>
        Undo this rollback
      </button>
    );
  return (
    <div className="alert alert-info">
      <h3>Undo this rollback?</h3>
      <p>
        {app} is rolled back onto{" "}
        <Link href={savepointHref(preRollbackId)}>{pre.data ? savepointName(pre.data) : "the automatic savepoint"}</Link>, the
        state it had just before this rollback. The same steps run: {app} is paused, its addresses are fenced, and a new
        automatic savepoint of the current state is taken first. Egress emitted since is not recalled.
      </p>
      <TypedConfirm
        expected={app}
        action="Undo the rollback"
        pendingText="Starting…"
        pending={rollback.isPending}
        error={rollback.error}
        errorPrefix="Could not undo"
        onCancel={() => setOpen(false)}
        onConfirm={() =>
          rollback.mutate(preRollbackId, {
            onSuccess: (r) => router.push(`${savepointHref(preRollbackId)}?rollback=${encodeURIComponent(r.jobId)}`),
          })
        }
      />
    </div>
  );
}

/** A rollback's live phases (its control job, polled), its report, and the way back. */
function RollbackProgress({ jobId, sp, app }: { jobId: string; sp: Savepoint; app: string }) {
  const qc = useQueryClient();
  const q = useQueryParams();
  const job = useJob(jobId);
  const ids = parseRollbackJob(jobId)!;
  const state = job.data?.state;

  // The live state changed under every screen: refetch whatever is shown (diffs against live, state, the app).
  useEffect(() => {
    if (state === "completed") void qc.invalidateQueries();
  }, [state, qc]);

  const report = state === "completed" ? (job.data!.result as Report) : null;
  const progress = (job.data?.progress ?? {}) as Progress;
  const view = { state: state ?? "waiting", progress, report };
  return (
    <>
      <ErrorAlert error={job.error} prefix="Could not follow the rollback" />
      {job.data ? (
        <>
          <p aria-live="polite">
            {state === "completed"
              ? "Rollback complete."
              : state === "failed"
                ? "The rollback failed."
                : job.data.state === "active"
                  ? "Rolling back…"
                  : "Waiting for a worker to start the rollback…"}
          </p>
          <ol className="sp-steps" aria-label="Rollback phases">
            {PHASES.map(([name, text]) => {
              const s = stepState(name, view);
              const ms = report ? phaseMs(report, name) : null;
              return (
                <li key={name} className={`sp-step-${s}`}>
                  <span className="sp-step-mark" aria-hidden="true">
                    {s === "current" ? <span className="spinner" /> : MARK[s]}
                  </span>
                  <span>
                    {text}
                    {name === "restoring" && s === "current" && progress.total ? (
                      <span className="muted">
                        {" "}
                        ({formatCount(progress.done ?? 0)} of {formatCount(progress.total)})
                      </span>
                    ) : null}
                    <span className="sr-only"> — {STATE_TEXT[s]}</span>
                  </span>
                  {ms !== null ? <span className="sp-step-time">{formatLatency(ms)}</span> : null}
                </li>
              );
            })}
          </ol>
        </>
      ) : null}
      {state === "failed" ? (
        <ErrorAlert
          error={new Error(`${job.data?.failedReason ?? "unknown error"}. ${app} may still be paused: check its page before resuming it.`)}
          prefix="Rollback failed"
        />
      ) : null}
      {report ? (
        <div className="alert alert-success" role="status">
          {app} is back at {savepointName(sp)}, in {formatDuration(report.ms)}: {formatCount(report.restored)} addresses
          restored, {formatCount(report.removed)} emptied, {formatCount(report.unchanged)} already equal;{" "}
          {formatCount(report.timersRestored)} delayed messages restored, {formatCount(report.timersRemoved)} removed. The
          state before it is kept as <Link href={savepointHref(ids.preRollbackId)}>the automatic savepoint</Link>.
        </div>
      ) : null}
      <div className="form-actions">
        {report ? <UndoRollback app={app} preRollbackId={ids.preRollbackId} /> : null}
        {isJobDone(job.data) || job.isError ? (
          <button type="button" className="btn" onClick={() => q.set({ rollback: null })}>
            Done
          </button>
        ) : null}
      </div>
    </>
  );
}

/**
 * Admin only: roll the application back onto this savepoint. The running rollback's job is in the query string
 * (`?rollback=<jobId>`), so a reload or a shared link keeps following it.
 */
export function RollbackPanel({ sp }: { sp: Savepoint }) {
  const id = useId();
  const q = useQueryParams();
  const app = sp.application;
  const rollback = useRollback(app);
  const param = q.get("rollback");
  const jobId = param && parseRollbackJob(param)?.targetId === sp.id ? param : null;

  return (
    <section className="card danger" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{jobId ? `Rollback of ${app}` : "Roll back to this savepoint"}</h2>
      {jobId ? (
        <RollbackProgress key={jobId} jobId={jobId} sp={sp} app={app} />
      ) : sp.status !== "complete" ? (
        <p className="muted">A savepoint can be rolled back onto once it is complete.</p>
      ) : (
        <TypedConfirm
          expected={app}
          action={`Roll back ${app}`}
          pendingText="Starting…"
          pending={rollback.isPending}
          error={rollback.error}
          errorPrefix="Could not roll back"
          onConfirm={() => rollback.mutate(sp.id, { onSuccess: (r) => q.set({ rollback: r.jobId }) })}
        >
          <p>What will happen:</p>
          <RollbackImpact sp={sp} app={app} />
          <p className="small muted">Compare this savepoint with the live state above to see which addresses will change.</p>
        </TypedConfirm>
      )}
    </section>
  );
}
