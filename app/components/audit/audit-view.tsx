"use client";

import Link from "next/link";
import { Fragment, useEffect, useId, useMemo, useState, type FormEvent } from "react";
import "../../styles/audit.css";
import "../../styles/filter-form.css";
import { addressStringHref } from "../../lib/address-href";
import { formatDate } from "../../lib/format";
import { useAudit, type AuditFilter } from "../../lib/hooks/use-audit";
import type { AuditEvent } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonTable } from "../skeleton";
import { Timestamp } from "../timestamp";
import { useQueryParams } from "../savepoints/use-query-params";

const json = (v: unknown) => (v === null || v === undefined ? "—" : JSON.stringify(v, null, 2));
const enc = encodeURIComponent;

/** The kinds of target the server records (server/**: recordAudit calls). */
const TARGET_TYPES = ["application", "endpoint", "address", "savepoint", "user", "token", "client"] as const;

/** The console page of an event's target, when it has one. */
export function targetHref(e: Pick<AuditEvent, "targetType" | "target">): string | null {
  switch (e.targetType) {
    case "application":
      return `/applications/${enc(e.target)}`;
    case "endpoint": // `<application>/<functions pattern>`
      return `/applications/${enc(e.target.split("/")[0])}`;
    case "address":
      return addressStringHref(e.target);
    case "savepoint":
      return `/savepoints/${enc(e.target)}`;
    case "user":
      return `/admin/users?user=${enc(e.target)}`;
    case "token":
      return `/admin/tokens?token=${enc(e.target)}`;
    default:
      return null;
  }
}

const auditHref = (f: Partial<AuditFilter>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  return `/audit?${p.toString()}`;
};

function EventRow({ event }: { event: AuditEvent }) {
  const [open, setOpen] = useState(false);
  const detailId = `audit-${event.id}`;
  const hasDetail = event.before != null || event.after != null;
  const href = targetHref(event);
  return (
    <Fragment>
      <tr>
        <td>
          <Timestamp at={event.at} />
          <div className="small muted">{formatDate(event.at, true)}</div>
        </td>
        <td>
          <Link href={auditHref({ actor: event.actor })} title={`Only events by ${event.actor}`} className="audit-actor">
            {event.actor}
          </Link>
          <div className="small muted">{event.actorKind}</div>
        </td>
        <th scope="row" className="mono">
          {event.action}
        </th>
        <td className="audit-target">
          <span className="muted small">{event.targetType}</span>{" "}
          {href ? (
            <Link href={href} className="mono">
              {event.target}
            </Link>
          ) : (
            <span className="mono">{event.target}</span>
          )}
          <div className="small">
            <Link href={auditHref({ targetType: event.targetType, target: event.target })} className="muted">
              Its events<span className="sr-only"> ({event.targetType} {event.target})</span>
            </Link>
          </div>
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

function AuditFilterForm({ filter, onApply }: { filter: AuditFilter; onApply: (f: AuditFilter) => void }) {
  const id = useId();
  const [draft, setDraft] = useState(filter);
  useEffect(() => setDraft(filter), [filter]);
  const set = (k: keyof AuditFilter) => (e: { target: { value: string } }) => setDraft((d) => ({ ...d, [k]: e.target.value }));
  const clean = (v: string | null) => (v && v.trim() ? v.trim() : null);

  function submit(e: FormEvent) {
    e.preventDefault();
    onApply({ targetType: clean(draft.targetType), target: clean(draft.target), actor: clean(draft.actor) });
  }
  const any = filter.targetType || filter.target || filter.actor;
  return (
    <form role="search" aria-label="Filter audit events" className="card filter-form" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${id}-type`}>Target type</label>
        <select id={`${id}-type`} value={draft.targetType ?? ""} onChange={set("targetType")}>
          <option value="">Any</option>
          {TARGET_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={`${id}-target`}>Target</label>
        <input id={`${id}-target`} value={draft.target ?? ""} onChange={set("target")} placeholder="e.g. playground" autoComplete="off" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-actor`}>Actor</label>
        <input id={`${id}-actor`} value={draft.actor ?? ""} onChange={set("actor")} placeholder="e.g. user:admin" autoComplete="off" spellCheck={false} />
      </div>
      <div className="filter-form-actions">
        <button type="submit" className="btn btn-primary">
          Filter
        </button>
        {any ? (
          <button type="button" className="btn" onClick={() => onApply({ targetType: null, target: null, actor: null })}>
            Clear filter
          </button>
        ) : null}
      </div>
      <p className="small filter-form-hint">Exact matches: the target as the events show it (an address is namespace/type/id).</p>
    </form>
  );
}

export function AuditView() {
  const q = useQueryParams();
  const targetType = q.get("targetType");
  const target = q.get("target");
  const actor = q.get("actor");
  const filter = useMemo(() => ({ targetType, target, actor }), [targetType, target, actor]);
  const audit = useAudit(50, filter);
  const events = audit.data?.pages.flatMap((p) => p.events) ?? [];
  const filtered = Boolean(targetType || target || actor);
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
      <AuditFilterForm filter={filter} onApply={(f) => q.set({ ...f })} />
      <section className="card" aria-label="Audit events">
        <ErrorAlert error={audit.error} prefix="Could not load the audit log" />
        {audit.isPending ? (
          <Skeleton label="audit events">
            <SkeletonTable rows={6} columns={5} />
          </Skeleton>
        ) : events.length === 0 ? (
          <p className="empty">{filtered ? "No audit event matches this filter." : "No audit events yet."}</p>
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
