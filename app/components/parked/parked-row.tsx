"use client";

import Link from "next/link";
import { Fragment, useId, useState } from "react";
import { plural } from "../../lib/format";
import { addressStringHref } from "../../lib/address-href";
import { useUnpark } from "../../lib/hooks/use-parked";
import type { ParkedAddress, UnparkResult } from "../../lib/types";
import { UrlTemplate } from "../application/url-template";
import { ErrorAlert } from "../error-alert";
import { Timestamp } from "../timestamp";
import { TypedConfirm } from "../savepoints/typed-confirm";

const ERROR_PREVIEW = 160;
const COLUMNS = 7;

const URL_RE = /(https?:\/\/[^\s;,)]+)/;

/** Text whose URLs wrap only between path segments (a host:port is never split). */
function WithUrls({ text }: { text: string }) {
  return (
    <>
      {text.split(URL_RE).map((part, i) => (i % 2 === 1 ? <UrlTemplate key={i} url={part} /> : <Fragment key={i}>{part}</Fragment>))}
    </>
  );
}

function ErrorText({ error }: { error: string }) {
  if (!error) return <span className="muted">—</span>;
  if (error.length <= ERROR_PREVIEW)
    return (
      <span className="parked-error">
        <WithUrls text={error} />
      </span>
    );
  return (
    <details className="parked-error">
      <summary>
        <WithUrls text={error.slice(0, ERROR_PREVIEW)} />…
      </summary>
      <WithUrls text={error} />
    </details>
  );
}

export function describeUnpark(r: UnparkResult): string {
  const queued = plural(r.mailboxLength, "message");
  if (r.mode === "resume") return `Resumed ${r.address}: ${queued} queued, the head one is retried now.`;
  return r.dropped
    ? `Skipped the head message (${r.dropped.typename}) of ${r.address} and resumed it: ${queued} left.`
    : `${r.address} had no message to skip; resumed it.`;
}

/** One parked address; Resume and Skip only for operators (the server refuses anyone else anyway). */
export function ParkedRow({ row, canAct, onDone }: { row: ParkedAddress; canAct: boolean; onDone: (message: string) => void }) {
  const unpark = useUnpark();
  const [confirmSkip, setConfirmSkip] = useState(false);
  const skipId = useId();

  const act = (mode: "resume" | "skip") =>
    unpark.mutate(
      { row, mode },
      {
        onSuccess: (r) => {
          setConfirmSkip(false);
          onDone(describeUnpark(r));
        },
      },
    );

  return (
    <Fragment>
      <tr>
        <th scope="row" className="parked-address">
          <Link href={addressStringHref(row.address) ?? "/functions"} className="mono">
            {row.id}
          </Link>
        </th>
        <td className="mono nowrap">{row.functionType}</td>
        <td className="parked-error-cell">
          <ErrorText error={row.error} />
        </td>
        <td className="nowrap">
          <Timestamp at={row.since} />
        </td>
        <td className="num">{row.attempts}</td>
        <td className="num nowrap">{plural(row.mailboxLength, "message")}</td>
        {canAct ? (
          <td className="actions">
            <div className="parked-actions">
              <button
                type="button"
                className="btn btn-small btn-primary"
                disabled={unpark.isPending}
                aria-label={`Resume ${row.address}`}
                onClick={() => act("resume")}
              >
                {unpark.isPending && unpark.variables?.mode === "resume" ? "Resuming…" : "Resume"}
              </button>
              <button
                type="button"
                className="btn btn-small"
                aria-expanded={confirmSkip}
                aria-controls={skipId}
                disabled={unpark.isPending}
                onClick={() => setConfirmSkip((o) => !o)}
              >
                Skip head<span className="sr-only"> message of {row.address}</span>
              </button>
            </div>
          </td>
        ) : null}
      </tr>
      {unpark.error && !confirmSkip ? (
        <tr className="parked-detail">
          <td colSpan={COLUMNS}>
            <ErrorAlert error={unpark.error} prefix={`Could not ${unpark.variables?.mode ?? "resume"} ${row.address}`} />
          </td>
        </tr>
      ) : null}
      {canAct && confirmSkip ? (
        <tr id={skipId} className="parked-detail">
          <td colSpan={COLUMNS}>
            <TypedConfirm
              expected="skip"
              action="Drop the head message and resume"
              pendingText="Skipping…"
              pending={unpark.isPending}
              error={unpark.error}
              errorPrefix={`Could not skip ${row.address}`}
              onConfirm={() => act("skip")}
              onCancel={() => setConfirmSkip(false)}
            >
              <p>
                Skip drops the head message of <span className="mono">{row.address}</span> (the one that keeps failing; 1 of{" "}
                {plural(row.mailboxLength, "queued message")}) for good, then resumes the address with the next one. The
                dropped message is kept in the audit log, not re-sent.
              </p>
            </TypedConfirm>
          </td>
        </tr>
      ) : null}
    </Fragment>
  );
}
