"use client";

import Link from "next/link";
import { useId, useState, type FormEvent, type ReactNode } from "react";
import { addressStringHref } from "../../lib/address-href";
import { formatCount, formatDate, plural } from "../../lib/format";
import { DIFF_PAGE_SIZE, useSavepointDiff } from "../../lib/hooks/use-savepoints";
import type { Savepoint, SavepointDiffEntry } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonTable } from "../skeleton";
import { DiffValue } from "./diff-value";
import { savepointHref, savepointName } from "./savepoint-bits";
import { useQueryParams } from "./use-query-params";

const CHANGE_TEXT = { added: "added", removed: "removed", changed: "changed" } as const;

function EntryRows({ entry }: { entry: SavepointDiffEntry }) {
  const href = addressStringHref(entry.address);
  const rows: Array<{ key: string; name: ReactNode; before: ReactNode; after: ReactNode }> = entry.values.map((v) => ({
    key: `v:${v.name}`,
    name: (
      <>
        <span className="mono">{v.name}</span> <span className="small muted">{CHANGE_TEXT[v.change]}</span>
      </>
    ),
    before: <DiffValue side={v.before} />,
    after: <DiffValue side={v.after} />,
  }));
  if (entry.mailbox)
    rows.push({
      key: "mailbox",
      name: <span className="muted">mailbox</span>,
      before: plural(entry.mailbox.before, "message"),
      after: plural(entry.mailbox.after, "message"),
    });
  if (rows.length === 0) rows.push({ key: "none", name: <span className="muted">no value differs</span>, before: "", after: "" });
  return (
    <tbody>
      {rows.map((r, i) => (
        <tr key={r.key}>
          {i === 0 ? (
            <th scope="rowgroup" rowSpan={rows.length}>
              {href ? (
                <Link href={href} className="sp-id">
                  {entry.address}
                </Link>
              ) : (
                <span className="sp-id">{entry.address}</span>
              )}
              <div>
                <span className={`sp-change diff-${entry.change}`}>{CHANGE_TEXT[entry.change]}</span>
              </div>
            </th>
          ) : null}
          <td>{r.name}</td>
          <td>{r.before}</td>
          <td>{r.after}</td>
        </tr>
      ))}
    </tbody>
  );
}

/**
 * This savepoint (before) against live state or another savepoint of the application (after), picked from a
 * list. The comparison, its page and the user's choice live in the query string; it runs only when asked for.
 */
export function SavepointDiffCard({ sp, others }: { sp: Savepoint; others: Savepoint[] }) {
  const id = useId();
  const q = useQueryParams();
  const against = q.get("against");
  const cursor = q.get("cursor");
  const [choice, setChoice] = useState(against ?? "live");
  // the cursors of the pages before this one, for "Previous" (a shared link starts at its own page)
  const [stack, setStack] = useState<Array<string | null>>([]);
  const complete = sp.status === "complete";
  const diff = useSavepointDiff(sp.id, complete ? against : null, cursor);
  const candidates = others.filter((o) => o.id !== sp.id && o.status === "complete");
  const other = candidates.find((o) => o.id === against);
  const afterName = against === "live" ? "live state" : other ? savepointName(other) : `savepoint ${against?.slice(0, 8)}`;

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setStack([]);
    if (choice === against && !cursor) void diff.refetch();
    else q.set({ against: choice, cursor: null });
  }

  const d = diff.data;
  const pageNumber = stack.length + 1;
  return (
    <section className="card" aria-labelledby={`${id}-heading`}>
      <div className="card-header">
        <h2 id={`${id}-heading`}>Compare</h2>
        {diff.isFetching && d ? <span className="small muted">Loading…</span> : null}
      </div>
      {!complete ? (
        <p className="muted">A savepoint can be compared once it is complete.</p>
      ) : (
        <form onSubmit={onSubmit} className="row" noValidate>
          <div className="field" style={{ flex: "1 1 260px" }}>
            <label htmlFor={id}>Compare this savepoint with</label>
            <select id={id} value={choice} onChange={(e) => setChoice(e.target.value)}>
              <option value="live">Live state (now)</option>
              {candidates.map((o) => (
                <option key={o.id} value={o.id}>
                  {savepointName(o)} — {formatDate(o.createdAt, true)}
                </option>
              ))}
              {against && against !== "live" && !other ? <option value={against}>Savepoint {against.slice(0, 8)}</option> : null}
            </select>
          </div>
          <button type="submit" className="btn btn-primary" style={{ alignSelf: "flex-end" }} disabled={diff.isFetching}>
            {against && choice === against ? "Compare again" : "Compare"}
          </button>
        </form>
      )}
      <ErrorAlert error={diff.error} prefix="Could not compare" />
      {complete && against && diff.isPending ? (
        <Skeleton label="the comparison">
          <SkeletonTable rows={3} columns={4} />
        </Skeleton>
      ) : null}
      {d ? (
        <>
          <p className="sp-direction">
            Before: this savepoint ({savepointName(sp)}). After:{" "}
            {against === "live" ? "the live state" : other ? <Link href={savepointHref(other.id)}>{afterName}</Link> : afterName}.
          </p>
          <ul className="sp-counts" aria-label="Differences">
            <li className="diff-added">
              <strong>{formatCount(d.counts.added)}</strong> added
            </li>
            <li className="diff-removed">
              <strong>{formatCount(d.counts.removed)}</strong> removed
            </li>
            <li className="diff-changed">
              <strong>{formatCount(d.counts.changed)}</strong> changed
            </li>
          </ul>
          {d.entries.length === 0 ? (
            <p className="empty">
              {d.counts.added + d.counts.removed + d.counts.changed === 0
                ? against === "live"
                  ? "No differences: the live state is exactly this savepoint."
                  : "No differences between the two savepoints."
                : "No more differences."}
            </p>
          ) : (
            <div className="table-wrap">
              <table className="data sp-diff">
                <caption className="sr-only">
                  Differing addresses, page {pageNumber}, by address
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Address</th>
                    <th scope="col">State</th>
                    <th scope="col">Before</th>
                    <th scope="col">After</th>
                  </tr>
                </thead>
                {d.entries.map((e) => (
                  <EntryRows key={e.address} entry={e} />
                ))}
              </table>
            </div>
          )}
          <nav className="pager" aria-label="Difference pages">
            <span className="muted">
              Page {pageNumber} · up to {DIFF_PAGE_SIZE} addresses a page
            </span>
            <div className="row">
              {cursor ? (
                <button
                  type="button"
                  className="btn btn-small"
                  onClick={() => {
                    setStack([]);
                    q.set({ cursor: null });
                  }}
                >
                  First page
                </button>
              ) : null}
              <button
                type="button"
                className="btn btn-small"
                disabled={stack.length === 0}
                onClick={() => {
                  const prev = stack[stack.length - 1] ?? null;
                  setStack((s) => s.slice(0, -1));
                  q.set({ cursor: prev });
                }}
              >
                Previous page
              </button>
              <button
                type="button"
                className="btn btn-small"
                disabled={!d.next || diff.isPlaceholderData}
                onClick={() => {
                  setStack((s) => [...s, cursor]);
                  q.set({ cursor: d.next });
                }}
              >
                Next page
              </button>
            </div>
          </nav>
        </>
      ) : null}
    </section>
  );
}
