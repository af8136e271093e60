import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { checkEdit, editText, encodePrimitive, hexDump, messageBody, parsePrimitive, PRIMITIVE, utf8ToBase64 } from "@/app/lib/address-values";
import { decodePrimitive, describeValue, encodePrimitive as serverEncode } from "@/server/protocol/typed-values";

/**
 * The address page's value rules (app/lib/address-values.ts): the browser encodes primitive messages itself and
 * checks edits before a PATCH, so both must agree with the server's codec and ranges.
 */
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("primitive wrappers encoded in the browser are the server's bytes", () => {
  it("int, long, float, double, bool and string, zero values included", () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => hex(encodePrimitive(PRIMITIVE.int, n)) === hex(serverEncode(PRIMITIVE.int, n))));
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => hex(encodePrimitive(PRIMITIVE.long, n.toString())) === hex(serverEncode(PRIMITIVE.long, n))));
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => hex(encodePrimitive(PRIMITIVE.double, n)) === hex(serverEncode(PRIMITIVE.double, n))));
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (n) => hex(encodePrimitive(PRIMITIVE.float, n)) === hex(serverEncode(PRIMITIVE.float, n))));
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 300 }), (s) => hex(encodePrimitive(PRIMITIVE.string, s)) === hex(serverEncode(PRIMITIVE.string, s))));
    for (const b of [true, false]) expect(hex(encodePrimitive(PRIMITIVE.bool, b))).toBe(hex(serverEncode(PRIMITIVE.bool, b)));
    // found by the property above (seed -521887926): -0 keeps its sign bit on the wire
    for (const t of [PRIMITIVE.double, PRIMITIVE.float]) expect(hex(encodePrimitive(t, -0))).toBe(hex(serverEncode(t, -0)));
  });
});

describe("edits are checked against the value's type before a PATCH", () => {
  it("int and long ranges, exact longs beyond 2^53", () => {
    expect(parsePrimitive(PRIMITIVE.int, "2147483647")).toEqual({ ok: true, value: 2147483647 });
    expect(parsePrimitive(PRIMITIVE.int, "2147483648").ok).toBe(false);
    expect(parsePrimitive(PRIMITIVE.int, "1.5").ok).toBe(false);
    expect(parsePrimitive(PRIMITIVE.long, "9223372036854775807")).toEqual({ ok: true, value: "9223372036854775807" });
    expect(parsePrimitive(PRIMITIVE.long, "9223372036854775808").ok).toBe(false);
    expect(parsePrimitive(PRIMITIVE.long, " -12 ")).toEqual({ ok: true, value: -12 });
  });

  it("floats are finite and within float32, bools are true or false, strings are anything", () => {
    expect(parsePrimitive(PRIMITIVE.float, "3.5e38").ok).toBe(false);
    expect(parsePrimitive(PRIMITIVE.double, "3.5e38")).toEqual({ ok: true, value: 3.5e38 });
    expect(parsePrimitive(PRIMITIVE.double, "1e999").ok).toBe(false);
    expect(parsePrimitive(PRIMITIVE.double, "NaN").ok).toBe(false);
    expect(parsePrimitive(PRIMITIVE.bool, "yes").ok).toBe(false);
    expect(parsePrimitive(PRIMITIVE.string, "  keep spaces ")).toEqual({ ok: true, value: "  keep spaces " });
  });

  it("JSON must parse; text is stored as its UTF-8 bytes; base64 must be base64", () => {
    expect(checkEdit("example/T", "json", '{"a":')).toMatchObject({ ok: false });
    expect(checkEdit("example/T", "json", '{"a": 1}')).toEqual({ ok: true, value: { value: { a: 1 } } });
    expect(checkEdit("example/T", "text", "héllo")).toEqual({ ok: true, value: { base64: Buffer.from("héllo").toString("base64") } });
    expect(checkEdit("example/T", "base64", "AAE=\n")).toEqual({ ok: true, value: { base64: "AAE=" } });
    expect(checkEdit("example/T", "base64", "AAE").ok).toBe(false);
  });

  it("a value's edit text round-trips through the server's encoding to the same view", () => {
    for (const [typename, v] of [[PRIMITIVE.int, 7], [PRIMITIVE.string, "a\nb"], [PRIMITIVE.bool, true], [PRIMITIVE.long, "9007199254740993"]] as const) {
      const bytes = serverEncode(typename, typename === PRIMITIVE.long ? BigInt(v) : (v as never));
      const view = describeValue(typename, bytes, true);
      const checked = checkEdit(typename, "primitive", editText(view, "primitive"));
      expect(checked.ok).toBe(true);
      const set = (checked as { value: { value: unknown } }).value.value;
      expect(String(decodePrimitive(typename, serverEncode(typename, (typename === PRIMITIVE.long ? BigInt(set as string) : set) as never)))).toBe(String(v));
    }
  });
});

describe("message bodies", () => {
  it("carry the typename in the Content-Type; text/plain is the string shortcut", () => {
    expect(messageBody("example/GreetRequest", "json", '{"name":"Ann"}')).toEqual({ ok: true, value: { contentType: "application/vnd.example/GreetRequest", body: '{"name":"Ann"}' } });
    expect(messageBody("", "plain", "hi")).toEqual({ ok: true, value: { contentType: "text/plain; charset=utf-8", body: "hi" } });
    expect(messageBody("no-slash", "json", "{}").ok).toBe(false);
    const int = messageBody(PRIMITIVE.int, "primitive", "5");
    expect(int.ok && hex(int.value.body as Uint8Array)).toBe(hex(serverEncode(PRIMITIVE.int, 5)));
    expect(messageBody("example/X", "primitive", "5").ok).toBe(false);
  });

  it("hex dumps 16 bytes a line", () => {
    expect(hexDump(utf8ToBase64("0123456789abcdefX")).text).toBe("30 31 32 33 34 35 36 37 38 39 61 62 63 64 65 66\n58");
  });
});
