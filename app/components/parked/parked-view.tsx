"use client";

import Link from "next/link";
import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import "../../styles/filter-form.css";
import "../../styles/parked.css";
import { useFunctionTypes } from "../../lib/hooks/use-functions";
import { useParkedPage, type ParkedFilter } from "../../lib/hooks/use-parked";
import { useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import { plural } from "../../lib/format";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonTable } from "../skeleton";
import { useQueryParams } from "../savepoints/use-query-params";
import { ParkedRow } from "./parked-row";
import { ResumeAll, describeFilter } from "./resume-all";

function FilterForm({ filter, onApply }: { filter: ParkedFilter; onApply: (f: ParkedFilter) => void }) {
  const types = useFunctionTypes();
  // Suggestions: the types with parked addresses right now.
  const parkedTypes = useMemo(() => (types.data ?? []).filter((t) => t.parked > 0).sort((a, b) => a.functionType.localeCompare(b.functionType)), [types.data]);
  const listId = useId();
  const [functionType, setFunctionType] = useState(filter.functionType ?? "");
  const [error, setError] = useState(filter.error ?? "");
  // A link or Back changes the URL: the inputs follow it.
  useEffect(() => {
    setFunctionType(filter.functionType ?? "");
    setError(filter.error ?? "");
  }, [filter.functionType, filter.error]);

  function submit(e: FormEvent) {
    e.preventDefault();
    onApply({ functionType: functionType.trim() || null, error: error.trim() || null });
  }

  return (
    <form role="search" aria-label="Filter parked addresses" className="card filter-form" onSubmit={submit}>
      <div className="field">
        <label htmlFor={`${listId}-type`}>Function type</label>
        <input
          id={`${listId}-type`}
          list={listId}
          value={functionType}
          placeholder="namespace/type"
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setFunctionType(e.target.value)}
        />
        <datalist id={listId}>
          {parkedTypes.map((t) => (
            <option key={t.functionType} value={t.functionType}>
              {plural(t.parked, "parked address", "parked addresses")}
            </option>
          ))}
        </datalist>
      </div>
      <div className="field">
        <label htmlFor={`${listId}-error`}>Error contains</label>
        <input id={`${listId}-error`} value={error} placeholder="e.g. HTTP 500" autoComplete="off" onChange={(e) => setError(e.target.value)} />
      </div>
      <div className="filter-form-actions">
        <button type="submit" className="btn btn-primary">
          Filter
        </button>
        {filter.functionType || filter.error ? (
          <button type="button" className="btn" onClick={() => onApply({ functionType: null, error: null })}>
            Clear filter
          </button>
        ) : null}
      </div>
    </form>
  );
}

export function ParkedView() {
  const q = useQueryParams();
  const role = useSession().data?.user.role;
  const canAct = hasRole(role, "operator");
  const functionType = q.get("type");
  const errorText = q.get("error");
  const filter = useMemo(() => ({ functionType, error: errorText }), [functionType, errorText]);
  const cursor = q.get("cursor");
  // Cursors of the pages before this one, for Previous (a shared link starts a fresh trail).
  const [trail, setTrail] = useState<string[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const page = useParkedPage(filter, cursor);
  const rows = page.data?.parked ?? [];

  function applyFilter(f: ParkedFilter) {
    setTrail([]);
    q.set({ type: f.functionType, error: f.error, cursor: null });
  }
  function goNext() {
    if (!page.data?.next) return;
    setTrail((t) => [...t, cursor ?? ""]);
    q.set({ cursor: page.data.next }, { push: true });
  }
  function goPrevious() {
    const prev = trail[trail.length - 1];
    setTrail((t) => t.slice(0, -1));
    q.set({ cursor: prev || null }, { push: true });
  }

  const filtered = Boolean(functionType || errorText);
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Parked addresses</h1>
          <p className="subtitle">
            An address parks when its function keeps failing past the call budget. Its messages wait until it is resumed (the
            head message is retried) or its head message is skipped.
          </p>
        </div>
      </div>

      {!canAct && role ? (
        <p className="alert alert-info">You are signed in as a {role}: you can look, but resuming and skipping need the operator role.</p>
      ) : null}

      <FilterForm filter={filter} onApply={applyFilter} />

      {canAct ? <ResumeAll key={`${functionType}\u0000${errorText}`} filter={filter} /> : null}

      <section className="card" aria-labelledby="parked-heading">
        <div className="card-header">
          <h2 id="parked-heading">{filtered ? `Parked ${describeFilter(filter)}` : "All parked addresses"}</h2>
          <span className="small muted">
            By partition, oldest first · refreshed every 5 s{page.isFetching && page.data ? " · refreshing" : ""}
          </span>
        </div>
        {notice ? (
          <div className="alert alert-success parked-notice" role="status">
            <span>{notice}</span>
            <button type="button" className="btn-link" onClick={() => setNotice(null)}>
              Dismiss
            </button>
          </div>
        ) : null}
        <ErrorAlert error={page.error} prefix="Could not load the parked addresses" />
        {page.isPending ? (
          <Skeleton label="parked addresses">
            <SkeletonTable rows={4} columns={6} />
          </Skeleton>
        ) : rows.length === 0 ? (
          <p className="empty">
            {page.data?.next
              ? "No match among the parked addresses examined for this page; the next page goes on from there."
              : filtered
                ? `No parked address ${describeFilter(filter)}${cursor ? " on this page" : ""}.`
                : cursor
                  ? "No more parked addresses."
                  : "No parked addresses: every function is answering."}
          </p>
        ) : (
          <div className="table-wrap">
            <table className="data parked-table">
              <caption className="sr-only">Parked addresses {describeFilter(filter)}</caption>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Function type</th>
                  <th scope="col">Error</th>
                  <th scope="col">Parked since</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col" className="num">
                    Mailbox
                  </th>
                  {canAct ? (
                    <th scope="col" className="actions">
                      Actions
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <ParkedRow key={r.address} row={r} canAct={canAct} onDone={setNotice} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <div className="pager">
          <span className="muted" aria-live="polite">
            {page.data ? `${plural(rows.length, "address", "addresses")} on this page · ${plural(page.data.scanned, "parked entry", "parked entries")} examined` : ""}
          </span>
          <div className="row">
            {trail.length ? (
              <button type="button" className="btn btn-small" onClick={goPrevious}>
                Previous page
              </button>
            ) : cursor ? (
              <Link className="btn btn-small" href={`/parked${filterQuery(filter)}`} onClick={() => setTrail([])}>
                First page
              </Link>
            ) : null}
            {page.data?.next ? (
              <button type="button" className="btn btn-small" onClick={goNext}>
                Next page
              </button>
            ) : null}
          </div>
        </div>
      </section>
    </>
  );
}

function filterQuery(f: ParkedFilter): string {
  const p = new URLSearchParams();
  if (f.functionType) p.set("type", f.functionType);
  if (f.error) p.set("error", f.error);
  const s = p.toString();
  return s ? `?${s}` : "";
}
