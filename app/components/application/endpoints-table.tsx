"use client";

import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { formatDate, formatDuration } from "../../lib/format";
import { useDeleteEndpoint } from "../../lib/hooks/use-endpoints";
import type { DeclaredState, Endpoint } from "../../lib/types";
import { ErrorAlert } from "../error-alert";
import { DeclaredStateTable } from "./declared-state-table";
import { EditEndpointForm } from "./edit-endpoint-form";
import { ReprobeEndpoint } from "./reprobe-endpoint";
import { UrlTemplate } from "./url-template";
import "../../styles/registry.css";

type Mode = "edit" | "probe" | "remove";
const TITLES: Record<Mode, string> = { edit: "Edit endpoint", probe: "Probe endpoint", remove: "Remove endpoint" };

/**
 * Every type the endpoint is known to serve, with its state: what the function registered in the data plane
 * (seen) wins over what a probe reported, which is all a type never invoked has.
 */
function typesOf(e: Endpoint): Array<{ functionType: string; state: DeclaredState[]; note: string }> {
  const seen = new Map(e.seenTypes.map((t) => [t.functionType, t.declaredState]));
  const all = [...new Set([...Object.keys(e.declaredState), ...seen.keys()])].sort();
  return all.map((functionType) => {
    const probed = e.declaredState[functionType];
    const registered = seen.get(functionType);
    const state = registered && (registered.length > 0 || !probed) ? registered : (probed ?? []);
    const note = probed && registered ? "probed, seen" : registered ? "seen in the data plane" : "probed";
    return { functionType, state, note };
  });
}

function DeclaredStateCell({ endpoint }: { endpoint: Endpoint }) {
  const types = typesOf(endpoint);
  if (types.length === 0)
    return <span className="muted small">{endpoint.probedAt ? "No state declared" : "Not probed, no type seen yet"}</span>;
  return (
    <div>
      {types.map((t) => (
        <DeclaredStateTable key={t.functionType} functionType={t.functionType} state={t.state} note={t.note} />
      ))}
      {endpoint.probedAt ? (
        <div className="small muted">
          Probed <time dateTime={endpoint.probedAt}>{formatDate(endpoint.probedAt)}</time>
        </div>
      ) : null}
    </div>
  );
}

/** Destructive: confirmed by typing the pattern. */
function RemoveEndpoint({ app, endpoint, onDone }: { app: string; endpoint: Endpoint; onDone: (removed: boolean) => void }) {
  const id = useId();
  const remove = useDeleteEndpoint(app);
  const [typed, setTyped] = useState("");
  const matches = typed === endpoint.functions;
  function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (matches) remove.mutate(endpoint.id, { onSuccess: () => onDone(true) });
  }
  return (
    <form onSubmit={onSubmit} noValidate>
      <p className="panel-lede">
        Messages to <span className="mono">{endpoint.functions}</span> are no longer dispatched through this application once it is removed; they
        wait in their mailboxes until an endpoint binds them again.
      </p>
      <div className="field" style={{ maxWidth: 360 }}>
        <label htmlFor={id}>
          Type <strong className="mono">{endpoint.functions}</strong> to confirm
        </label>
        <input id={id} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" spellCheck={false} />
      </div>
      <ErrorAlert error={remove.error} prefix="Could not remove the endpoint" />
      <div className="form-actions">
        <button type="submit" className="btn btn-danger" disabled={!matches || remove.isPending}>
          {remove.isPending ? "Removing…" : "Remove endpoint"}
        </button>
        <button type="button" className="btn" onClick={() => onDone(false)} disabled={remove.isPending}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function EndpointsTable({ app, endpoints, canEdit, canProbe = canEdit }: { app: string; endpoints: Endpoint[]; canEdit: boolean; canProbe?: boolean }) {
  const panelId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [active, setActive] = useState<{ id: string; mode: Mode } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const selected = active ? endpoints.find((e) => e.id === active.id) : undefined;
  const hasActions = canEdit || canProbe;

  // The panel opens below the table: move the focus there, so the keyboard follows the click.
  useEffect(() => {
    if (active) heading.current?.focus();
  }, [active]);

  const toggle = (id: string, mode: Mode) => {
    setNotice(null);
    setActive((a) => (a?.id === id && a.mode === mode ? null : { id, mode }));
  };
  const close = (message: string | null) => {
    setActive(null);
    setNotice(message);
  };
  const actionButton = (e: Endpoint, mode: Mode, label: string) => (
    <button
      type="button"
      className={mode === "remove" ? "btn btn-small btn-danger-outline" : "btn btn-small"}
      aria-label={`${label} ${e.functions}`}
      aria-expanded={active?.id === e.id && active.mode === mode}
      aria-controls={panelId}
      onClick={() => toggle(e.id, mode)}
    >
      {label}
    </button>
  );

  return (
    <section className="card" aria-labelledby="endpoints-heading">
      <div className="card-header">
        <h2 id="endpoints-heading">Function endpoints</h2>
        <span className="small muted">io.statefun.endpoints.v2/http</span>
      </div>
      {endpoints.length === 0 ? (
        <p className="empty">No endpoints yet. Register one below, or apply a module YAML.</p>
      ) : (
        <div className="table-wrap">
          <table className="data endpoints">
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
                {hasActions ? (
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
                  <td>
                    <UrlTemplate url={e.urlPathTemplate} />
                  </td>
                  <td className="num">{formatDuration(e.timeoutsMillis.call)}</td>
                  <td className="num">{formatDuration(e.timeoutsMillis.connect)}</td>
                  <td className="num">{e.maxNumBatchRequests.toLocaleString()}</td>
                  <td>
                    <DeclaredStateCell endpoint={e} />
                  </td>
                  {hasActions ? (
                    <td className="actions">
                      <span className="endpoint-actions">
                        {canEdit ? actionButton(e, "edit", "Edit") : null}
                        {canProbe ? actionButton(e, "probe", "Re-probe") : null}
                        {canEdit ? actionButton(e, "remove", "Remove") : null}
                      </span>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div id={panelId}>
        {selected && active ? (
          <div className="endpoint-panel" role="region" aria-labelledby={`${panelId}-title`}>
            <h3 id={`${panelId}-title`} ref={heading} tabIndex={-1}>
              {TITLES[active.mode]} <span className="mono">{selected.functions}</span>
            </h3>
            {active.mode === "edit" ? (
              <EditEndpointForm key={selected.id} app={app} endpoint={selected} onDone={(saved) => close(saved ? `Saved ${saved}.` : null)} />
            ) : active.mode === "probe" ? (
              <ReprobeEndpoint key={selected.id} app={app} endpoint={selected} />
            ) : (
              <RemoveEndpoint key={selected.id} app={app} endpoint={selected} onDone={(removed) => close(removed ? `Removed ${selected.functions}.` : null)} />
            )}
          </div>
        ) : null}
      </div>
      <p aria-live="polite" className="small">
        {notice ? (
          <span className="alert alert-success" style={{ display: "inline-block" }}>
            {notice}
          </span>
        ) : null}
      </p>
    </section>
  );
}
