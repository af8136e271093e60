"use client";

import Link from "next/link";
import { useId, useState } from "react";
import { formatBytes, formatDate, formatRelative, plural } from "../../lib/format";
import { addressStringHref } from "../../lib/address-href";
import { useUnpark, type AddressRef, type AddressState } from "../../lib/hooks/use-address";
import { ErrorAlert } from "../error-alert";
import { InlineValue } from "./value-display";

export type AddressStatus = "parked" | "in-flight" | "held" | "queued" | "idle";

export function statusOf(s: AddressState): AddressStatus {
  if (s.parked) return "parked";
  if (s.leased) return "in-flight";
  if (s.held) return "held";
  return s.mailbox.length > 0 ? "queued" : "idle";
}

const STATUS: Record<AddressStatus, { label: string; badge: string; dot: string }> = {
  parked: { label: "Parked", badge: "badge-addr-parked", dot: "dot-bad" },
  "in-flight": { label: "In flight", badge: "badge-running", dot: "dot-ok" },
  held: { label: "Held", badge: "badge-paused", dot: "dot-warn" },
  queued: { label: "Queued", badge: "badge-neutral", dot: "dot-warn" },
  idle: { label: "Idle", badge: "badge-neutral", dot: "" },
};

export function StatusBadge({ status }: { status: AddressStatus }) {
  const s = STATUS[status];
  return (
    <span className={`badge ${s.badge}`} data-testid="address-status">
      {s.dot ? <span className={`dot ${s.dot}`} aria-hidden="true" /> : null}
      {s.label}
    </span>
  );
}

/** Mailbox head in dispatch order, what holds the address (lease, park, pause), and resume / skip head. */
export function MailboxCard({ address, state, app, canOperate }: { address: AddressRef; state: AddressState; app: string | null; canOperate: boolean }) {
  const head = state.mailbox.head;
  const now = Date.parse(state.readAt);
  // Here, not in the parked panel: a resumed or skipped address stops being parked (the panel goes) and may park
  // again at once (a new panel), and what was done must stay on screen through both.
  const unpark = useUnpark(address);
  return (
    <section className="card" aria-labelledby="mailbox-heading">
      <div className="card-header">
        <h2 id="mailbox-heading">Mailbox</h2>
        <span className="muted small" data-testid="mailbox-length">
          {plural(state.mailbox.length, "message")} queued
        </span>
      </div>
      {unpark.isSuccess ? (
        <p role="status" className="alert alert-success">
          {unpark.data.mode === "resume" ? "Resumed: the head message is retried." : "Skipped the head message; the rest is retried."}
        </p>
      ) : null}
      {state.parked ? (
        <ParkedPanel state={state} canOperate={canOperate} unpark={unpark} />
      ) : state.leased ? (
        <p className="alert alert-info">
          In flight: a worker is calling the function with the head of the mailbox
          {state.leaseExpiresAt ? (
            <>
              {" "}
              (lease until <time dateTime={state.leaseExpiresAt}>{formatDate(state.leaseExpiresAt, true)}</time>)
            </>
          ) : null}
          .
        </p>
      ) : state.held ? (
        <p className="alert alert-info">
          Held: {app ? <Link href={`/applications/${encodeURIComponent(app)}`}>{app}</Link> : "its application"} is paused, so nothing is dispatched to this address until it is resumed.
        </p>
      ) : null}
      {head.length === 0 ? (
        <p className="empty">The mailbox is empty.</p>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <caption className="sr-only">The first {head.length} queued messages, in dispatch order</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Type</th>
                <th scope="col">From</th>
                <th scope="col">Queued</th>
                <th scope="col" className="num">
                  Size
                </th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {head.map((m, i) => (
                <tr key={m.id || i}>
                  <td className="num">{i + 1}</td>
                  <td>
                    <code>{m.typename}</code>
                  </td>
                  <td>
                    <Caller caller={m.caller} />
                  </td>
                  <td className="nowrap">
                    <time dateTime={m.enqueuedAt} title={formatDate(m.enqueuedAt, true)}>
                      {formatRelative(m.enqueuedAt, now)}
                    </time>
                  </td>
                  <td className="num nowrap">{formatBytes(m.sizeBytes)}</td>
                  <td>
                    <InlineValue v={m} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {state.mailbox.length > head.length ? <p className="muted small">…and {plural(state.mailbox.length - head.length, "more message")} behind these.</p> : null}
    </section>
  );
}

/** An address as a link to its page; "ingress" for a message with no caller. */
export function Caller({ caller }: { caller: string | null }) {
  if (caller === null) return <span className="muted">ingress</span>;
  const href = addressStringHref(caller);
  return href ? (
    <Link href={href} className="mono address-link">
      {caller}
    </Link>
  ) : (
    <code>{caller}</code>
  );
}

function ParkedPanel({ state, canOperate, unpark }: { state: AddressState; canOperate: boolean; unpark: ReturnType<typeof useUnpark> }) {
  const uid = useId();
  const [skipping, setSkipping] = useState(false);
  const [confirm, setConfirm] = useState("");
  const p = state.parked!;
  const headMessage = state.mailbox.head[0];
  return (
    <div className="parked-panel" role="group" aria-label="Parked">
      <p className="alert alert-error">
        <strong>Parked</strong> since <time dateTime={p.since}>{formatDate(p.since, true)}</time> after {plural(p.attempts, "attempt")}:{" "}
        <span className="parked-error">{p.error}</span>
      </p>
      {canOperate ? (
        <>
          <ErrorAlert error={unpark.error} prefix="Not done" />
          {skipping ? (
            <div className="form-grid">
              <div className="field">
                <label htmlFor={`${uid}-skip`}>Type skip to drop the head message{headMessage ? ` (${headMessage.typename})` : ""}</label>
                <input id={`${uid}-skip`} type="text" value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" />
                <span className="hint">The message is gone for good (the audit log keeps a record of it).</span>
              </div>
            </div>
          ) : null}
          <div className="form-actions">
            {!skipping ? (
              <>
                <button type="button" className="btn btn-primary" disabled={unpark.isPending} onClick={() => unpark.mutate("resume")}>
                  Resume
                </button>
                <button type="button" className="btn" disabled={unpark.isPending} onClick={() => setSkipping(true)}>
                  Skip head message…
                </button>
              </>
            ) : (
              <>
                <button
                  type="button"
                  className="btn btn-danger"
                  disabled={confirm !== "skip" || unpark.isPending}
                  onClick={() => unpark.mutate("skip", { onSuccess: () => setSkipping(false) })}
                >
                  Skip head message
                </button>
                <button type="button" className="btn" onClick={() => setSkipping(false)}>
                  Cancel
                </button>
              </>
            )}
          </div>
        </>
      ) : null}
    </div>
  );
}
