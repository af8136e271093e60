"use client";

import Link from "next/link";
import { useEffect, useId, useState, type FormEvent } from "react";
import "../../styles/functions.css";
import "../../styles/registry.css";
import { formatCount, plural } from "../../lib/format";
import { functionTypeHref } from "../../lib/address-href";
import { useFunctionTypes, type FunctionTypeInfo } from "../../lib/hooks/use-functions";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonTable } from "../skeleton";
import { useQueryParams } from "../savepoints/use-query-params";
import { UrlTemplate } from "../application/url-template";

/** `ns/type` as its two parts (a namespace holds no `/`). */
const splitType = (t: string): [string, string] => {
  const slash = t.indexOf("/");
  return [t.slice(0, slash), t.slice(slash + 1)];
};

function TypeRow({ f }: { f: FunctionTypeInfo }) {
  return (
    <tr>
      <th scope="row">
        <Link className="mono fn-type" href={functionTypeHref(...splitType(f.functionType))}>
          {f.functionType}
        </Link>
      </th>
      <td>
        {f.application ? (
          <span className="fn-app">
            <Link href={`/applications/${encodeURIComponent(f.application)}`}>{f.application}</Link>
            {f.paused ? (
              <span className="badge badge-paused">
                <span className="dot dot-warn" aria-hidden="true" />
                Paused
              </span>
            ) : null}
          </span>
        ) : (
          <span className="muted">none binds it</span>
        )}
      </td>
      <td>
        {f.endpointUrl ? (
          <>
            <UrlTemplate url={f.endpointUrl} />
            {f.pattern && f.pattern !== f.functionType ? <div className="small muted">via {f.pattern}</div> : null}
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td className="num">{formatCount(f.addresses)}</td>
      <td className="num">{plural(f.backlog, "message")}</td>
      <td className="num">
        {f.parked > 0 ? (
          <Link href={`/parked?type=${encodeURIComponent(f.functionType)}`} aria-label={`${f.parkedEstimated ? "about " : ""}${f.parked} parked, see them`}>
            {f.parkedEstimated ? "≈ " : ""}
            {formatCount(f.parked)}
          </Link>
        ) : (
          "0"
        )}
      </td>
    </tr>
  );
}

export function FunctionsView() {
  const q = useQueryParams();
  const filter = q.get("q") ?? "";
  const [text, setText] = useState(filter);
  const inputId = useId();
  useEffect(() => setText(filter), [filter]);
  const types = useFunctionTypes();
  const all = types.data ?? [];
  const needle = filter.trim().toLowerCase();
  const rows = needle ? all.filter((f) => f.functionType.toLowerCase().includes(needle) || (f.application ?? "").toLowerCase().includes(needle)) : all;
  const estimated = all.some((f) => f.parkedEstimated);

  function submit(e: FormEvent) {
    e.preventDefault();
    q.set({ q: text.trim() || null });
  }

  return (
    <>
      <div className="page-header">
        <div>
          <h1>Functions</h1>
          <p className="subtitle">
            Every function type the system knows: bound by an endpoint, or seen by the data plane. Open one to browse its addresses.
          </p>
        </div>
      </div>

      <form role="search" aria-label="Filter function types" className="card fn-search" onSubmit={submit}>
        <div className="field">
          <label htmlFor={inputId}>Function type or application contains</label>
          <input id={inputId} value={text} placeholder="e.g. example/" autoComplete="off" spellCheck={false} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="fn-search-actions">
          <button type="submit" className="btn btn-primary">
            Filter
          </button>
          {filter ? (
            <button type="button" className="btn" onClick={() => q.set({ q: null })}>
              Clear
            </button>
          ) : null}
        </div>
      </form>

      <section className="card" aria-labelledby="fn-heading">
        <div className="card-header">
          <h2 id="fn-heading">Function types</h2>
          <span className="small muted">
            Counts kept by the data plane, refreshed every 10 s{types.isFetching && types.data ? " · refreshing" : ""}
          </span>
        </div>
        <ErrorAlert error={types.error} prefix="Could not load the function types" />
        {types.isPending ? (
          <Skeleton label="function types">
            <SkeletonTable rows={4} columns={6} />
          </Skeleton>
        ) : rows.length === 0 ? (
          <p className="empty">
            {needle ? `No function type or application contains “${filter}”.` : "No function types yet: register an endpoint in an application, then send it a message."}
          </p>
        ) : (
          <div className="table-wrap">
            <table className="data fn-table">
              <caption className="sr-only">Function types{needle ? ` matching ${filter}` : ""}</caption>
              <thead>
                <tr>
                  <th scope="col">Function type</th>
                  <th scope="col">Application</th>
                  <th scope="col">Endpoint</th>
                  <th scope="col" className="num">
                    Addresses
                  </th>
                  <th scope="col" className="num">
                    Backlog
                  </th>
                  <th scope="col" className="num">
                    Parked
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((f) => (
                  <TypeRow key={f.functionType} f={f} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p className="small muted fn-footnote">
          Addresses: those with at least one commit. Backlog: messages queued, in all of the type&apos;s mailboxes.
          {estimated ? " ≈ Parked: estimated from a sample of each partition's parked addresses (many are parked)." : ""}
        </p>
      </section>
    </>
  );
}
