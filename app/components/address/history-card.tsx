"use client";

import Link from "next/link";
import { usePathname, useSearchParams } from "next/navigation";
import { Fragment } from "react";
import { formatDate, formatRelative, plural } from "../../lib/format";
import type { AddressHistory, HistoryCommit, useAddressHistory } from "../../lib/hooks/use-address";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonText } from "../skeleton";
import { Caller } from "./mailbox-card";
import { InlineValue, type TypedValue } from "./value-display";

type Mutation = HistoryCommit["mutations"][number];

/** The value a commit's mutation replaced: the same name's mutation in the next older commit of this page. */
function beforeOf(commits: HistoryCommit[], index: number, name: string): Mutation | null | undefined {
  for (let j = index + 1; j < commits.length; j++) {
    const m = commits[j].mutations.find((x) => x.name === name);
    if (m) return m;
  }
  return undefined;
}

const asValue = (m: Mutation): TypedValue | null => (m.op === "delete" ? null : { typename: m.typename ?? "", kind: m.kind ?? "binary", value: m.value, base64: m.base64 });

function opOf(c: HistoryCommit): string {
  const s = (c.summary ?? {}) as { op?: unknown };
  return typeof s.op === "string" ? s.op : c.kind;
}

/** Recent commits and patches by version, newest first, from the partition's changelog; older pages by cursor (?before=). */
export function HistoryCard({ query, before, version }: { query: ReturnType<typeof useAddressHistory>; before: string | null; version: number }) {
  const pathname = usePathname();
  const params = useSearchParams();
  const withBefore = (b: string | null) => {
    const q = new URLSearchParams(params.toString());
    if (b) q.set("before", b);
    else q.delete("before");
    const s = q.toString();
    return `${pathname}${s ? `?${s}` : ""}#history-heading`;
  };
  const data: AddressHistory | undefined = query.data;
  return (
    <section className="card" aria-labelledby="history-heading">
      <div className="card-header">
        <h2 id="history-heading">History</h2>
        {data ? <span className="muted small">{plural(data.commits.length, "commit")} {before ? "(older page)" : "(newest first)"}</span> : null}
      </div>
      {query.isPending ? (
        <Skeleton label="history">
          <SkeletonText lines={4} />
        </Skeleton>
      ) : query.isError ? (
        <ErrorAlert error={query.error} prefix="Could not load the history" />
      ) : data!.commits.length === 0 ? (
        <p className="empty">
          {before
            ? "No older commits in the retained changelog."
            : version === 0
              ? "No commits yet: no message has been applied to this address."
              : "No commits in the retained changelog (it is trimmed after each checkpoint round)."}
        </p>
      ) : (
        <ol className="history-list" data-testid="history">
          {data!.commits.map((c, i) => (
            <li key={c.id} className="history-item">
              <div className="history-head">
                <span className="badge badge-neutral">v{c.version}</span>
                <strong>{opOf(c)}</strong>
                <time dateTime={c.at} title={formatDate(c.at, true)}>
                  {formatRelative(c.at)}
                </time>
                {c.consumed > 0 ? <span>consumed {plural(c.consumed, "message")}</span> : null}
                <ByReason summary={c.summary} />
              </div>
              {c.mutations.length ? (
                <div className="table-wrap history-mutations">
                  <table className="data">
                    <caption className="sr-only">State changes of version {c.version}</caption>
                    <thead>
                      <tr>
                        <th scope="col">State</th>
                        <th scope="col">Before</th>
                        <th scope="col">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {c.mutations.map((m) => {
                        const b = beforeOf(data!.commits, i, m.name);
                        const bv = b ? asValue(b) : null;
                        const av = asValue(m);
                        return (
                          <tr key={m.name}>
                            <th scope="row" className="mono">
                              {m.name}
                            </th>
                            <td>{b === undefined ? <span className="muted small">not in this page</span> : bv ? <InlineValue v={bv} /> : <span className="muted">deleted</span>}</td>
                            <td>{av ? <InlineValue v={av} /> : <span className="muted">deleted</span>}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
              ) : null}
              {c.outgoing.length || c.delayed || c.egress ? (
                <p className="history-effects small">
                  {c.outgoing.length ? (
                    <>
                      Sent to{" "}
                      {c.outgoing.map((o, k) => (
                        <Fragment key={k}>
                          {k > 0 ? ", " : null}
                          <Caller caller={o} />
                        </Fragment>
                      ))}
                      .{" "}
                    </>
                  ) : null}
                  {c.delayed ? `${plural(c.delayed, "delayed message")}. ` : null}
                  {c.egress ? (
                    <>
                      <a href="#egress-heading">{plural(c.egress, "egress record")}</a>.
                    </>
                  ) : null}
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      )}
      <nav className="pager" aria-label="History pages">
        {before ? <Link href={withBefore(null)}>Newest</Link> : <span />}
        {data?.next ? <Link href={withBefore(data.next)}>Older commits</Link> : <span className="muted small">{data ? `${data.scanned} changelog entries examined` : ""}</span>}
      </nav>
    </section>
  );
}

function ByReason({ summary }: { summary: unknown }) {
  const s = (summary ?? {}) as { by?: unknown; reason?: unknown };
  if (typeof s.by !== "string") return null;
  return (
    <span className="muted">
      by {s.by}
      {typeof s.reason === "string" ? ` — “${s.reason}”` : ""}
    </span>
  );
}
