"use client";

import Link from "next/link";
import { useState } from "react";
import { addressStringHref } from "../../lib/address-href";
import type { EgressRecord } from "../../lib/types";
import { Timestamp } from "../timestamp";

const byteLength = (base64: string) => Math.floor((base64.length * 3) / 4) - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);

/** The decoded value: text as text, anything else as indented JSON; nothing when only the bytes are known. */
function shown(r: EgressRecord): string | null {
  if (r.value === undefined) return null;
  return typeof r.value === "string" ? r.value : JSON.stringify(r.value, null, 2);
}

function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn btn-small"
      aria-label={label}
      onClick={() =>
        void navigator.clipboard?.writeText(text).then(() => {
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        })
      }
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

export function EgressRecordItem({ record }: { record: EgressRecord }) {
  const value = shown(record);
  const source = record.source ? addressStringHref(record.source) : null;
  const bytes = byteLength(record.base64);
  return (
    <li className="eg-record">
      <div className="eg-record-head">
        <Timestamp at={record.at} />
        {record.topic ? <span className="badge badge-neutral">{record.topic}</span> : null}
        <span className="mono small eg-typename">{record.typename}</span>
        {record.source ? (
          <span className="small">
            from{" "}
            {source ? (
              <Link href={source} className="mono">
                {record.source}
              </Link>
            ) : (
              <span className="mono">{record.source}</span>
            )}
          </span>
        ) : null}
        <span className="small muted eg-id">#{record.id}</span>
      </div>
      {value !== null ? (
        <pre className="json eg-value">{value}</pre>
      ) : (
        <p className="small muted">Not decodable as text or JSON ({record.kind}); see the raw bytes.</p>
      )}
      <details className="eg-raw">
        <summary className="small">
          Raw bytes (base64, {bytes.toLocaleString()} byte{bytes === 1 ? "" : "s"})
        </summary>
        <div className="eg-raw-body">
          <pre className="json">{record.base64 || "(empty)"}</pre>
          <CopyButton text={record.base64} label={`Copy the base64 of record ${record.id}`} />
        </div>
      </details>
    </li>
  );
}
