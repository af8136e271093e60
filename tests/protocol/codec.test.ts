import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DESCRIPTOR_PATH, renderDescriptor } from "@/scripts/gen-proto";
import {
  decodeFromFunction,
  decodeToFunction,
  encodeFromFunction,
  encodeToFunction,
  MalformedMessageError,
  protoTypes,
} from "@/server/protocol/codec";
import { encodePrimitive, PRIMITIVE_TYPENAMES as T } from "@/server/protocol/typed-values";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, "utf8"));
const strHex = (s: string) => Buffer.from(s, "utf8").toString("hex");

describe("descriptor", () => {
  it("the committed descriptor.json is what scripts/gen-proto.ts generates from the .proto files", () => {
    expect(readFileSync(DESCRIPTOR_PATH, "utf8")).toBe(renderDescriptor());
  });
});

describe("ToFunction", () => {
  // protocol §2.4, observed from the Python SDK round trip.
  const observed =
    "a2064f" +
    "0a16" + "0a07" + strHex("example") + "1206" + strHex("person") + "1a03" + strHex("Bob") +
    "1208" + "0a06" + strHex("visits") +
    "1a2b" + "1229" + "0a14" + strHex("example/GreetRequest") + "1001" + "1a0f" + strHex('{"name": "Bob"}');

  it("encodes the observed §2.4 request byte for byte", () => {
    const encoded = encodeToFunction({
      invocation: {
        target: { namespace: "example", type: "person", id: "Bob" },
        state: [{ stateName: "visits" }],
        invocations: [{ argument: { typename: "example/GreetRequest", hasValue: true, value: utf8('{"name": "Bob"}') } }],
      },
    });
    expect(hex(encoded)).toBe(observed);
    expect(hex(encoded).startsWith("a206")).toBe(true);
  });

  it("decodes the observed request with absent caller and absent state value as null", () => {
    const msg = decodeToFunction(bytes(observed));
    const batch = msg.invocation!;
    expect(batch.target).toEqual({ namespace: "example", type: "person", id: "Bob" });
    expect(batch.state).toEqual([{ stateName: "visits", stateValue: null }]);
    expect(batch.invocations).toHaveLength(1);
    expect(batch.invocations[0]!.caller).toBeNull();
    expect(batch.invocations[0]!.argument!.typename).toBe("example/GreetRequest");
    expect(batch.invocations[0]!.argument!.hasValue).toBe(true);
    expect(Buffer.from(batch.invocations[0]!.argument!.value).toString()).toBe('{"name": "Bob"}');
  });

  it("keeps has_value=true with empty bytes apart from no value", () => {
    const zero = { typename: T.int, hasValue: true, value: new Uint8Array() };
    const none = { typename: T.int, hasValue: false, value: new Uint8Array() };
    const encoded = encodeToFunction({
      invocation: {
        target: { namespace: "a", type: "b", id: "c" },
        state: [
          { stateName: "zero", stateValue: zero },
          { stateName: "none", stateValue: none },
          { stateName: "unset" },
        ],
      },
    });
    // zero: 0a04"zero" 12{0a15<typename> 1001}; none: only the typename; unset: the name alone.
    expect(hex(encoded)).toContain("0a047a65726f" + "1219" + "0a15" + strHex(T.int) + "1001");
    expect(hex(encoded)).toContain("0a046e6f6e65" + "1217" + "0a15" + strHex(T.int) + "1207" + "0a05" + strHex("unset"));
    const state = decodeToFunction(encoded).invocation!.state;
    expect(state[0]!.stateValue!.hasValue).toBe(true);
    expect(state[0]!.stateValue!.value).toHaveLength(0);
    expect(state[1]!.stateValue!.hasValue).toBe(false);
    expect(state[1]!.stateValue!.value).toHaveLength(0);
    expect(state[2]!.stateValue).toBeNull();
  });

  it("throws a MalformedMessageError on truncated bytes", () => {
    expect(() => decodeToFunction(bytes(observed).subarray(0, 20))).toThrow(MalformedMessageError);
    expect(() => decodeToFunction(bytes(observed).subarray(0, 20))).toThrow(/malformed ToFunction \(20 bytes\)/);
  });
});

describe("FromFunction", () => {
  it("decodes the observed Python incomplete context, whose empty expiration_spec means NONE", () => {
    const reply = bytes("aa0623 0a21 0a06" + strHex("visits") + "1200 1a15" + strHex("io.statefun.types/int"));
    expect(decodeFromFunction(reply)).toEqual({
      incompleteInvocationContext: {
        missingValues: [
          { stateName: "visits", typeTypename: "io.statefun.types/int", expirationSpec: { mode: "NONE", expireAfterMillis: 0 } },
        ],
      },
    });
  });

  it("reads an absent expiration_spec (JS SDK) as NONE as well", () => {
    const reply = bytes("aa0621 0a1f 0a06" + strHex("visits") + "1a15" + strHex("io.statefun.types/int"));
    const spec = decodeFromFunction(reply).incompleteInvocationContext!.missingValues[0]!;
    expect(spec.expirationSpec).toEqual({ mode: "NONE", expireAfterMillis: 0 });
  });

  it("round-trips TTL specs with int64 millis as JS numbers", () => {
    const encoded = encodeFromFunction({
      incompleteInvocationContext: {
        missingValues: [
          { stateName: "a", typeTypename: T.string, expirationSpec: { mode: "AFTER_WRITE", expireAfterMillis: 7 * 86_400_000 } },
          { stateName: "b", typeTypename: "", expirationSpec: { mode: "AFTER_INVOKE", expireAfterMillis: 1500 } },
        ],
      },
    });
    expect(hex(encoded).startsWith("aa06")).toBe(true);
    const [a, b] = decodeFromFunction(encoded).incompleteInvocationContext!.missingValues;
    expect(a!.expirationSpec).toEqual({ mode: "AFTER_WRITE", expireAfterMillis: 604_800_000 });
    expect(b).toEqual({ stateName: "b", typeTypename: "", expirationSpec: { mode: "AFTER_INVOKE", expireAfterMillis: 1500 } });
  });

  it("reads a mutation without mutation_type as DELETE (§2.10), and DELETE never reaches the wire", () => {
    const wire = "a20608 0a06 1204" + strHex("note");
    expect(decodeFromFunction(bytes(wire))).toEqual({
      invocationResult: {
        stateMutations: [{ mutationType: "DELETE", stateName: "note", stateValue: null }],
        outgoingMessages: [],
        delayedInvocations: [],
        outgoingEgresses: [],
      },
    });
    expect(hex(encodeFromFunction({ invocationResult: { stateMutations: [{ mutationType: "DELETE", stateName: "note" }] } }))).toBe(
      wire.replace(/\s/g, ""),
    );
  });

  it("decodes the §2.10 greeter reply: MODIFY visits=1 and a message to example/greeter/Bob", () => {
    const reply = encodeFromFunction({
      invocationResult: {
        stateMutations: [
          { mutationType: "MODIFY", stateName: "visits", stateValue: { typename: T.int, hasValue: true, value: bytes("0d01000000") } },
        ],
        outgoingMessages: [
          {
            target: { namespace: "example", type: "greeter", id: "Bob" },
            argument: { typename: "example/GreetRequest", hasValue: true, value: utf8('{"name": "Bob", "visits": 1}') },
          },
        ],
      },
    });
    const result = decodeFromFunction(reply).invocationResult!;
    expect(result.stateMutations[0]!.mutationType).toBe("MODIFY");
    expect(hex(result.stateMutations[0]!.stateValue!.value)).toBe("0d01000000");
    expect(result.outgoingMessages[0]!.target).toEqual({ namespace: "example", type: "greeter", id: "Bob" });
  });

  it("decodes delayed sends and cancellations with delay_in_ms as a number", () => {
    const reply = encodeFromFunction({
      invocationResult: {
        delayedInvocations: [
          { delayInMs: 600_000, target: { namespace: "a", type: "b", id: "c" }, cancellationToken: "t1" },
          { isCancellationRequest: true, cancellationToken: "t1" },
        ],
      },
    });
    const [send, cancel] = decodeFromFunction(reply).invocationResult!.delayedInvocations;
    expect(send).toMatchObject({ delayInMs: 600_000, isCancellationRequest: false, cancellationToken: "t1", argument: null });
    expect(typeof send!.delayInMs).toBe("number");
    expect(cancel).toMatchObject({ delayInMs: 0, isCancellationRequest: true, cancellationToken: "t1", target: null });
  });

  it("reads an empty body as 'done, no side effects' and the JS SDK's empty result as an empty response", () => {
    expect(decodeFromFunction(new Uint8Array())).toEqual({});
    expect(decodeFromFunction(bytes("a20600")).invocationResult).toEqual({
      stateMutations: [],
      outgoingMessages: [],
      delayedInvocations: [],
      outgoingEgresses: [],
    });
  });

  it("throws MalformedMessageError on garbage and on unknown enum values", () => {
    expect(() => decodeFromFunction(utf8("<html>oops</html>"))).toThrow(MalformedMessageError);
    expect(() => decodeFromFunction(bytes("a206ff"))).toThrow(/malformed FromFunction \(3 bytes\)/);
    // mutation_type = 7
    expect(() => decodeFromFunction(bytes("a2060a 0a08 0807 1204" + strHex("note")))).toThrow(/unknown MutationType 7/);
    // mode = 9
    expect(() => decodeFromFunction(bytes("aa0609 0a07 0a01" + strHex("x") + "1202 0809"))).toThrow(/unknown ExpireMode 9/);
  });
});

describe("primitive wrappers (protocol §1.3 table)", () => {
  const table: [string, Uint8Array, string][] = [
    ["bool true", encodePrimitive(T.bool, true), "0801"],
    ["bool false", encodePrimitive(T.bool, false), ""],
    ["int 1", encodePrimitive(T.int, 1), "0d01000000"],
    ["int -1", encodePrimitive(T.int, -1), "0dffffffff"],
    ["int 0", encodePrimitive(T.int, 0), ""],
    ["long 5", encodePrimitive(T.long, 5), "090500000000000000"],
    ["long 0", encodePrimitive(T.long, 0n), ""],
    ["float 1.5", encodePrimitive(T.float, 1.5), "0d0000c03f"],
    ["double 1.5", encodePrimitive(T.double, 1.5), "09000000000000f83f"],
    ["string hi", encodePrimitive(T.string, "hi"), "0a026869"],
    ["string empty", encodePrimitive(T.string, ""), ""],
  ];
  it.each(table)("%s", (_name, encoded, expected) => {
    expect(hex(encoded)).toBe(expected);
  });

  it("uses sfixed32/sfixed64 wrappers from the compiled schema", () => {
    expect(protoTypes.IntWrapper.fields.value!.type).toBe("sfixed32");
    expect(protoTypes.LongWrapper.fields.value!.type).toBe("sfixed64");
  });
});
