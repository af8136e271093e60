"use client";

import { formatBytes } from "../../lib/format";
import type { SavepointDiffEntry } from "../../lib/types";

type Side = SavepointDiffEntry["values"][number]["before"];

const HEX_SHOWN = 64;

function toBytes(base64: string): Uint8Array {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const hex = (b: Uint8Array) => Array.from(b.subarray(0, HEX_SHOWN), (x) => x.toString(16).padStart(2, "0")).join(" ");

/** A decoded value as JSON (strings quoted, so "1" and 1 differ visibly). */
const shown = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v, null, 2));

/** One side of a value's change: decoded where the state spec gives its type, else its bytes as hex and base64. */
export function DiffValue({ side }: { side: Side }) {
  if (side === null) return <span className="muted">absent</span>;
  if (side.value !== undefined) return <pre className="sp-value">{shown(side.value)}</pre>;
  const bytes = toBytes(side.base64);
  return (
    <div className="sp-bytes">
      <div className="muted">{formatBytes(bytes.length)}, not decoded</div>
      <div>
        hex <code>{hex(bytes)}</code>
        {bytes.length > HEX_SHOWN ? "…" : ""}
      </div>
      <div>
        base64 <code>{side.base64.length > 200 ? `${side.base64.slice(0, 200)}…` : side.base64}</code>
      </div>
    </div>
  );
}
