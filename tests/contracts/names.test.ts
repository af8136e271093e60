import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { AddressParams } from "@/server/contracts/messages";
import { PatchState } from "@/server/contracts/state";
import { addressProblem, AddressString, checkAddressString, ID_MAX_BYTES, stateNameProblem, typenameProblem } from "@/server/contracts/names";

/**
 * One definition of names, every way in: what the NDJSON ingress (a target string) accepts, the path routes
 * (state, parked, history, single ingress: three segments) accept — and the reverse — for any string, including
 * NUL and other controls, lone surrogates, slashes, spaces and long ones; and nothing accepted can hold what
 * Postgres text cannot store.
 */
const tricky = fc.oneof(
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("a\u0000b", "\udc00", "\ud800x", "a b", "a/b", "é".repeat(1001), "€".repeat(700), "x".repeat(129), "ok", "greeter", "io.statefun.types", "_x-1.2:3+4~5@6$7"),
);
const segment = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._\-:+~@$]{0,20}$/), tricky);
const runs = Number(process.env.FUZZ_RUNS ?? 2000);

describe("names", () => {
  it("a target string is accepted exactly when its three path segments are", () => {
    fc.assert(
      fc.property(segment, segment, fc.oneof(tricky, fc.string({ maxLength: 30 })), (namespace, type, id) => {
        fc.pre(!namespace.includes("/") && !type.includes("/"));
        const viaString = checkAddressString(`${namespace}/${type}/${id}`).ok;
        const viaPath = AddressParams.safeParse({ namespace, type, id }).success;
        expect(viaString).toBe(viaPath);
        expect(AddressString.safeParse(`${namespace}/${type}/${id}`).success).toBe(viaPath);
        if (viaPath) {
          // storable: no NUL, valid UTF-16, an index row's worth at most
          const s = `${namespace}/${type}/${id}`;
          expect(s.includes("\0")).toBe(false);
          expect(Buffer.from(s).toString(), "valid UTF-16: survives UTF-8 unchanged").toBe(s);
          expect(Buffer.byteLength(id)).toBeLessThanOrEqual(ID_MAX_BYTES);
          // and a URL names it: the route decodes exactly these segments back
          expect(decodeURIComponent(encodeURIComponent(id))).toBe(id);
        }
      }),
      { numRuns: runs },
    );
  });

  it("state names and typenames accepted by PATCH are the ones a function may declare and write", () => {
    fc.assert(
      fc.property(tricky, tricky, (name, typename) => {
        fc.pre(name !== "__proto__"); // JSON.parse makes it a key; zod's record drops it (and names.ts refuses it)
        const patch = PatchState.safeParse({ expectedVersion: 0, set: { [name]: { typename, base64: "" } } }).success;
        expect(patch).toBe(stateNameProblem(name) === null && typenameProblem(typename) === null);
      }),
      { numRuns: runs },
    );
  });

  it("says what is wrong", () => {
    expect(addressProblem({ namespace: "a", type: "b", id: "x\u0000y" })).toBe('the id "x\\u0000y" holds a control character (NUL, tab, newline, …)');
    expect(addressProblem({ namespace: "a", type: "b c", id: "1" })).toBe('the type "b c" may hold only letters, digits and . _ - : + ~ @ $ (starting with a letter, digit or _)');
    expect(addressProblem({ namespace: "a", type: "b", id: "\udc00" })).toBe('the id "\\udc00" holds a lone UTF-16 surrogate (not valid Unicode)');
    expect(addressProblem({ namespace: "a", type: "b", id: "€".repeat(700) })).toBe("the id is 2100 bytes long in UTF-8; the limit is 2000");
    expect(typenameProblem("io.statefun.types/int")).toBeNull();
    expect(typenameProblem("type.googleapis.com/io.statefun.sdk.egress.KafkaProducerRecord")).toBeNull();
    expect(typenameProblem("a/b/c")).toMatch(/exactly one \//);
    expect(stateNameProblem("seen_count")).toBeNull();
    expect(stateNameProblem("1st")).toMatch(/identifier/);
  });
});
