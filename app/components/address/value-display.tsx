"use client";

import { hexDump, isPrimitive } from "../../lib/address-values";
import { formatBytes } from "../../lib/format";

export interface TypedValue {
  typename: string;
  kind: "absent" | "primitive" | "protobuf" | "json" | "text" | "binary";
  value?: unknown;
  base64?: string;
  sizeBytes?: number;
  error?: string;
}

const KIND_LABEL: Record<TypedValue["kind"], string> = {
  absent: "no value",
  primitive: "primitive",
  protobuf: "protobuf",
  json: "JSON",
  text: "text",
  binary: "bytes",
};

/** `io.statefun.types/int` → `int`: the short name of a StateFun primitive, else the typename. */
export const shortType = (typename: string) => (isPrimitive(typename) ? typename.slice("io.statefun.types/".length) : typename);

export function KindBadge({ v }: { v: TypedValue }) {
  return <span className="badge badge-neutral">{v.kind === "primitive" ? shortType(v.typename) : KIND_LABEL[v.kind]}</span>;
}

/** A one-line rendering for tables: decoded when possible, else the size of the bytes. */
export function inlineValue(v: TypedValue, max = 120): string {
  let s: string;
  if (v.kind === "absent") s = "—";
  else if (v.kind === "binary") s = `${formatBytes(v.sizeBytes ?? 0)} of bytes`;
  else if (v.kind === "text" || (v.kind === "primitive" && typeof v.value === "string")) s = JSON.stringify(v.value);
  else s = JSON.stringify(v.value) ?? "";
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function InlineValue({ v }: { v: TypedValue }) {
  return (
    <code className="inline-value" title={v.kind === "binary" ? v.base64 : undefined}>
      {inlineValue(v)}
    </code>
  );
}

/**
 * The whole value, typed: a primitive decoded, JSON pretty-printed, text as text, and bytes (protobuf or
 * undecodable) as a hex dump and base64 beside their typename. Decoded egress records also keep their bytes.
 */
export function ValueBody({ v }: { v: TypedValue }) {
  if (v.kind === "absent") return null;
  const decoded =
    v.kind === "primitive" ? (
      typeof v.value === "string" ? (
        <pre className="value-pre">
          {v.value === "" ? <span className="muted">(empty string)</span> : v.value}
        </pre>
      ) : (
        <p className="value-primitive mono">
          {String(v.value)}
        </p>
      )
    ) : v.kind === "json" || v.kind === "protobuf" ? (
      <pre className="value-pre">
        {JSON.stringify(v.value, null, 2)}
      </pre>
    ) : v.kind === "text" ? (
      <pre className="value-pre">
        {String(v.value)}
      </pre>
    ) : null;
  const showBytes = v.kind === "binary" || v.kind === "protobuf";
  return (
    <div className="value-body">
      {v.error ? <p className="field-error small">Does not decode as {v.typename}: {v.error}</p> : null}
      {decoded}
      {showBytes && v.base64 !== undefined ? <Bytes base64={v.base64} typename={v.typename} open={v.kind === "binary"} /> : null}
    </div>
  );
}

function Bytes({ base64, typename, open }: { base64: string; typename: string; open: boolean }) {
  const hex = hexDump(base64);
  return (
    <details className="value-bytes" open={open}>
      <summary>
        Raw bytes of <code>{typename || "(no typename)"}</code>
      </summary>
      <div className="value-bytes-grid">
        <div>
          <h4 className="value-bytes-head">Hex</h4>
          <pre className="value-pre">
            {hex.text || "(no bytes)"}
            {hex.cut ? "\n…" : ""}
          </pre>
        </div>
        <div>
          <h4 className="value-bytes-head">Base64</h4>
          <pre className="value-pre value-base64">{base64 || "(no bytes)"}</pre>
        </div>
      </div>
    </details>
  );
}
