/**
 * State values and messages in the console: how a stored value is shown and edited, checked against its type
 * before anything is sent, and turned into the PATCH body or the ingress body the public API takes. No React.
 */

export const PRIMITIVE = {
  bool: "io.statefun.types/bool",
  int: "io.statefun.types/int",
  long: "io.statefun.types/long",
  float: "io.statefun.types/float",
  double: "io.statefun.types/double",
  string: "io.statefun.types/string",
} as const;
export type PrimitiveTypename = (typeof PRIMITIVE)[keyof typeof PRIMITIVE];
const PRIMITIVES = new Set<string>(Object.values(PRIMITIVE));
export const isPrimitive = (typename: string): typename is PrimitiveTypename => PRIMITIVES.has(typename);

/**
 * How a value is edited: a primitive by its literal (a string as its raw text), JSON pretty-printed, UTF-8 text
 * stored as is, or the raw bytes as base64 (protobuf and anything undecodable).
 */
export type EditMode = "primitive" | "json" | "text" | "base64";

export interface ValueLike {
  typename: string;
  kind: "absent" | "primitive" | "protobuf" | "json" | "text" | "binary";
  value?: unknown;
  base64?: string;
}

export function defaultMode(v: ValueLike): EditMode {
  if (isPrimitive(v.typename)) return "primitive";
  if (v.kind === "json") return "json";
  if (v.kind === "text") return "text";
  if (v.kind === "absent") return "json";
  return "base64";
}

/** The modes a value of this typename can be edited in (a primitive only as itself: the SDK decodes its wrapper). */
export const modesFor = (typename: string): EditMode[] => (isPrimitive(typename) ? ["primitive"] : ["json", "text", "base64"]);

// ---------------------------------------------------------------------------------------------------------------
// bytes
// ---------------------------------------------------------------------------------------------------------------

export function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** `0a 03 61 62 63`, 16 bytes a line. */
export function hexDump(b64: string, maxBytes = 4096): { text: string; cut: boolean } {
  const bytes = base64ToBytes(b64);
  const shown = bytes.subarray(0, maxBytes);
  const lines: string[] = [];
  for (let i = 0; i < shown.length; i += 16)
    lines.push(
      Array.from(shown.subarray(i, i + 16), (b) => b.toString(16).padStart(2, "0")).join(" "),
    );
  return { text: lines.join("\n"), cut: bytes.length > maxBytes };
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export const utf8ToBase64 = (text: string) => bytesToBase64(utf8.encode(text));

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Whitespace (line breaks of a pasted dump) is ignored. */
export const normalizeBase64 = (text: string) => text.replace(/\s+/g, "");
export const isBase64 = (text: string) => BASE64.test(normalizeBase64(text));

// ---------------------------------------------------------------------------------------------------------------
// showing and editing
// ---------------------------------------------------------------------------------------------------------------

/** The editor's starting text for a value in a mode. */
export function editText(v: ValueLike, mode: EditMode): string {
  const present = v.kind !== "absent";
  switch (mode) {
    case "primitive":
      if (!present) return v.typename === PRIMITIVE.bool ? "false" : v.typename === PRIMITIVE.string ? "" : "0";
      return v.typename === PRIMITIVE.string ? String(v.value ?? "") : String(v.value);
    case "json":
      if (!present) return "{}";
      if (v.kind === "json" || v.kind === "primitive" || v.kind === "protobuf") return JSON.stringify(v.value, null, 2) ?? "";
      return v.kind === "text" ? JSON.stringify(v.value) : "";
    case "text":
      if (!present) return "";
      if (v.kind === "text") return String(v.value);
      return v.base64 ? decodeUtf8(v.base64) ?? "" : "";
    case "base64":
      return v.base64 ?? "";
  }
}

function decodeUtf8(b64: string): string | null {
  try {
    return strictUtf8.decode(base64ToBytes(b64));
  } catch {
    return null;
  }
}

/** What PATCH's `set.<name>` takes: a JSON value (primitives as their value, other types as UTF-8 JSON) or bytes. */
export type SetValue = { value: unknown } | { base64: string };

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };
const fail = (error: string): Checked<never> => ({ ok: false, error });

const INT32 = [-(2 ** 31), 2 ** 31 - 1] as const;
const INT64 = [-(2n ** 63n), 2n ** 63n - 1n] as const;
const FLOAT_MAX = 3.4028234663852886e38;
const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A primitive's literal, checked against the range of its type; a long beyond 2^53 stays a decimal string. */
export function parsePrimitive(typename: PrimitiveTypename, text: string): Checked<boolean | number | string> {
  if (typename === PRIMITIVE.string) return { ok: true, value: text };
  const t = text.trim();
  switch (typename) {
    case PRIMITIVE.bool:
      if (t === "true" || t === "false") return { ok: true, value: t === "true" };
      return fail("a bool is true or false");
    case PRIMITIVE.int: {
      if (!INTEGER.test(t)) return fail("an int is a whole number, e.g. 42");
      const n = Number(t);
      if (n < INT32[0] || n > INT32[1]) return fail(`an int is between ${INT32[0]} and ${INT32[1]}`);
      return { ok: true, value: n };
    }
    case PRIMITIVE.long: {
      if (!INTEGER.test(t)) return fail("a long is a whole number, e.g. 42");
      const n = BigInt(t);
      if (n < INT64[0] || n > INT64[1]) return fail(`a long is between ${INT64[0]} and ${INT64[1]}`);
      return { ok: true, value: n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString() };
    }
    case PRIMITIVE.float:
    case PRIMITIVE.double: {
      const name = typename === PRIMITIVE.float ? "a float" : "a double";
      if (!NUMBER.test(t)) return fail(`${name} is a finite decimal number, e.g. 1.5 or -2e-3`);
      const n = Number(t);
      if (!Number.isFinite(n) || (typename === PRIMITIVE.float && Math.abs(n) > FLOAT_MAX))
        return fail(`${name} is at most ${typename === PRIMITIVE.float ? FLOAT_MAX : Number.MAX_VALUE} in magnitude`);
      return { ok: true, value: n };
    }
  }
}

/** The edited text checked against the value's type, as the PATCH `set` entry. */
export function checkEdit(typename: string, mode: EditMode, text: string): Checked<SetValue> {
  switch (mode) {
    case "primitive": {
      if (!isPrimitive(typename)) return fail(`${typename} is not a StateFun primitive type`);
      const p = parsePrimitive(typename, text);
      return p.ok ? { ok: true, value: { value: p.value } } : p;
    }
    case "json":
      try {
        return { ok: true, value: { value: JSON.parse(text) as unknown } };
      } catch (e) {
        return fail(`not valid JSON: ${(e as Error).message}`);
      }
    case "text":
      return { ok: true, value: { base64: utf8ToBase64(text) } };
    case "base64":
      return isBase64(text) ? { ok: true, value: { base64: normalizeBase64(text) } } : fail("not standard base64 (A–Z a–z 0–9 + /, padded with = to a multiple of 4)");
  }
}

// ---------------------------------------------------------------------------------------------------------------
// messages
// ---------------------------------------------------------------------------------------------------------------

/** How a message body typed in the console is sent: its bytes with Content-Type application/vnd.<typename>. */
export type BodyFormat = "primitive" | "json" | "text" | "base64";

/**
 * A primitive in its StateFun wrapper message (one field 1; the zero value is no bytes), as the SDKs write it — but
 * -0.0 is written (protobuf compares a float's bits with zero's: Java's and protobufjs's encoders keep the sign).
 */
export function encodePrimitive(typename: PrimitiveTypename, value: boolean | number | string): Uint8Array {
  const fixed = (tag: number, size: 4 | 8, write: (d: DataView) => void) => {
    const buf = new Uint8Array(1 + size);
    buf[0] = tag;
    write(new DataView(buf.buffer, 1));
    return buf;
  };
  switch (typename) {
    case PRIMITIVE.bool:
      return value ? Uint8Array.of(0x08, 0x01) : new Uint8Array();
    case PRIMITIVE.int:
      return value === 0 ? new Uint8Array() : fixed(0x0d, 4, (d) => d.setInt32(0, Number(value), true));
    case PRIMITIVE.float:
      return Object.is(Number(value), 0) ? new Uint8Array() : fixed(0x0d, 4, (d) => d.setFloat32(0, Number(value), true));
    case PRIMITIVE.long: {
      const n = BigInt(value as number | string);
      return n === 0n ? new Uint8Array() : fixed(0x09, 8, (d) => d.setBigInt64(0, n, true));
    }
    case PRIMITIVE.double:
      return Object.is(Number(value), 0) ? new Uint8Array() : fixed(0x09, 8, (d) => d.setFloat64(0, Number(value), true));
    case PRIMITIVE.string: {
      const s = utf8.encode(String(value));
      if (s.length === 0) return new Uint8Array();
      const len: number[] = [];
      for (let n = s.length; ; n >>>= 7) {
        if (n < 0x80) {
          len.push(n);
          break;
        }
        len.push((n & 0x7f) | 0x80);
      }
      const out = new Uint8Array(1 + len.length + s.length);
      out[0] = 0x0a;
      out.set(len, 1);
      out.set(s, 1 + len.length);
      return out;
    }
  }
}

export interface MessageBody {
  contentType: string;
  body: string | Uint8Array;
}

/** A message body as typed, checked, with the Content-Type the ingress route reads the typename from. */
export function messageBody(typename: string, format: BodyFormat | "plain", text: string): Checked<MessageBody> {
  if (format === "plain") return { ok: true, value: { contentType: "text/plain; charset=utf-8", body: text } };
  const t = typename.trim();
  if (!/^[^/\s]+\/[^\s]+$/.test(t)) return fail('a typename is "<namespace>/<name>", e.g. example/GreetRequest');
  const contentType = `application/vnd.${t}`;
  switch (format) {
    case "primitive": {
      if (!isPrimitive(t)) return fail(`${t} is not a StateFun primitive type; send it as JSON, text or base64`);
      const p = parsePrimitive(t, text);
      return p.ok ? { ok: true, value: { contentType, body: encodePrimitive(t, p.value) } } : p;
    }
    case "json":
      try {
        JSON.parse(text);
      } catch (e) {
        return fail(`not valid JSON: ${(e as Error).message}`);
      }
      return { ok: true, value: { contentType, body: text } };
    case "text":
      return { ok: true, value: { contentType, body: text } };
    case "base64":
      return isBase64(text) ? { ok: true, value: { contentType, body: base64ToBytes(normalizeBase64(text)) } } : fail("not standard base64");
  }
}
