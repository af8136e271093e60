"use client";

import Link from "next/link";
import { formatBytes, formatCount, formatDate, formatDuration, formatRelative } from "../../lib/format";
import type { Savepoint } from "../../lib/types";
import { ORIGIN, SavepointKind, SavepointProgress, SavepointStatusBadge, savepointHref, savepointName } from "./savepoint-bits";

/** The application's savepoints, newest first (the server keeps a bounded history: see SAVEPOINT_RETAIN). */
export function SavepointsTable({ app, savepoints }: { app: string; savepoints: Savepoint[] }) {
  const names = new Map(savepoints.map((s) => [s.id, savepointName(s)]));
  const count = (sp: Savepoint, n: number) => (sp.status === "complete" ? formatCount(n) : <span className="muted">—</span>);
  return (
    <div className="table-wrap">
      <table className="data sp-history">
        <caption className="sr-only">Savepoints of {app}, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Status</th>
            <th scope="col">Taken</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col" className="num">
              Addresses
            </th>
            <th scope="col" className="num">
              Values
            </th>
            <th scope="col" className="num">
              Size
            </th>
            <th scope="col" className="num">
              Messages
            </th>
            <th scope="col" className="num">
              Timers
            </th>
            <th scope="col">Kind</th>
          </tr>
        </thead>
        <tbody>
          {savepoints.map((sp) => (
            <tr key={sp.id}>
              <th scope="row">
                <Link href={savepointHref(sp.id)}>{savepointName(sp)}</Link>
                <div className="small muted sp-sub">
                  {ORIGIN[sp.origin]} · {sp.createdBy}
                </div>
              </th>
              <td className="sp-status">
                <SavepointStatusBadge status={sp.status} />
                {sp.restoredAt ? (
                  <div className="small muted">
                    Rolled back onto <time dateTime={sp.restoredAt}>{formatRelative(sp.restoredAt)}</time>
                  </div>
                ) : null}
                {sp.status === "failed" && sp.error ? <div className="small">{sp.error}</div> : null}
                <SavepointProgress sp={sp} />
              </td>
              <td className="sp-taken">
                <time dateTime={sp.createdAt} title={formatDate(sp.createdAt, true)}>
                  {formatRelative(sp.createdAt)}
                </time>
                <div className="small muted">
                  {formatDate(sp.createdAt, true)}
                </div>
              </td>
              <td className="num">{formatDuration(sp.durationMs)}</td>
              <td className="num">{count(sp, sp.addresses)}</td>
              <td className="num">{count(sp, sp.values)}</td>
              <td className="num" style={{ whiteSpace: "nowrap" }}>
                {sp.status === "complete" ? formatBytes(sp.bytes) : <span className="muted">—</span>}
              </td>
              <td className="num">{count(sp, sp.messages)}</td>
              <td className="num">{count(sp, sp.timers)}</td>
              <td className="sp-kind">
                <SavepointKind sp={sp} baseName={sp.base ? names.get(sp.base.id) : undefined} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
