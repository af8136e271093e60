"use client";

import Link from "next/link";
import "../../styles/savepoints.css";
import { ApiError } from "../../lib/api";
import { useSavepoints } from "../../lib/hooks/use-savepoints";
import { useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonTable } from "../skeleton";
import { ImportSavepointForm } from "./import-savepoint-form";
import { SavepointsTable } from "./savepoints-table";
import { TakeSavepointForm } from "./take-savepoint-form";

export function SavepointsView({ app }: { app: string }) {
  const role = useSession().data?.user.role;
  const list = useSavepoints(app);
  const canTake = hasRole(role, "operator");
  const appHref = `/applications/${encodeURIComponent(app)}`;
  const notFound = list.error instanceof ApiError && list.error.status === 404;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/applications">Applications</Link> / <Link href={appHref}>{app}</Link> /{" "}
        <span aria-current="page">Savepoints</span>
      </nav>
      <div className="page-header">
        <div>
          <h1>Savepoints</h1>
          <p className="subtitle">
            Consistent cuts of <Link href={appHref}>{app}</Link>: state, in-flight messages and delayed messages. Open one to
            compare it, download it{hasRole(role, "admin") ? " or roll back onto it" : ""}.
          </p>
        </div>
      </div>

      {canTake && !notFound ? (
        <div className="sp-actions-grid">
          <TakeSavepointForm app={app} />
          <ImportSavepointForm app={app} />
        </div>
      ) : null}

      <section className="card" aria-labelledby="history-heading">
        <div className="card-header">
          <h2 id="history-heading">History</h2>
          <span className="small muted">
            {list.data ? `${list.data.length} kept, newest first` : ""}
            {list.isFetching && list.data ? " · refreshing" : ""}
          </span>
        </div>
        <ErrorAlert error={list.error} prefix={notFound ? "Not found" : "Could not load the savepoints"} />
        {list.isPending ? (
          <Skeleton label="savepoints">
            <SkeletonTable rows={4} columns={6} />
          </Skeleton>
        ) : !list.data ? null : list.data.length === 0 ? (
          <p className="empty">No savepoints of {app} yet.{canTake ? " Take one above." : ""}</p>
        ) : (
          <SavepointsTable app={app} savepoints={list.data} />
        )}
      </section>
    </>
  );
}
