"use client";

import { Fragment, useState } from "react";
import { formatDate, formatRelative } from "../../lib/format";
import { useAudit } from "../../lib/hooks/use-audit";
import type { AuditEvent } from "../../lib/types";
import { ErrorAlert } from "../error-alert";

const json = (v: unknown) => (v === null || v === undefined ? "—" : JSON.stringify(v, null, 2));

function EventRow({ event }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const detailId = `audit-${event.id}`;
  const hasDetail = event.before != null || event.after != null;
  return (
    <Fragment>
      <tr>
        <td>
          <time dateTime={event.at} title={formatDate(event.at, true)}>
            {formatRelative(event.at)}
          </time>
          <div className="small muted">{formatDate(event.at, true)}</div>
        </td>
        <td>
          {event.actor}
          <div className="small muted">{event.actorKind}</div>
        </td>
        <th scope="row" className="mono">
          {event.action}
        </th>
        <td>
          <span className="muted small">{event.targetType}</span> <span className="mono">{event.target}</span>
        </td>
        <td className="actions">
          {hasDetail ? (
            <button
              type="button"
              className="btn btn-small"
              aria-expanded={open}
              aria-controls={detailId}
              onClick={() => setOpen((o) => !o)}
            >
              {open ? "Hide changes" : "Show changes"}
              <span className="sr-only">
                {" "}
                for {event.action} on {event.target}
              </span>
            </button>
          ) : (
            <span className="muted small">—</span>
          )}
        </td>
      </tr>
      {hasDetail ? (
        <tr id={detailId} className="audit-detail" hidden={!open}>
          <td colSpan={5}>
            {open ? (
              <div className="json-pair">
                <div>
                  <div className="small muted">Before</div>
                  <pre className="json">{json(event.before)}</pre>
                </div>
                <div>
                  <div className="small muted">After</div>
                  <pre className="json">{json(event.after)}</pre>
                </div>
              </div>
            ) : null}
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}

export function AuditView() {
  const audit = useAudit(50);
  const events = audit.data?.pages.flatMap((p) => p.events) ?? [];
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Audit</h1>
          <p className="subtitle">Every change to the registry, users, tokens and state, newest first.</p>
        </div>
        <button type="button" className="btn btn-small" onClick={() => void audit.refetch()} disabled={audit.isFetching}>
          {audit.isFetching && !audit.isFetchingNextPage ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      <section className="card" aria-label="Audit events">
        <ErrorAlert error={audit.error} prefix="Could not load the audit log" />
        {audit.isPending ? (
          <p className="muted">Loading audit events…</p>
        ) : events.length === 0 ? (
          <p className="empty">No audit events yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="data">
              <caption className="sr-only">Audit events, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col" className="actions">
                    Changes
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <EventRow key={e.id} event={e} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="pager">
          <span className="muted" aria-live="polite">
            {events.length ? `Showing ${events.length} event${events.length === 1 ? "" : "s"}` : ""}
          </span>
          {audit.hasNextPage ? (
            <button
              type="button"
              className="btn btn-small"
              onClick={() => void audit.fetchNextPage()}
              disabled={audit.isFetchingNextPage}
            >
              {audit.isFetchingNextPage ? "Loading…" : "Load more"}
            </button>
          ) : events.length ? (
            <span className="small muted">End of the log</span>
          ) : null}
        </div>
      </section>
    </>
  );
}
