"use client";

import Link from "next/link";
import "../../styles/savepoints.css";
import { ApiError } from "../../lib/api";
import { formatBytes, formatCount, formatDate, formatDuration } from "../../lib/format";
import { exportUrl, useSavepoint, useSavepoints } from "../../lib/hooks/use-savepoints";
import { useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import type { Savepoint } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonCard } from "../skeleton";
import { ORIGIN, SavepointKind, SavepointProgress, SavepointStatusBadge, savepointName, savepointsHref } from "./savepoint-bits";
import { SavepointDiffCard } from "./savepoint-diff";
import { RollbackPanel } from "./rollback-panel";

function Facts({ sp, baseName }: { sp: Savepoint; baseName?: string }) {
  const done = sp.status === "complete";
  const n = (v: number) => (done ? formatCount(v) : "—");
  return (
    <section className="card" aria-label="Savepoint details">
      <dl className="facts">
        <div>
          <dt>Status</dt>
          <dd>
            <SavepointStatusBadge status={sp.status} />
          </dd>
        </div>
        <div>
          <dt>Taken</dt>
          <dd>
            <time dateTime={sp.createdAt}>{formatDate(sp.createdAt, true)}</time>
            <div className="small muted">
              {ORIGIN[sp.origin]}, by {sp.createdBy}
            </div>
          </dd>
        </div>
        <div>
          <dt>Duration</dt>
          <dd>{formatDuration(sp.durationMs)}</dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>
            <SavepointKind sp={sp} baseName={baseName} />
          </dd>
        </div>
        <div>
          <dt>Addresses</dt>
          <dd>{n(sp.addresses)}</dd>
        </div>
        <div>
          <dt>Values</dt>
          <dd>{n(sp.values)}</dd>
        </div>
        <div>
          <dt>Size</dt>
          <dd>{done ? formatBytes(sp.bytes) : "—"}</dd>
        </div>
        <div>
          <dt>In-flight messages</dt>
          <dd>{n(sp.messages)}</dd>
        </div>
        <div>
          <dt>Delayed messages (timers)</dt>
          <dd>{n(sp.timers)}</dd>
        </div>
        <div>
          <dt>Cut (global sequence)</dt>
          <dd className="mono">{sp.seq === null ? "—" : sp.seq}</dd>
        </div>
        <div>
          <dt>Function types</dt>
          <dd className="mono small">{sp.functionTypes.length ? sp.functionTypes.join(", ") : "—"}</dd>
        </div>
        <div>
          <dt>Last rolled back onto</dt>
          <dd>{sp.restoredAt ? <time dateTime={sp.restoredAt}>{formatDate(sp.restoredAt, true)}</time> : "never"}</dd>
        </div>
      </dl>
      <SavepointProgress sp={sp} />
      {sp.status === "failed" ? <ErrorAlert error={new Error(sp.error ?? "unknown error")} prefix="The savepoint failed" /> : null}
    </section>
  );
}

export function SavepointView({ id }: { id: string }) {
  const role = useSession().data?.user.role;
  const query = useSavepoint(id);
  const sp = query.data;
  const siblings = useSavepoints(sp?.application ?? null);
  const others = siblings.data ?? [];

  const breadcrumb = (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link href="/applications">Applications</Link> /{" "}
      {sp ? (
        <>
          <Link href={`/applications/${encodeURIComponent(sp.application)}`}>{sp.application}</Link> /{" "}
          <Link href={savepointsHref(sp.application)}>Savepoints</Link> /{" "}
        </>
      ) : null}
      <span aria-current="page">{sp ? savepointName(sp) : "Savepoint"}</span>
    </nav>
  );

  if (query.isPending)
    return (
      <>
        {breadcrumb}
        <h1>Savepoint</h1>
        <Skeleton label="the savepoint">
          <SkeletonCard height="120px" />
        </Skeleton>
      </>
    );
  if (!sp) {
    const notFound = query.error instanceof ApiError && (query.error.status === 404 || query.error.status === 400);
    return (
      <>
        {breadcrumb}
        <h1>Savepoint</h1>
        <ErrorAlert error={query.error} prefix={notFound ? "Not found" : "Could not load the savepoint"} />
        <Link href="/applications">Back to applications</Link>
      </>
    );
  }

  const baseName = sp.base ? others.find((o) => o.id === sp.base!.id) : undefined;
  return (
    <>
      {breadcrumb}
      <div className="page-header">
        <div style={{ minWidth: 0 }}>
          <h1>{savepointName(sp)}</h1>
          <p className="subtitle">
            Savepoint of <Link href={`/applications/${encodeURIComponent(sp.application)}`}>{sp.application}</Link> ·{" "}
            <span className="sp-id">{sp.id}</span>
            {hasRole(role, "admin") ? null : <span className="small"> · rolling back needs the admin role</span>}
          </p>
        </div>
        {sp.status === "complete" ? (
          <a className="btn" href={exportUrl(sp.id)} download>
            Download (NDJSON)
          </a>
        ) : null}
      </div>
      <Facts sp={sp} baseName={baseName ? savepointName(baseName) : undefined} />
      <SavepointDiffCard sp={sp} others={others} />
      {hasRole(role, "admin") ? <RollbackPanel sp={sp} /> : null}
    </>
  );
}
