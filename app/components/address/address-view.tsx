"use client";

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useId, useMemo, useState } from "react";
import "../../styles/address.css";
import { functionTypeHref } from "../../lib/address-href";
import { formatDate, plural } from "../../lib/format";
import { useAddressContext, useEgressFromAddress } from "../../lib/hooks/use-address-egress";
import { LIVE_INTERVAL_MS, useAddressHistory, useAddressState, useAddressTimers, useFollowVersion, type AddressRef } from "../../lib/hooks/use-address";
import { useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonCard, SkeletonLine } from "../skeleton";
import { EgressCard } from "./egress-card";
import { HistoryCard } from "./history-card";
import { MailboxCard, StatusBadge, statusOf } from "./mailbox-card";
import { SendMessage } from "./send-message";
import { StateValues } from "./state-values";
import { TimersCard } from "./timers-card";

/**
 * One address, live: its typed state (edit with a diff, save compare-and-set, conflict view), mailbox and what
 * holds it (parked: resume / skip head), messages to send, pending delayed messages, history, and its egress.
 */
export function AddressView({ namespace, type, id }: AddressRef) {
  const address = useMemo(() => ({ namespace, type, id }), [namespace, type, id]);
  const liveId = useId();
  const session = useSession();
  const canOperate = hasRole(session.data?.user.role, "operator");
  const [live, setLive] = useState(true);
  const state = useAddressState(address, live);
  const s = state.data ?? undefined;
  const exists = s !== undefined;
  useFollowVersion(address, state.data?.version);
  const before = useSearchParams().get("before");
  const history = useAddressHistory(address, before, exists);
  const timers = useAddressTimers(address, live, exists);
  const context = useAddressContext(address);
  const egresses = useEgressFromAddress(address, context.app, context.application?.egresses.map((e) => e.id) ?? []);

  const notFound = state.data === null;
  const fullAddress = `${namespace}/${type}/${id}`;

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/functions">Functions</Link> / <Link href={functionTypeHref(namespace, type)}>{`${namespace}/${type}`}</Link> /{" "}
        <span aria-current="page" className="address-crumb">
          {id}
        </span>
      </nav>
      <div className="page-header">
        <div className="address-title">
          <h1 className="address-id">{id}</h1>
          <p className="subtitle mono address-full">{fullAddress}</p>
        </div>
        <div className="address-live">
          <label className="live-toggle">
            <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} aria-describedby={liveId} /> Follow live
          </label>
          <span id={liveId} className="muted small">
            {live ? `every ${LIVE_INTERVAL_MS / 1000} s while this tab is visible` : "paused"}
            {state.dataUpdatedAt ? (
              <>
                {" · read "}
                <time dateTime={new Date(state.dataUpdatedAt).toISOString()}>{formatDate(new Date(state.dataUpdatedAt).toISOString(), true)}</time>
              </>
            ) : null}
          </span>
        </div>
      </div>

      {session.data && !canOperate ? (
        <p className="alert alert-info" role="note">
          Read-only: editing or deleting state, sending messages, and resuming or skipping a parked address need the operator role.
        </p>
      ) : null}

      {state.isPending ? (
        <Skeleton label="the address">
          <SkeletonLine width="60%" />
          <SkeletonCard height="120px" />
          <SkeletonCard height="80px" />
        </Skeleton>
      ) : !s ? (
        notFound ? (
          <section className="card" aria-labelledby="nothing-heading">
            <h2 id="nothing-heading">Nothing here yet</h2>
            <p>
              <code>{fullAddress}</code> has no state, no queued messages and no history. Ids are case-sensitive.
              {canOperate ? " Send it a message below to create it; this page follows it live." : ""}
            </p>
            <Link href={functionTypeHref(namespace, type)}>Browse the addresses of {`${namespace}/${type}`}</Link>
          </section>
        ) : (
          <ErrorAlert error={state.error} prefix="Could not load the address" />
        )
      ) : (
        <>
          {state.isError ? <ErrorAlert error={state.error} prefix="Live update failed (showing the last state read)" /> : null}
          <section className="card" aria-label="Summary">
            <dl className="facts">
              <div>
                <dt>Version</dt>
                <dd>
                  <span className="version" data-testid="address-version" aria-live="polite">
                    {s.version}
                  </span>
                </dd>
              </div>
              <div>
                <dt>Status</dt>
                <dd>
                  <StatusBadge status={statusOf(s)} />
                </dd>
              </div>
              <div>
                <dt>Mailbox</dt>
                <dd>{plural(s.mailbox.length, "message")}</dd>
              </div>
              <div>
                <dt>Application</dt>
                <dd>{context.app ? <Link href={`/applications/${encodeURIComponent(context.app)}`}>{context.app}</Link> : context.isPending ? "…" : <span className="muted">none binds it</span>}</dd>
              </div>
              <div>
                <dt>Endpoint</dt>
                <dd>{context.fn?.pattern ? <code>{context.fn.pattern}</code> : <span className="muted">—</span>}</dd>
              </div>
            </dl>
          </section>
          <StateValues address={address} state={s} canEdit={canOperate} />
          <MailboxCard address={address} state={s} app={context.app} canOperate={canOperate} />
        </>
      )}

      {canOperate && (s || notFound) ? <SendMessage address={address} state={s} timers={timers.data} /> : null}

      {s ? (
        <>
          <TimersCard query={timers} />
          <HistoryCard query={history} before={before} version={s.version} />
          <EgressCard app={context.app} egresses={egresses} />
        </>
      ) : null}
    </>
  );
}
