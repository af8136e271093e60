"use client";

import { useId, useState } from "react";
import { formatBytes, formatDate, formatDuration, formatRelative } from "../../lib/format";
import type { AddressRef, AddressState, StateValue } from "../../lib/hooks/use-address";
import { KindBadge, ValueBody } from "./value-display";
import { ValueChange } from "./value-change";

type Open = { name: string; op: "set" | "delete"; base: StateValue; baseVersion: number };

/** Every state value of the address, typed, with edit and delete for an operator. */
export function StateValues({ address, state, canEdit }: { address: AddressRef; state: AddressState; canEdit: boolean }) {
  const uid = useId();
  const [open, setOpen] = useState<Open | null>(null);
  const [done, setDone] = useState<string | null>(null);

  return (
    <section className="card" aria-labelledby="state-heading">
      <div className="card-header">
        <h2 id="state-heading">State</h2>
        <span className="muted small">
          {state.values.length} {state.values.length === 1 ? "value" : "values"} at version {state.version}
        </span>
      </div>
      <p role="status" className={done ? "alert alert-success" : "sr-only"}>
        {done ?? ""}
      </p>
      {state.values.length === 0 ? (
        <p className="empty">No state registered for {state.namespace}/{state.type}: the function declares none, or has not been called yet.</p>
      ) : (
        <ul className="value-list">
          {state.values.map((v, i) => {
            const editing = open?.name === v.name ? open : null;
            return (
              <li key={v.name} className="value-item">
                <div className="value-head">
                  <h3 id={`${uid}-${i}`} className="value-name mono">
                    {v.name}
                  </h3>
                  <KindBadge v={v} />
                  {!v.registered ? <span className="badge badge-paused">not declared</span> : null}
                  {canEdit && !editing ? (
                    <span className="value-actions">
                      <button
                        type="button"
                        className="btn btn-small"
                        aria-label={`Edit ${v.name}`}
                        disabled={!v.registered}
                        onClick={() => {
                          setDone(null);
                          setOpen({ name: v.name, op: "set", base: v, baseVersion: state.version });
                        }}
                      >
                        {v.present ? "Edit" : "Set"}
                      </button>
                      {v.present ? (
                        <button
                          type="button"
                          className="btn btn-small"
                          aria-label={`Delete ${v.name}`}
                          disabled={!v.registered}
                          onClick={() => {
                            setDone(null);
                            setOpen({ name: v.name, op: "delete", base: v, baseVersion: state.version });
                          }}
                        >
                          Delete
                        </button>
                      ) : null}
                    </span>
                  ) : null}
                </div>
                <ValueFacts v={v} readAt={state.readAt} />
                {v.present ? <ValueBody v={v} /> : <p className="muted small">{absentText(v)}</p>}
                {editing ? (
                  <ValueChange
                    key={`${editing.op}-${editing.baseVersion}`}
                    address={address}
                    base={editing.base}
                    baseVersion={editing.baseVersion}
                    op={editing.op}
                    live={state}
                    onDone={(message) => {
                      setOpen(null);
                      setDone(message);
                    }}
                  />
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function absentText(v: StateValue): string {
  if (v.expired && v.expiresAt) return `Expired ${formatRelative(v.expiresAt)}: the function sees it unset.`;
  return "No value: never written, or deleted.";
}

function ValueFacts({ v, readAt }: { v: StateValue; readAt: string }) {
  const now = Date.parse(readAt);
  return (
    <dl className="value-facts">
      <div>
        <dt>Type</dt>
        <dd>
          <code>{v.typename || "(unknown)"}</code>
        </dd>
      </div>
      {v.present ? (
        <div>
          <dt>Size</dt>
          <dd>{formatBytes(v.sizeBytes ?? 0)}</dd>
        </div>
      ) : null}
      <div>
        <dt>Expiry</dt>
        <dd>
          {v.expireMode && v.expireAfterMillis ? (
            <>
              {formatDuration(v.expireAfterMillis)} after {v.expireMode === "AFTER_WRITE" ? "write" : "last call"}
              {v.expiresAt ? (
                <>
                  {" · "}
                  {v.expired ? "expired" : "expires"}{" "}
                  <time dateTime={v.expiresAt} title={formatDate(v.expiresAt, true)}>
                    {formatRelative(v.expiresAt, now)}
                  </time>
                </>
              ) : null}
            </>
          ) : (
            "never"
          )}
        </dd>
      </div>
      {v.writtenAt ? (
        <div>
          <dt>Written</dt>
          <dd>
            <time dateTime={v.writtenAt} title={formatDate(v.writtenAt, true)}>
              {formatRelative(v.writtenAt, now)}
            </time>
          </dd>
        </div>
      ) : null}
    </dl>
  );
}
