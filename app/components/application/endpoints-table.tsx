"use client";

import { formatDate, formatDuration } from "../../lib/format";
import { useDeleteEndpoint } from "../../lib/hooks/use-endpoints";
import type { Endpoint } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { DeclaredStateTable } from "./declared-state-table";

function DeclaredState({ endpoint }: { endpoint: Endpoint }) {
  const entries = Object.entries(endpoint.declaredState);
  if (entries.length === 0)
    return <span className="muted small">{endpoint.probedAt ? "No state declared" : "Not probed"}</span>;
  return (
    <div>
      {entries.map(([type, state]) => (
        <DeclaredStateTable key={type} functionType={type} state={state} />
      ))}
      {endpoint.probedAt ? (
        <div className="small muted">
          Probed <time dateTime={endpoint.probedAt}>{formatDate(endpoint.probedAt)}</time>
        </div>
      ) : null}
    </div>
  );
}

export function EndpointsTable({ app, endpoints, canEdit }: { app: string; endpoints: Endpoint[]; canEdit: boolean }) {
  const remove = useDeleteEndpoint(app);
  return (
    <section className="card" aria-labelledby="endpoints-heading">
      <div className="card-header">
        <h2 id="endpoints-heading">Function endpoints</h2>
        <span className="small muted">io.statefun.endpoints.v2/http</span>
      </div>
      <ErrorAlert error={remove.error} prefix="Could not remove the endpoint" />
      {endpoints.length === 0 ? (
        <p className="empty">No endpoints yet. Register one below, or apply a module YAML.</p>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">Function endpoints of {app}</caption>
            <thead>
              <tr>
                <th scope="col">Functions</th>
                <th scope="col">URL template</th>
                <th scope="col" className="num">
                  Call timeout
                </th>
                <th scope="col" className="num">
                  Connect timeout
                </th>
                <th scope="col" className="num">
                  Max batch
                </th>
                <th scope="col">Declared state</th>
                {canEdit ? (
                  <th scope="col" className="actions">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {endpoints.map((e) => (
                <tr key={e.id}>
                  <th scope="row" className="mono">
                    {e.functions}
                  </th>
                  <td className="mono" style={{ wordBreak: "break-all" }}>
                    {e.urlPathTemplate}
                  </td>
                  <td className="num">{formatDuration(e.timeoutsMillis.call)}</td>
                  <td className="num">{formatDuration(e.timeoutsMillis.connect)}</td>
                  <td className="num">{e.maxNumBatchRequests.toLocaleString()}</td>
                  <td>
                    <DeclaredState endpoint={e} />
                  </td>
                  {canEdit ? (
                    <td className="actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Remove endpoint ${e.functions}`}
                        disabled={remove.isPending}
                        onClick={() => {
                          if (window.confirm(`Remove the endpoint for ${e.functions}? Messages to these functions will no longer be dispatched.`))
                            remove.mutate(e.id);
                        }}
                      >
                        Remove
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
