"use client";

import { BULK_MAX, useResumeAll, type ParkedFilter } from "../../lib/hooks/use-parked";
import { plural } from "../../lib/format";

export function describeFilter(f: ParkedFilter): string {
  const parts = [f.functionType ? `of ${f.functionType}` : null, f.error ? `with an error containing “${f.error}”` : null].filter(Boolean);
  return parts.length ? parts.join(" ") : "of every function type";
}

/**
 * Resume every address matching the filter: a count first (what will be resumed, shown before anything is done),
 * then exactly those addresses, with progress and a stop button.
 */
export function ResumeAll({ filter }: { filter: ParkedFilter }) {
  const bulk = useResumeAll(filter);
  const s = bulk.state;
  const what = describeFilter(filter);

  return (
    <section className="card" aria-labelledby="resume-all-heading">
      <div className="card-header">
        <h2 id="resume-all-heading">Resume all matching</h2>
        <span className="small muted">Up to {BULK_MAX.toLocaleString()} addresses per run</span>
      </div>
      <div>
        {s.phase === "idle" ? (
          <div className="row">
            <p className="grow">
              Retry the head message of every parked address {what}. Count them first; nothing is resumed until you confirm.
            </p>
            <button type="button" className="btn" onClick={() => void bulk.count()}>
              Count matching addresses
            </button>
          </div>
        ) : s.phase === "counting" ? (
          <div className="row">
            <span className="spinner" aria-hidden="true" />
            <span className="grow" role="status">Counting… {plural(s.found, "parked address", "parked addresses")} found so far</span>
            <button type="button" className="btn btn-small" onClick={bulk.reset}>
              Cancel
            </button>
          </div>
        ) : s.phase === "error" ? (
          <div className="row">
            <div role="alert" className="alert alert-error grow">
              Could not count the parked addresses: {s.message}
            </div>
            <button type="button" className="btn btn-small" onClick={bulk.reset}>
              Close
            </button>
          </div>
        ) : s.phase === "ready" ? (
          s.targets.length === 0 ? (
            <div className="row">
              <p className="grow">No parked address {what} right now.</p>
              <button type="button" className="btn btn-small" onClick={bulk.reset}>
                Close
              </button>
            </div>
          ) : (
            <div className="stack">
              <p>
                <strong>{plural(s.targets.length, "parked address", "parked addresses")}</strong> {what}
                {s.more ? ` (the first ${BULK_MAX.toLocaleString()}; more match — run again afterwards)` : ""}. Each one’s head message is
                retried now; an address whose function still fails parks again.
              </p>
              <div className="form-actions">
                <button type="button" className="btn btn-primary" onClick={() => void bulk.run(s.targets, s.more)}>
                  Resume all {s.targets.length.toLocaleString()}
                </button>
                <button type="button" className="btn" onClick={bulk.reset}>
                  Cancel
                </button>
              </div>
            </div>
          )
        ) : (
          <div className="stack">
            <label className="parked-progress">
              <span>
                {s.phase === "running" ? "Resuming… " : s.phase === "stopped" ? "Stopped: " : "Done: "}
                {s.done.toLocaleString()} of {s.targets.length.toLocaleString()} handled
              </span>
              <progress max={s.targets.length} value={s.done} />
            </label>
            <p className="small" role="status">
              {s.resumed.toLocaleString()} resumed · {plural(s.gone, "was", "were")} no longer parked · {plural(s.failed.length, "failure")}
            </p>
            {s.failed.length ? (
              <ul className="parked-failures small">
                {s.failed.slice(0, 20).map((f) => (
                  <li key={f.address}>
                    <span className="mono">{f.address}</span>: {f.message}
                  </li>
                ))}
                {s.failed.length > 20 ? <li>… and {s.failed.length - 20} more</li> : null}
              </ul>
            ) : null}
            <div className="form-actions">
              {s.phase === "running" ? (
                <button type="button" className="btn" onClick={bulk.cancel}>
                  Stop
                </button>
              ) : (
                <button type="button" className="btn" onClick={bulk.reset}>
                  Close
                </button>
              )}
            </div>
          </div>
        )}
      </div>
    </section>
  );
}
