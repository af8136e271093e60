"use client";

import { Skeleton, SkeletonTable } from "../skeleton";
import { ErrorAlert } from "../error-alert";
import { formatDate, formatRelative, plural } from "../../lib/format";
import type { useAddressTimers } from "../../lib/hooks/use-address";
import { Caller } from "./mailbox-card";
import { InlineValue } from "./value-display";

/**
 * Delayed messages this address sent that are not yet due. They are kept in the sender's partition, which is why
 * this is the cheap and exact list; delayed messages *to* this address wait with their senders, anywhere.
 */
export function TimersCard({ query }: { query: ReturnType<typeof useAddressTimers> }) {
  const data = query.data;
  return (
    <section className="card" aria-labelledby="timers-heading">
      <div className="card-header">
        <h2 id="timers-heading">Pending delayed messages</h2>
        {data ? <span className="muted small">{plural(data.timers.length, "message")} sent by this address</span> : null}
      </div>
      <p className="muted small">
        Delayed messages this address sent (<code>sendAfter</code>) that are not due yet, soonest first. Delayed messages other addresses sent <em>to</em> it are
        kept with their senders and show on their pages.
      </p>
      {query.isPending ? (
        <Skeleton label="pending delayed messages">
          <SkeletonTable rows={2} columns={4} />
        </Skeleton>
      ) : query.isError ? (
        <ErrorAlert error={query.error} prefix="Could not load the delayed messages" />
      ) : data!.timers.length === 0 ? (
        <p className="empty">None pending.</p>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Due</th>
                <th scope="col">To</th>
                <th scope="col">Type</th>
                <th scope="col">Token</th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {data!.timers.map((t) => (
                <tr key={t.id}>
                  <td className="nowrap">
                    <time dateTime={t.dueAt} title={formatDate(t.dueAt, true)}>
                      {formatRelative(t.dueAt)}
                    </time>
                  </td>
                  <td>
                    <Caller caller={t.target} />
                  </td>
                  <td>
                    <code>{t.typename}</code>
                  </td>
                  <td>{t.token === null ? <span className="muted">—</span> : <code>{t.token}</code>}</td>
                  <td>
                    <InlineValue v={t} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (data.truncated || !data.complete) ? (
        <p className="muted small">
          {data.truncated ? "Only the soonest are shown. " : ""}
          {!data.complete ? "The partition holds more delayed messages than one read examines: some of this address's may be missing." : ""}
        </p>
      ) : null}
    </section>
  );
}
