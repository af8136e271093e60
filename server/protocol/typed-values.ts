/**
 * `TypedValue.value` payloads: StateFun's primitive wrappers (protocol §1.3), UTF-8 JSON custom types, and a
 * best-effort description of arbitrary values for the console.
 *
 * Each primitive is a one-field wrapper message, never the raw primitive: int 1 is `0d 01 00 00 00`, and a zero,
 * false or "" encodes to zero bytes, which is why `TypedValue.has_value` exists.
 */
import type { Type } from "protobufjs/light.js";
import { protoTypes } from "./codec";

export const PRIMITIVE_TYPENAMES = {
  bool: "io.statefun.types/bool",
  int: "io.statefun.types/int",
  long: "io.statefun.types/long",
  float: "io.statefun.types/float",
  double: "io.statefun.types/double",
  string: "io.statefun.types/string",
} as const;

export type PrimitiveTypename = (typeof PRIMITIVE_TYPENAMES)[keyof typeof PRIMITIVE_TYPENAMES];

/** What `decodePrimitive` returns per typename. `long` is a bigint because sfixed64 exceeds 2^53. */
export interface PrimitiveValues {
  "io.statefun.types/bool": boolean;
  "io.statefun.types/int": number;
  "io.statefun.types/long": bigint;
  "io.statefun.types/float": number;
  "io.statefun.types/double": number;
  "io.statefun.types/string": string;
}

/** What `encodePrimitive` accepts: as decoded, plus a safe-integer number for `long`. */
export type PrimitiveInputs = Omit<PrimitiveValues, "io.statefun.types/long"> & {
  "io.statefun.types/long": bigint | number;
};

const WRAPPERS: Record<PrimitiveTypename, Type> = {
  "io.statefun.types/bool": protoTypes.BooleanWrapper,
  "io.statefun.types/int": protoTypes.IntWrapper,
  "io.statefun.types/long": protoTypes.LongWrapper,
  "io.statefun.types/float": protoTypes.FloatWrapper,
  "io.statefun.types/double": protoTypes.DoubleWrapper,
  "io.statefun.types/string": protoTypes.StringWrapper,
};

export function isPrimitiveTypename(typename: string): typename is PrimitiveTypename {
  return Object.hasOwn(WRAPPERS, typename);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function checkedWrapperValue(typename: PrimitiveTypename, value: unknown): unknown {
  const fail = (expected: string) => new TypeError(`${typename} expects ${expected}, got ${typeof value} ${String(value)}`);
  switch (typename) {
    case "io.statefun.types/bool":
      if (typeof value !== "boolean") throw fail("a boolean");
      return value;
    case "io.statefun.types/int":
      if (!Number.isInteger(value) || (value as number) < -(2 ** 31) || (value as number) > 2 ** 31 - 1)
        throw fail("an integer in the int32 range");
      return value;
    case "io.statefun.types/long": {
      if (typeof value === "number" && !Number.isSafeInteger(value)) throw fail("a safe integer or a bigint");
      if (typeof value !== "number" && typeof value !== "bigint") throw fail("a safe integer or a bigint");
      const big = BigInt(value);
      if (big < INT64_MIN || big > INT64_MAX) throw fail("a value in the int64 range");
      // protobufjs' Long.fromValue does not take bigints; a decimal string is exact.
      return big.toString();
    }
    case "io.statefun.types/float":
    case "io.statefun.types/double":
      if (typeof value !== "number") throw fail("a number");
      return value;
    case "io.statefun.types/string":
      if (typeof value !== "string") throw fail("a string");
      return value;
  }
}

export function encodePrimitive<T extends PrimitiveTypename>(typename: T, value: PrimitiveInputs[T]): Uint8Array {
  const wrapper = WRAPPERS[typename];
  if (!wrapper) throw new TypeError(`${typename} is not a StateFun primitive type`);
  return wrapper.encode(wrapper.fromObject({ value: checkedWrapperValue(typename, value) })).finish();
}

const LONG_AS_BIGINT = { longs: BigInt, defaults: true } as const;
const PLAIN = { defaults: true } as const;

/** Throws a TypeError naming the typename when the bytes are not that wrapper (e.g. raw UTF-8 sent as a string). */
export function decodePrimitive<T extends PrimitiveTypename>(typename: T, bytes: Uint8Array): PrimitiveValues[T] {
  const wrapper = WRAPPERS[typename];
  if (!wrapper) throw new TypeError(`${typename} is not a StateFun primitive type`);
  try {
    const obj = wrapper.toObject(wrapper.decode(bytes), typename === PRIMITIVE_TYPENAMES.long ? LONG_AS_BIGINT : PLAIN);
    return obj.value as PrimitiveValues[T];
  } catch (e) {
    throw new TypeError(`bytes are not a valid ${typename} wrapper: ${(e as Error).message}`, { cause: e });
  }
}

const utf8Encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The playground's custom types (`StateFun.jsonType`, `make_json_type`): UTF-8 JSON. */
export function encodeJson(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`cannot encode ${typeof value} as JSON`);
  return utf8Encoder.encode(text);
}

export function decodeJson(bytes: Uint8Array): unknown {
  return JSON.parse(strictUtf8.decode(bytes));
}

// ---------------------------------------------------------------------------------------------------------------
// describeValue
// ---------------------------------------------------------------------------------------------------------------

export type ValueKind = "absent" | "primitive" | "protobuf" | "json" | "text" | "binary";

export interface ValueDescription {
  typename: string;
  hasValue: boolean;
  kind: ValueKind;
  /** JSON-safe decoded value: a long beyond 2^53 becomes a decimal string; absent and binary values have none. */
  value?: unknown;
  /** Why a value whose typename promises a format (e.g. a primitive) could not be decoded as such. */
  error?: string;
  sizeBytes: number;
  base64: string;
}

const EGRESS_RECORDS: Record<string, Type> = {
  "type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord": protoTypes.KafkaProducerRecord,
  "type.googleapis.com/io.statefun.sdk.egress.KinesisEgressRecord": protoTypes.KinesisEgressRecord,
};

// Control characters other than tab, newline and carriage return mark bytes as binary rather than text.
const NON_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

function asText(bytes: Uint8Array): string | null {
  try {
    const text = strictUtf8.decode(bytes);
    return NON_TEXT.test(text) ? null : text;
  } catch {
    return null;
  }
}

function jsonSafe(v: unknown): unknown {
  if (typeof v !== "bigint") return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
}

/**
 * A console-friendly view of a stored or in-flight value: decoded when the typename or the bytes allow it
 * (primitives, the Kafka/Kinesis egress records, JSON, plain text), and always the raw bytes as base64.
 */
export function describeValue(typename: string, bytes: Uint8Array, hasValue: boolean): ValueDescription {
  const base = { typename, hasValue, sizeBytes: bytes.length, base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64") };
  if (!hasValue) return { ...base, kind: "absent" };

  let error: string | undefined;
  if (isPrimitiveTypename(typename)) {
    try {
      return { ...base, kind: "primitive", value: jsonSafe(decodePrimitive(typename, bytes)) };
    } catch (e) {
      error = (e as Error).message;
    }
  }
  const record = EGRESS_RECORDS[typename];
  if (record) {
    try {
      const value = record.toObject(record.decode(bytes), { defaults: true, bytes: String });
      return { ...base, kind: "protobuf", value };
    } catch (e) {
      error = `bytes are not a valid ${typename}: ${(e as Error).message}`;
    }
  }

  const text = asText(bytes);
  if (text === null) return { ...base, kind: "binary", ...(error ? { error } : {}) };
  if (text.length > 0) {
    try {
      return { ...base, kind: "json", value: JSON.parse(text), ...(error ? { error } : {}) };
    } catch {
      // not JSON: fall through to plain text
    }
  }
  return { ...base, kind: "text", value: text, ...(error ? { error } : {}) };
}
