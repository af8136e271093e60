"use client";

import Link from "next/link";
import { ApiError } from "../../lib/api";
import { formatDate } from "../../lib/format";
import { useApplication } from "../../lib/hooks/use-application";
import { useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import { PauseToggle } from "../applications/pause-toggle";
import { ErrorAlert } from "../error-alert";
import { StatusBadge } from "../status-badge";
import { DeleteApplication } from "./delete-application";
import { EndpointsTable } from "./endpoints-table";
import { ModuleEditor } from "./module-editor";
import { RegisterEndpointForm } from "./register-endpoint-form";

export function ApplicationView({ app }: { app: string }) {
  const role = useSession().data?.user.role ?? "viewer";
  const query = useApplication(app);
  const isAdmin = hasRole(role, "admin");

  const breadcrumb = (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link href="/applications">Applications</Link> / <span aria-current="page">{app}</span>
    </nav>
  );

  if (query.isPending)
    return (
      <>
        {breadcrumb}
        <p className="muted">Loading {app}…</p>
      </>
    );
  if (query.isError) {
    const notFound = query.error instanceof ApiError && query.error.status === 404;
    return (
      <>
        {breadcrumb}
        <h1>{app}</h1>
        <ErrorAlert error={query.error} prefix={notFound ? "Not found" : "Could not load the application"} />
        <Link href="/applications">Back to applications</Link>
      </>
    );
  }

  const a = query.data;
  return (
    <>
      {breadcrumb}
      <div className="page-header">
        <div>
          <div className="row">
            <h1 style={{ margin: 0 }}>{a.name}</h1>
            <StatusBadge paused={a.paused} />
          </div>
          <p className="subtitle">{a.description || "No description."}</p>
        </div>
        <div className="row">
          <Link className="btn" href={`/applications/${encodeURIComponent(a.name)}/savepoints`}>
            Savepoints
          </Link>
          {hasRole(role, "operator") ? <PauseToggle app={a.name} paused={a.paused} /> : null}
        </div>
      </div>

      <section className="card" aria-label="Overview">
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>
              {a.paused ? "Paused" : "Running"}
              {a.paused && a.pausedAt ? (
                <span className="muted small">
                  {" "}
                  since <time dateTime={a.pausedAt}>{formatDate(a.pausedAt)}</time>
                </span>
              ) : null}
            </dd>
          </div>
          <div>
            <dt>Endpoints</dt>
            <dd>{a.endpoints.length}</dd>
          </div>
          <div>
            <dt>Ingresses</dt>
            <dd>{a.ingresses.length}</dd>
          </div>
          <div>
            <dt>Egresses</dt>
            <dd>{a.egresses.length}</dd>
          </div>
          <div>
            <dt>Created</dt>
            <dd>
              <time dateTime={a.createdAt}>{formatDate(a.createdAt)}</time>
            </dd>
          </div>
          <div>
            <dt>Updated</dt>
            <dd>
              <time dateTime={a.updatedAt}>{formatDate(a.updatedAt)}</time>
            </dd>
          </div>
        </dl>
      </section>

      <EndpointsTable app={a.name} endpoints={a.endpoints} canEdit={isAdmin} canProbe={hasRole(role, "operator")} />
      {isAdmin ? <RegisterEndpointForm app={a.name} /> : null}
      <ModuleEditor app={a.name} canEdit={isAdmin} />
      {isAdmin ? <DeleteApplication app={a.name} /> : null}
    </>
  );
}
