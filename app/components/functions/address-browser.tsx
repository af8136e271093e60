"use client";

import Link from "next/link";
import { useEffect, useId, useState, type FormEvent } from "react";
import "../../styles/functions.css";
import "../../styles/registry.css";
import { formatCount, formatDate, formatRelative, plural } from "../../lib/format";
import { addressHref } from "../../lib/address-href";
import { useAddressPage, useFunctionTypes, type AddressSummary } from "../../lib/hooks/use-functions";
import { ErrorAlert } from "../error-alert";
import { Skeleton, SkeletonTable } from "../skeleton";
import { useQueryParams } from "../savepoints/use-query-params";
import { UrlTemplate } from "../application/url-template";
import { AddressStatusBadge, STATUS_TEXT } from "./address-status-badge";

/** One text box that submits to the query string; follows the URL when a link or Back changes it. */
function SearchBox(props: { label: string; formLabel: string; name: string; value: string; button: string; hint: string; onSubmit: (v: string) => void }) {
  const id = useId();
  const [text, setText] = useState(props.value);
  useEffect(() => setText(props.value), [props.value]);
  function submit(e: FormEvent) {
    e.preventDefault();
    props.onSubmit(text);
  }
  return (
    <form role="search" aria-label={props.formLabel} className="fn-box" onSubmit={submit}>
      <div className="field">
        <label htmlFor={id}>{props.label}</label>
        <div className="fn-box-row">
          <input
            id={id}
            name={props.name}
            value={text}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${id}-hint`}
            onChange={(e) => setText(e.target.value)}
          />
          <button type="submit" className="btn btn-primary">
            {props.button}
          </button>
        </div>
        <p id={`${id}-hint`} className="small muted fn-hint">
          {props.hint}
        </p>
      </div>
    </form>
  );
}

function AddressRow({ a, namespace, type, jumped }: { a: AddressSummary; namespace: string; type: string; jumped: boolean }) {
  return (
    <tr className={jumped ? "fn-jumped" : undefined} aria-current={jumped ? "true" : undefined}>
      <th scope="row" className="fn-id">
        <Link className="mono" href={addressHref(namespace, type, a.id)}>
          {a.id}
        </Link>
      </th>
      <td>
        <AddressStatusBadge status={a.status} />
      </td>
      <td className="num">{formatCount(a.version)}</td>
      <td className="nowrap">
        {a.updatedAt ? (
          <time dateTime={a.updatedAt} title={formatDate(a.updatedAt, true)}>
            {formatRelative(a.updatedAt)}
          </time>
        ) : (
          <span className="muted">never</span>
        )}
      </td>
      <td className="num nowrap">{plural(a.mailboxLength, "message")}</td>
    </tr>
  );
}

export function AddressBrowser({ namespace, type }: { namespace: string; type: string }) {
  const functionType = `${namespace}/${type}`;
  const q = useQueryParams();
  const prefix = q.get("prefix");
  const cursor = q.get("cursor");
  const jumpId = q.get("id");
  const page = useAddressPage(namespace, type, { prefix, cursor, id: jumpId });
  const info = useFunctionTypes().data?.find((f) => f.functionType === functionType);
  const rows = page.data?.addresses ?? [];
  const lag = page.data?.checkpoint;

  const searchPrefix = (v: string) => q.set({ prefix: v || null, cursor: null, id: null }, { push: true });
  const jump = (v: string) => q.set({ id: v || null, cursor: null }, { push: true });
  const goTo = (c: string | null) => q.set({ cursor: c, id: null }, { push: true });
  const firstPageHref = () => {
    const p = new URLSearchParams();
    if (prefix) p.set("prefix", prefix);
    const s = p.toString();
    return s ? `?${s}` : "?";
  };

  const what = prefix ? `whose id starts with “${prefix}”` : "";
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/functions">Functions</Link> / <span aria-current="page">{functionType}</span>
      </nav>
      <div className="page-header">
        <div>
          <h1 className="fn-title">{functionType}</h1>
          <p className="subtitle">
            {info?.application ? (
              <>
                In <Link href={`/applications/${encodeURIComponent(info.application)}`}>{info.application}</Link>
                {info.endpointUrl ? (
                  <>
                    {" "}
                    · endpoint <UrlTemplate url={info.endpointUrl} />
                  </>
                ) : null}
              </>
            ) : info ? (
              "No endpoint binds this type now."
            ) : null}
            {info ? (
              <>
                {info.application ? " · " : " "}
                {plural(info.addresses, "address", "addresses")} with a commit · {plural(info.backlog, "message")} queued ·{" "}
                {info.parked > 0 ? (
                  <Link href={`/parked?type=${encodeURIComponent(functionType)}`}>{`${info.parkedEstimated ? "≈ " : ""}${formatCount(info.parked)} parked`}</Link>
                ) : (
                  "none parked"
                )}
              </>
            ) : null}
          </p>
        </div>
      </div>

      <div className="card fn-finders">
        <SearchBox label="Id starts with" formLabel="Find addresses by id prefix" name="prefix" value={prefix ?? ""} button="Search" hint="Case-sensitive, taken literally." onSubmit={searchPrefix} />
        <SearchBox label="Jump to id" formLabel="Jump to an exact id" name="id" value={jumpId ?? ""} button="Jump" hint="The exact id: the list starts at it." onSubmit={jump} />
      </div>

      <section className="card" aria-labelledby="addr-heading">
        <div className="card-header">
          <h2 id="addr-heading">Addresses {what}</h2>
          <span className="small muted">
            Sorted by id · status, version and mailbox live, every 2 s{page.isFetching && page.data ? " · refreshing" : ""}
          </span>
        </div>
        {prefix || jumpId ? (
          <p className="fn-filters">
            {prefix ? <span className="chip">prefix: {prefix}</span> : null}
            {jumpId ? <span className="chip">from id: {jumpId}</span> : null}
            <Link className="btn btn-small" href="?">
              Show all
            </Link>
          </p>
        ) : null}
        <ErrorAlert error={page.error} prefix="Could not load the addresses" />
        {jumpId && page.data && !page.isPlaceholderData ? (
          page.data.found ? (
            <p className="alert alert-success" role="status">
              Found <span className="mono">{jumpId}</span>: it is the first row.{" "}
              <Link href={addressHref(namespace, type, jumpId)}>Open it</Link>
            </p>
          ) : (
            <p className="alert alert-info" role="status">
              No address with the id <span className="mono">{jumpId}</span>
              {prefix ? ` among those starting with “${prefix}”` : ""}. Showing the ids that follow where it would be.
            </p>
          )
        ) : null}
        {page.isPending ? (
          <Skeleton label="addresses">
            <SkeletonTable rows={6} columns={5} />
          </Skeleton>
        ) : rows.length === 0 ? (
          <p className="empty">
            {prefix
              ? `No address of ${functionType} has an id starting with “${prefix}”.`
              : cursor || jumpId
                ? "No more addresses."
                : `No addresses of ${functionType} yet: they appear once a message reaches one.`}
          </p>
        ) : (
          <div className="table-wrap" aria-busy={page.isPlaceholderData}>
            <table className="data fn-addresses">
              <caption className="sr-only">
                Addresses of {functionType} {what}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Version
                  </th>
                  <th scope="col">Last change</th>
                  <th scope="col" className="num">
                    Mailbox
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((a) => (
                  <AddressRow key={a.id} a={a} namespace={namespace} type={type} jumped={Boolean(page.data?.found) && a.id === jumpId} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <nav className="pager" aria-label="Address pages">
          <span className="muted small" aria-live="polite">
            {page.data ? plural(rows.length, "address", "addresses") + " on this page" : ""}
            {lag ? ` · listed from the checkpoint${lag.pending > 0 ? `, ${formatCount(lag.lagMs)} ms behind` : ""}` : ""}
          </span>
          <div className="row">
            {cursor || jumpId ? (
              <Link className="btn btn-small" href={firstPageHref()}>
                First page
              </Link>
            ) : null}
            {page.data?.prev ? (
              <button type="button" className="btn btn-small" onClick={() => goTo(page.data!.prev)}>
                Previous page
              </button>
            ) : null}
            {page.data?.next ? (
              <button type="button" className="btn btn-small" onClick={() => goTo(page.data!.next)}>
                Next page
              </button>
            ) : null}
          </div>
        </nav>
      </section>

      <details className="card fn-legend">
        <summary>What the statuses mean</summary>
        <dl>
          {Object.entries(STATUS_TEXT).map(([k, s]) => (
            <div key={k}>
              <dt>{s.label}</dt>
              <dd>{s.meaning}</dd>
            </div>
          ))}
        </dl>
        <p className="small muted">
          The list is read from the checkpoint, which follows the live state by about a second: an address created in the last
          second appears on the next refresh. Jump to id finds it at once.
        </p>
      </details>
    </>
  );
}
