"use client";

import Link from "next/link";
import { useState } from "react";
import { formatDate, plural } from "../../lib/format";
import { useApplicationPage } from "../../lib/hooks/use-applications";
import { hasRole } from "../../lib/roles";
import type { Role } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { StatusBadge } from "../status-badge";
import { PauseToggle } from "./pause-toggle";

const PAGE_SIZE = 20;

/** Server-side cursor pagination: a stack of the cursors that led here makes "Previous" possible. */
export function ApplicationsTable({ role }: { role: Role }) {
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const cursor = cursors[cursors.length - 1];
  const page = useApplicationPage(cursor, PAGE_SIZE);
  const canPause = hasRole(role, "operator");
  const pageNumber = cursors.length;
  const apps = page.data?.applications ?? [];

  return (
    <section className="card" aria-labelledby="apps-heading">
      <div className="card-header">
        <h2 id="apps-heading">Applications</h2>
        {page.isFetching ? <span className="small muted">Refreshing…</span> : null}
      </div>
      <ErrorAlert error={page.error} prefix="Could not load applications" />
      {page.isPending ? (
        <p className="muted">Loading applications…</p>
      ) : apps.length === 0 && pageNumber === 1 ? (
        <p className="empty">No applications yet. Create one above to register function endpoints.</p>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">Applications, page {pageNumber}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Description</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Endpoints
                </th>
                <th scope="col">Created</th>
                {canPause ? (
                  <th scope="col" className="actions">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {apps.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Link href={`/applications/${encodeURIComponent(a.name)}`}>{a.name}</Link>
                  </th>
                  <td>{a.description || <span className="muted">—</span>}</td>
                  <td>
                    <StatusBadge paused={a.paused} />
                  </td>
                  <td className="num">{a.endpointCount}</td>
                  <td>
                    <time dateTime={a.createdAt}>{formatDate(a.createdAt)}</time>
                  </td>
                  {canPause ? (
                    <td className="actions">
                      <PauseToggle app={a.name} paused={a.paused} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Applications pages">
        <span className="muted">
          Page {pageNumber}
          {apps.length ? ` · ${plural(apps.length, "application")}` : ""}
        </span>
        <div className="row">
          <button
            type="button"
            className="btn btn-small"
            disabled={pageNumber === 1}
            onClick={() => setCursors((c) => c.slice(0, -1))}
          >
            Previous page
          </button>
          <button
            type="button"
            className="btn btn-small"
            disabled={!page.data?.next || page.isPlaceholderData}
            onClick={() => {
              const next = page.data?.next;
              if (next) setCursors((c) => [...c, next]);
            }}
          >
            Next page
          </button>
        </div>
      </nav>
    </section>
  );
}
