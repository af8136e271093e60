"use client";

import Link from "next/link";
import { formatDate, formatRelative } from "../../lib/format";
import type { EgressFromAddress } from "../../lib/hooks/use-address-egress";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonText } from "../skeleton";
import { InlineValue } from "./value-display";

const SHOWN = 20;

export const egressHref = (app: string, egress: string) => `/egress?${new URLSearchParams({ app, egress }).toString()}`;

/** Records this address emitted, per egress of its application, newest first (refetched when its version moves). */
export function EgressCard({ app, egresses }: { app: string | null; egresses: EgressFromAddress[] }) {
  return (
    <section className="card" aria-labelledby="egress-heading">
      <div className="card-header">
        <h2 id="egress-heading">Egress from this address</h2>
      </div>
      {app === null ? (
        <p className="empty">No application binds this function type, so it has no egresses.</p>
      ) : egresses.length === 0 ? (
        <p className="empty">
          <Link href={`/applications/${encodeURIComponent(app)}`}>{app}</Link> declares no egresses.
        </p>
      ) : (
        egresses.map((e) => (
          <div key={e.egress} className="egress-block">
            <h3 className="egress-name">
              <Link href={egressHref(app, e.egress)} className="mono">
                {e.egress}
              </Link>
            </h3>
            {e.isPending ? (
              <Skeleton label={`records of ${e.egress}`}>
                <SkeletonText lines={2} />
              </Skeleton>
            ) : e.error ? (
              <ErrorAlert error={e.error} prefix={`Could not read ${e.egress}`} />
            ) : e.records.length === 0 ? (
              <p className="muted small">Nothing from this address among the egress&apos;s newest {e.window} records.</p>
            ) : (
              <div className="table-wrap">
                <table className="data" data-testid="egress-records">
                  <caption className="sr-only">Records of {e.egress} emitted by this address, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Topic</th>
                      <th scope="col">Record</th>
                    </tr>
                  </thead>
                  <tbody>
                    {e.records.slice(0, SHOWN).map((r) => (
                      <tr key={r.id}>
                        <td className="nowrap">
                          <time dateTime={r.at} title={formatDate(r.at, true)}>
                            {formatRelative(r.at)}
                          </time>
                        </td>
                        <td>{r.topic ? <code>{r.topic}</code> : <span className="muted">—</span>}</td>
                        <td>
                          <InlineValue v={r} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </div>
        ))
      )}
    </section>
  );
}
