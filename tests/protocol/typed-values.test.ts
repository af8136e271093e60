import { describe, expect, it } from "vitest";
import { protoTypes } from "@/server/protocol/codec";
import {
  decodeJson,
  decodePrimitive,
  describeValue,
  encodeJson,
  encodePrimitive,
  isPrimitiveTypename,
  PRIMITIVE_TYPENAMES as T,
} from "@/server/protocol/typed-values";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

describe("primitives", () => {
  it("round-trip through their wrappers", () => {
    for (const v of [true, false]) expect(decodePrimitive(T.bool, encodePrimitive(T.bool, v))).toBe(v);
    for (const v of [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)]) expect(decodePrimitive(T.int, encodePrimitive(T.int, v))).toBe(v);
    for (const v of [0n, 5n, -5n, 2n ** 63n - 1n, -(2n ** 63n), 9_007_199_254_740_993n])
      expect(decodePrimitive(T.long, encodePrimitive(T.long, v))).toBe(v);
    expect(decodePrimitive(T.long, encodePrimitive(T.long, -42))).toBe(-42n);
    for (const v of [0, 1.5, -2.25]) expect(decodePrimitive(T.float, encodePrimitive(T.float, v))).toBe(v);
    expect(decodePrimitive(T.float, encodePrimitive(T.float, 0.1))).toBeCloseTo(0.1, 6);
    for (const v of [0, 0.1, -1e300]) expect(decodePrimitive(T.double, encodePrimitive(T.double, v))).toBe(v);
    for (const v of ["", "hi", "grüße 👋"]) expect(decodePrimitive(T.string, encodePrimitive(T.string, v))).toBe(v);
  });

  it("read empty bytes as the zero value", () => {
    const empty = new Uint8Array();
    expect(decodePrimitive(T.bool, empty)).toBe(false);
    expect(decodePrimitive(T.int, empty)).toBe(0);
    expect(decodePrimitive(T.long, empty)).toBe(0n);
    expect(decodePrimitive(T.float, empty)).toBe(0);
    expect(decodePrimitive(T.double, empty)).toBe(0);
    expect(decodePrimitive(T.string, empty)).toBe("");
  });

  it("agree with the schema's own wrapper encoding", () => {
    const viaSchema = protoTypes.IntWrapper.encode({ value: -7 }).finish();
    expect(hex(encodePrimitive(T.int, -7))).toBe(hex(viaSchema));
  });

  it("refuse values their wire type cannot carry instead of wrapping them", () => {
    expect(() => encodePrimitive(T.int, 2 ** 31)).toThrow(/int32 range/);
    expect(() => encodePrimitive(T.int, 1.5)).toThrow(TypeError);
    expect(() => encodePrimitive(T.long, 2 ** 60)).toThrow(/safe integer/);
    expect(() => encodePrimitive(T.long, 2n ** 63n)).toThrow(/int64 range/);
    expect(() => encodePrimitive(T.bool, 1 as unknown as boolean)).toThrow(/boolean/);
    expect(() => encodePrimitive("io.statefun.types/unset" as typeof T.int, 1)).toThrow(/not a StateFun primitive/);
  });

  it("reject raw UTF-8 sent as io.statefun.types/string, as the SDKs do (§1.3)", () => {
    expect(() => decodePrimitive(T.string, utf8("Bob"))).toThrow(/not a valid io\.statefun\.types\/string wrapper/);
  });

  it("are recognised by typename", () => {
    expect(isPrimitiveTypename("io.statefun.types/long")).toBe(true);
    expect(isPrimitiveTypename("example/GreetRequest")).toBe(false);
    expect(isPrimitiveTypename("toString")).toBe(false);
  });
});

describe("JSON custom types", () => {
  it("are UTF-8 JSON", () => {
    expect(Buffer.from(encodeJson({ name: "Bob" })).toString()).toBe('{"name":"Bob"}');
    expect(decodeJson(utf8('{"name": "Bob", "visits": 1}'))).toEqual({ name: "Bob", visits: 1 });
    expect(() => decodeJson(new Uint8Array([0x7b, 0xff, 0x7d]))).toThrow();
    expect(() => encodeJson(undefined)).toThrow(/cannot encode/);
  });
});

describe("describeValue", () => {
  it("says absent when has_value is false, whatever the bytes", () => {
    expect(describeValue(T.int, new Uint8Array(), false)).toEqual({
      typename: T.int,
      hasValue: false,
      kind: "absent",
      sizeBytes: 0,
      base64: "",
    });
  });

  it("decodes primitives, including the zero value of empty bytes", () => {
    const one = encodePrimitive(T.int, 1);
    expect(describeValue(T.int, one, true)).toEqual({
      typename: T.int,
      hasValue: true,
      kind: "primitive",
      value: 1,
      sizeBytes: 5,
      base64: b64(one),
    });
    expect(describeValue(T.int, new Uint8Array(), true)).toMatchObject({ kind: "primitive", value: 0 });
    expect(describeValue(T.bool, new Uint8Array(), true)).toMatchObject({ kind: "primitive", value: false });
  });

  it("gives longs as numbers while safe and as decimal strings beyond 2^53", () => {
    expect(describeValue(T.long, encodePrimitive(T.long, 5), true).value).toBe(5);
    expect(describeValue(T.long, encodePrimitive(T.long, 2n ** 62n), true).value).toBe("4611686018427387904");
  });

  it("parses JSON custom types and keeps the bytes as base64", () => {
    const bytes = utf8('{"basket":{"socks":3}}');
    expect(describeValue("com.example/Basket", bytes, true)).toMatchObject({
      kind: "json",
      value: { basket: { socks: 3 } },
      base64: b64(bytes),
    });
  });

  it("shows raw text sent as a string type as text, with the reason it is not a wrapper", () => {
    const d = describeValue(T.string, utf8("Bob"), true);
    expect(d.kind).toBe("text");
    expect(d.value).toBe("Bob");
    expect(d.error).toMatch(/not a valid io\.statefun\.types\/string wrapper/);
  });

  it("decodes the Kafka egress record", () => {
    const record = protoTypes.KafkaProducerRecord.encode({ key: "k", valueBytes: utf8("v"), topic: "greets" }).finish();
    const d = describeValue("type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord", record, true);
    expect(d).toMatchObject({ kind: "protobuf", value: { key: "k", topic: "greets", valueBytes: b64(utf8("v")) } });
  });

  it("leaves unknown binary as base64 only", () => {
    const bytes = new Uint8Array([0x00, 0x01, 0xfe, 0xff]);
    const d = describeValue("com.example/Blob", bytes, true);
    expect(d.kind).toBe("binary");
    expect(d.value).toBeUndefined();
    expect(d.base64).toBe("AAH+/w==");
  });
});
