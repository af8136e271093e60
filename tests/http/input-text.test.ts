import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NextRequest } from "next/server";
import { proxy } from "@/proxy";
import { findUnstorable, MAX_DEPTH, unstorableProblem, urlTextProblem } from "@/server/contracts/stored-text";
import { undecodableSegment } from "@/server/http/path-escapes";

const runs = Number(process.env.FUZZ_RUNS ?? 2000);

describe("text no field can store", () => {
  it("is a NUL or a lone surrogate, anywhere in the string; a surrogate pair is fine", () => {
    for (const bad of ["\u0000", "ad\u0000min", "\udc00", "mo\ud800d", "x\ud800"]) expect(unstorableProblem(bad), JSON.stringify(bad)).not.toBeNull();
    for (const ok of ["", "admin", "tab\there", "line\nbreak", "\u{1F600}", "é€"]) expect(unstorableProblem(ok), JSON.stringify(ok)).toBeNull();
  });

  it("in URLs also any control character", () => {
    for (const bad of ["\t", "a\nb", "\u007f", "\u0085", "\u0000"]) expect(urlTextProblem(bad), JSON.stringify(bad)).not.toBeNull();
    expect(urlTextProblem("0-0")).toBeNull();
  });

  it("is found at its path in a body, keys included, without echoing the value", () => {
    expect(findUnstorable({ a: [1, { b: "ok" }, { c: "x\u0000" }] })).toEqual({ path: ["a", 2, "c"], problem: expect.stringMatching(/NUL/) });
    expect(findUnstorable({ set: { "\udc00": { value: 1 } } })).toEqual({ path: ["set"], problem: expect.stringMatching(/^has a key that holds a lone UTF-16 surrogate/) });
    expect(findUnstorable({ password: "secret\u0000" })!.problem).not.toContain("secret");
    expect(findUnstorable({ a: 1, b: [true, null, "fine"] })).toBeNull();
  });

  it("reports nesting too deep for a recursive reader instead of overflowing the stack", () => {
    const deep = JSON.parse("[".repeat(100_000) + "]".repeat(100_000));
    expect(findUnstorable(deep)!.problem).toMatch(/nested deeper than/);
    const shallow = JSON.parse("[".repeat(MAX_DEPTH) + "]".repeat(MAX_DEPTH));
    expect(findUnstorable(shallow)).toBeNull();
  });

  it("agrees with String.isWellFormed and NUL for any string", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 30 }), fc.constantFrom("\ud800", "\udc00x", "\ud800\udc00", "\u0000")), (s) => {
        const wellFormed = (s as unknown as { isWellFormed(): boolean }).isWellFormed();
        expect(unstorableProblem(s) === null).toBe(wellFormed && !s.includes("\u0000"));
      }),
      { numRuns: runs },
    );
  });
});

/** A path segment as a client may send it: percent-escapes valid or not, raw characters. */
const rawSegment = fc.oneof(
  fc.constantFrom("%ff", "%", "%f", "%zz", "%e0%a4", "%E0%A4%A", "%ed%a0%80", "%c0%af", "%00", "%25ff", "%e2%82%ac", "abc", "a%20b", "%F0%9F%98%80"),
  fc.array(fc.oneof(fc.constantFrom("%", "%f", "%ff", "%c3", "%a9", "%00", "%25"), fc.stringMatching(/^[A-Za-z0-9._~-]{0,4}$/)), { maxLength: 6 }).map((p) => p.join("")),
);

describe("the proxy in front of Next's router", () => {
  it("answers a path segment that does not decode with a 400 JSON error body, and lets every other request through", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("/api/v1/applications/", "/api/v1/jobs/", "/api/v1/ingress/modns/t/", "/api/v1/state/ns/t/"), rawSegment, async (prefix, segment) => {
        const res = proxy(new NextRequest(`http://127.0.0.1:3000${prefix}${segment}`));
        let decodes = true;
        try {
          decodeURIComponent(segment);
        } catch {
          decodes = false;
        }
        if (decodes) {
          expect(res, segment).toBeUndefined();
          return;
        }
        expect(res, segment).toBeInstanceOf(Response);
        expect(res!.status).toBe(400);
        const body = await res!.json();
        expect(body.error.code).toBe("bad-request");
        expect(body.error.message).toContain("percent-encoded");
      }),
      { numRuns: runs },
    );
  });

  it("names the segment", () => {
    expect(undecodableSegment("/api/v1/ingress/modns/t/%ff")).toBe("%ff");
    expect(undecodableSegment("/api/v1/applications/%e2%82%ac")).toBeNull();
  });
});
