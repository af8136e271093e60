import { z } from "zod";

/**
 * The one definition of the names that reach storage — namespaces, function types, ids, typenames, state
 * names — used by every way in: the single and NDJSON ingress, a function's reply (messages, delayed messages,
 * egress records, declared state), the state/parked/history/egress routes, PATCH, the module YAML and the
 * savepoint import. Whatever one path accepts, every other can store (Postgres text holds no NUL; a lone
 * UTF-16 surrogate has no UTF-8 form; an index row holds at most ~2.7 kB) and address (a path segment names it).
 *
 * Plain functions return what is wrong (or null) so the dispatch hot path checks without allocating; the zod
 * schemas below wrap the same functions for the HTTP contracts.
 */

/** C0 and C1 control characters (NUL among them) and DEL. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const NAMESPACE_MAX = 128;
export const TYPE_MAX = 128;
export const ID_MAX_CHARS = 1000;
/** Bytes of an id in UTF-8: the whole address stays well under a Postgres index row (2,704 bytes). */
export const ID_MAX_BYTES = 2000;
export const TYPENAME_MAX = 500;
export const STATE_NAME_MAX = 200;

/** Namespace and type: letters, digits and `. _ - : + ~ @ $`, starting with a letter, digit or `_`. */
const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._\-:+~@$]*$/;
const SEGMENT_RULE = "letters, digits and . _ - : + ~ @ $ (starting with a letter, digit or _)";
/** State names: identifiers as the StateFun SDKs declare them (Java, Python, JS), with `.`, `-` and `$` too. */
const STATE_NAME_RE = /^[A-Za-z_$][A-Za-z0-9_$.-]*$/;
/** Either part of a typename: anything printable but `/` and white space (`type.googleapis.com/a.b.C`). */
const TYPENAME_PART_RE = /^[^/\s\u0000-\u001f\u007f-\u009f]+$/;

/** Shown in place of a character a message cannot print (NUL, controls, lone surrogates). */
export const printable = (s: string, max = 120): string => {
  const j = JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
  return j.slice(1, -1);
};

/** UTF-8 length of a string without lone surrogates (contracts run in the browser too: no Buffer). */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** `secret`: the message leaves the value out (a password must not come back in an error body). */
function textProblem(s: unknown, what: string, secret = false): string | null {
  if (typeof s !== "string") return `${what} must be a string`;
  if (s.length === 0) return `${what} must not be empty`;
  const shown = secret ? what : `${what} "${printable(s)}"`;
  if (LONE_SURROGATE.test(s)) return `${shown} holds a lone UTF-16 surrogate (not valid Unicode)`;
  if (CONTROL.test(s)) return `${shown} holds a control character (NUL, tab, newline, …)`;
  return null;
}

function segmentProblem(s: unknown, what: string, max: number): string | null {
  const t = textProblem(s, what);
  if (t) return t;
  const v = s as string;
  if (v.length > max) return `${what} is ${v.length} characters long; the limit is ${max}`;
  if (!SEGMENT_RE.test(v)) return `${what} "${printable(v)}" may hold only ${SEGMENT_RULE}`;
  return null;
}

export const namespaceProblem = (s: unknown, what = "the namespace") => segmentProblem(s, what, NAMESPACE_MAX);
export const typeProblem = (s: unknown, what = "the type") => segmentProblem(s, what, TYPE_MAX);

export function idProblem(s: unknown, what = "the id"): string | null {
  const t = textProblem(s, what);
  if (t) return t;
  const v = s as string;
  if (v.length > ID_MAX_CHARS) return `${what} is ${v.length} characters long; the limit is ${ID_MAX_CHARS}`;
  const bytes = utf8Length(v);
  if (bytes > ID_MAX_BYTES) return `${what} is ${bytes} bytes long in UTF-8; the limit is ${ID_MAX_BYTES}`;
  return null;
}

export function typenameProblem(s: unknown, what = "the typename"): string | null {
  const t = textProblem(s, what);
  if (t) return t;
  const v = s as string;
  if (v.length > TYPENAME_MAX) return `${what} is ${v.length} characters long; the limit is ${TYPENAME_MAX}`;
  const slash = v.indexOf("/");
  if (slash < 0 || v.indexOf("/", slash + 1) >= 0 || !TYPENAME_PART_RE.test(v.slice(0, slash)) || !TYPENAME_PART_RE.test(v.slice(slash + 1)))
    return `${what} "${printable(v)}" must be namespace/name: exactly one / with non-empty parts and no spaces`;
  return null;
}

export function stateNameProblem(s: unknown, what = "the state name"): string | null {
  const t = textProblem(s, what);
  if (t) return t;
  const v = s as string;
  if (v.length > STATE_NAME_MAX) return `${what} is ${v.length} characters long; the limit is ${STATE_NAME_MAX}`;
  if (!STATE_NAME_RE.test(v)) return `${what} "${printable(v)}" must be an identifier: letters, digits, _ $ . - (not starting with a digit, . or -)`;
  // JSON objects keyed by state name (PATCH `set`) cannot hold this key as data
  if (v === "__proto__") return `${what} "__proto__" is reserved`;
  return null;
}

/** `ns/type` of a function type, or what is wrong with it. */
export function functionTypeProblem(namespace: unknown, type: unknown): string | null {
  return namespaceProblem(namespace) ?? typeProblem(type);
}

/** What is wrong with an address given by its parts, or null. */
export function addressProblem(a: { namespace: unknown; type: unknown; id: unknown }): string | null {
  return namespaceProblem(a.namespace) ?? typeProblem(a.type) ?? idProblem(a.id);
}

/**
 * `ns/type/id` split and checked: namespace and type contain no `/`, the id is everything after the second `/`.
 * Returns the parts, or what is wrong.
 */
export function checkAddressString(s: unknown): { ok: true; namespace: string; type: string; id: string } | { ok: false; problem: string } {
  if (typeof s !== "string") return { ok: false, problem: "the target must be a string namespace/type/id" };
  const a = s.indexOf("/");
  const b = a < 0 ? -1 : s.indexOf("/", a + 1);
  if (a <= 0 || b <= a + 1 || b === s.length - 1) return { ok: false, problem: `the target "${printable(s)}" must be namespace/type/id` };
  const parts = { namespace: s.slice(0, a), type: s.slice(a + 1, b), id: s.slice(b + 1) };
  const p = addressProblem(parts);
  return p ? { ok: false, problem: p } : { ok: true, ...parts };
}

/** A zod string checked by one of the functions above (its message is the function's). */
const checked = (problem: (s: unknown) => string | null) =>
  z.string().superRefine((s, ctx) => {
    const p = problem(s);
    if (p) ctx.addIssue({ code: "custom", message: p });
  });

/**
 * Free text that reaches Postgres or a lookup but has no alphabet of its own (a user name as typed at login, an
 * API token's name, a password): no NUL, control characters or lone surrogates.
 */
export const PlainText = (what: string, opts: { secret?: boolean } = {}) => checked((s) => textProblem(s, what, opts.secret));

export const Namespace = checked((s) => namespaceProblem(s));
export const FunctionTypeName = checked((s) => typeProblem(s));
export const AddressId = checked((s) => idProblem(s));
export const Typename = checked((s) => typenameProblem(s));
export const StateName = checked((s) => stateNameProblem(s));
/** `ns/type/id` as one string (NDJSON targets, savepoint import lines). */
export const AddressString = checked((s) => {
  const r = checkAddressString(s);
  return r.ok ? null : r.problem;
});
/** `ns/type` as one string. */
export const FunctionTypeString = checked((s) => {
  if (typeof s !== "string") return "the function type must be a string namespace/type";
  const slash = s.indexOf("/");
  if (slash <= 0 || slash === s.length - 1 || s.indexOf("/", slash + 1) >= 0) return `the function type "${printable(s)}" must be namespace/type`;
  return functionTypeProblem(s.slice(0, slash), s.slice(slash + 1));
});
