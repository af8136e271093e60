import fc from "fast-check";

/**
 * Generators of bad input for the API fuzz suite: strings no store can hold (NUL, lone surrogates), controls,
 * bad escapes, numbers beyond int32/int64/u64, long strings, wrong types — alone, or planted at a random place in
 * an otherwise valid body so the request gets past the outer checks to the deeper ones.
 */

export const NASTY_STRINGS = [
  "",
  " ",
  "\u0000",
  "ad\u0000min",
  "\udc00",
  "mo\ud800d",
  "x\ud800",
  "\ud800\udc00",
  "\t",
  "a\nb",
  "\r\n",
  "\u001b[31m",
  "\u007f",
  "\u0085",
  "\u2028",
  "\ufeff",
  "%ff",
  "%00",
  "%",
  "..",
  "../../etc/passwd",
  "/",
  "a/b",
  "a/b/c",
  "*",
  "ns/*",
  "'; drop table applications; --",
  "${jndi:ldap://x}",
  "{function.name}",
  "__proto__",
  "constructor",
  "null",
  "true",
  "-1",
  "0",
  "2147483648",
  "3000000000",
  "99999999999999",
  "1e308",
  "NaN",
  "Infinity",
  "99999999999999999999",
  "9223372036854775808",
  "18446744073709551616",
  "0-0",
  "99999999999999999999-99999999999999999999",
  "18446744073709551615-18446744073709551615",
  "00000000-0000-4000-8000-000000000000",
  "é€😀",
  "ÿ",
];

/** Long strings: over every length limit, and over Postgres' index row size. */
const longString = fc.oneof(
  fc.integer({ min: 201, max: 5_000 }).map((n) => "x".repeat(n)),
  fc.integer({ min: 1_000, max: 3_000 }).map((n) => "é".repeat(n)),
  fc.integer({ min: 60_000, max: 70_000 }).map((n) => "a".repeat(n)),
);

/** One character that breaks something, planted inside ordinary text. */
const planted = fc
  .tuple(fc.constantFrom("\u0000", "\udc00", "\ud800", "\u0001", "\n", "\u007f", "/", "*", "%ff"), fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }))
  .map(([c, a, b]) => a + c + b);

export const nastyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  { weight: 2, arbitrary: planted },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: longString },
);

export const hugeNumber = fc.constantFrom(2147483648, -2147483649, 3000000000, 99999999999999, 1e308, -1e308, 2 ** 53 + 2, 2 ** 64, 0.5, -1, 0, -0, 1e-300);

export const badScalar: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: nastyString },
  { weight: 3, arbitrary: hugeNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
);

/** Arrays nested deeper than the body check allows (as values, only a little: cloning and JSON.stringify recurse). */
const deepNest = fc.integer({ min: 150, max: 600 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n)) as unknown);
/** As text, far deeper: JSON.parse takes it, recursive readers after it would not. */
const deepText = fc.integer({ min: 1_000, max: 100_000 }).map((n) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`);

export const badValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: badScalar },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.array(badScalar, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, badScalar, { maxKeys: 3 }) },
  { weight: 1, arbitrary: deepNest },
);

type Path = Array<string | number>;

/** Every place in a JSON value where something could be put, containers and leaves alike (the top 20 levels). */
function pathsOf(v: unknown, path: Path = []): Path[] {
  const out: Path[] = [path];
  if (path.length >= 20) return out;
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...pathsOf(x, [...path, i])));
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) out.push(...pathsOf(x, [...path, k]));
  return out;
}

function edit(root: unknown, path: Path, action: "replace" | "add" | "delete", key: string, value: unknown): unknown {
  const copy = structuredClone(root);
  if (path.length === 0) return action === "replace" ? value : copy;
  let parent = copy as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const target = parent[last];
  if (action === "delete") delete parent[last];
  else if (action === "add" && target && typeof target === "object" && !Array.isArray(target)) (target as Record<string, unknown>)[key] = value;
  else if (action === "add" && Array.isArray(target)) target.push(value);
  else parent[last] = value;
  return copy;
}

/** A valid sample with one to three things broken in it. */
export function mutated(sample: unknown): fc.Arbitrary<unknown> {
  const one = (v: unknown) =>
    fc
      .record({ at: fc.nat(), action: fc.constantFrom("replace", "replace", "add", "delete"), key: fc.oneof(nastyString, fc.constantFrom("extra", "__proto__")), value: badValue })
      .map(({ at, action, key, value }) => {
        const paths = pathsOf(v);
        return edit(v, paths[at % paths.length], action as "replace" | "add" | "delete", key, value);
      });
  return fc.integer({ min: 1, max: 3 }).chain((n) => {
    let arb: fc.Arbitrary<unknown> = fc.constant(sample);
    for (let i = 0; i < n; i++) arb = arb.chain(one);
    return arb;
  });
}

/** A JSON body: mostly a broken sample, sometimes the sample, a bad value instead of an object, or not JSON at all. */
export function jsonBody(sample: unknown): fc.Arbitrary<{ text: string; contentType?: string }> {
  return fc.oneof(
    { weight: 8, arbitrary: mutated(sample).map((v) => ({ text: JSON.stringify(v) ?? "null" })) },
    { weight: 1, arbitrary: fc.constant({ text: JSON.stringify(sample) }) },
    { weight: 1, arbitrary: badValue.map((v) => ({ text: JSON.stringify(v) ?? "null" })) },
    {
      weight: 1,
      arbitrary: fc.record({
        text: fc.oneof(fc.constantFrom("", "{", "{\"a\":", "\u0000", "[".repeat(50_000), '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"x":1}}'), fc.string({ unit: "binary", maxLength: 40 }), deepText),
        contentType: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1", "application/vnd.api+json"),
      }),
    },
  );
}

/** A header value HTTP can carry (visible ASCII, Latin-1, spaces and tabs), printable junk or long. */
export const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
  fc.constantFrom("", "x".repeat(10_000), "%ff", "\tvalue", "a, b", "ÿ"),
);

// ------------------------------------------------------------------------------------------------------------
// Raw bodies: module YAML, NDJSON, message bytes
// ------------------------------------------------------------------------------------------------------------

const BAD_YAML_SCALARS = [
  "2147483648",
  "3000000000",
  "\"3000000000\"",
  "99999999999999",
  "\"99999999999999\"",
  "1e308",
  "-1e308",
  ".inf",
  "-.inf",
  ".nan",
  "0x80000000",
  "99999999999999999999",
  "-2147483649",
  "-1",
  "0",
  "~",
  "[]",
  "{}",
  "[1, 2]",
  "true",
  "\"mo\\0d/*\"",
  "\"mo\\ud800d/*\"",
  "\"\\udc00\"",
  "\"\\x00\"",
  "\"a\\tb\"",
  "*undefined_alias",
  "!!binary AAAA",
  "2001-12-14",
  "\"http://127.0.0.1:1/\\0\"",
  "\"\"",
];

/** A YAML scalar: the valid one, a known-bad one, or a JSON-quoted nasty string (YAML reads JSON escapes). */
const yamlScalar = (valid: string) =>
  fc.oneof({ weight: 16, arbitrary: fc.constant(valid) }, { weight: 2, arbitrary: fc.constantFrom(...BAD_YAML_SCALARS) }, { weight: 2, arbitrary: nastyString.map((s) => JSON.stringify(s)) });

export function yamlModule(functionsUrl: string): fc.Arbitrary<string> {
  const endpointV2 = fc
    .record({
      functions: yamlScalar("fuzzns/*"),
      url: yamlScalar(functionsUrl),
      max: yamlScalar("100"),
      type: yamlScalar("io.statefun.transports.v1/async"),
      call: yamlScalar("10 s"),
      connect: yamlScalar("2s"),
    })
    .map(
      (h) =>
        `kind: io.statefun.endpoints.v2/http\nspec:\n  functions: ${h.functions}\n  urlPathTemplate: ${h.url}\n  maxNumBatchRequests: ${h.max}\n  transport:\n    type: ${h.type}\n    call: ${h.call}\n    connect: ${h.connect}\n`,
    );
  const endpointV1 = fc
    .record({ functions: yamlScalar("fuzzns/v1"), url: yamlScalar(functionsUrl), call: yamlScalar("1 min"), read: yamlScalar("10 s") })
    .map((h) => `kind: io.statefun.endpoints.v1/http\nspec:\n  functions: ${h.functions}\n  urlPathTemplate: ${h.url}\n  timeouts:\n    call: ${h.call}\n    read: ${h.read}\n`);
  const webhook = fc
    .record({ id: yamlScalar("fuzzns/hook"), url: yamlScalar("http://127.0.0.1:1/hook"), timeout: yamlScalar("5 s"), attempts: yamlScalar("3") })
    .map((h) => `kind: io.statehouse.webhook.v1/egress\nspec:\n  id: ${h.id}\n  url: ${h.url}\n  timeout: ${h.timeout}\n  maxAttempts: ${h.attempts}\n`);
  const kafka = fc
    .record({ id: yamlScalar("fuzzns/out"), tx: yamlScalar("15 min"), prop: yamlScalar("1048576") })
    .map(
      (h) =>
        `kind: io.statefun.kafka.v1/egress\nspec:\n  id: ${h.id}\n  address: kafka:9092\n  deliverySemantic:\n    type: exactly-once\n    transactionTimeout: ${h.tx}\n  properties:\n    - max.request.size: ${h.prop}\n`,
    );
  const playground = fc
    .record({ port: yamlScalar("8091"), topic: yamlScalar("greetings") })
    .map((h) => `kind: io.statefun.playground.v1/egress\nspec:\n  port: ${h.port}\n  topics:\n    - ${h.topic}\n`);
  const junk = fc.oneof(
    fc.string({ unit: "binary", maxLength: 60 }),
    fc.constantFrom(
      "a: &a [*a, *a]\nb: *a\n",
      "{".repeat(5_000),
      "[".repeat(20_000) + "]".repeat(20_000),
      "kind: [unclosed\n",
      'version: "3.0"\nmodule: {}\n',
      "kind: io.statefun.endpoints.v2/http\nspec: null\n",
      "- a\n- b\n",
      "%YAML 9.9\n---\nkind: x\n",
      "kind: io.statefun.endpoints.v2/http\nspec:\n  ? [complex, key]\n  : value\n",
    ),
  );
  const doc = fc.oneof({ weight: 4, arbitrary: endpointV2 }, endpointV1, webhook, kafka, playground, junk);
  return fc.array(doc, { minLength: 1, maxLength: 3 }).map((docs) => docs.join("---\n"));
}

/** NDJSON of the batch ingress: valid-looking lines with things broken in them, and junk lines. */
export function ndjsonBatch(): fc.Arbitrary<string> {
  const sample = { target: "fuzzns/echo/a", typename: "fuzzns/Thing", value: { n: 1 }, idempotencyKey: "k1" };
  const line = fc.oneof(
    { weight: 4, arbitrary: mutated(sample).map((v) => JSON.stringify(v) ?? "null") },
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ target: "fuzzns/echo/b", typename: "fuzzns/Thing", base64: "AAAA" })) },
    { weight: 1, arbitrary: fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.constantFrom("", "{", '{"target":"a\\u0000/b/c","typename":"a/b","value":1}', "x".repeat(70_000))) },
  );
  return fc.array(line, { minLength: 0, maxLength: 5 }).map((lines) => lines.join("\n"));
}

/** A savepoint export file: a header and address lines, with things broken in them. */
export function savepointFile(application: string): fc.Arbitrary<string> {
  const header = {
    format: "statehouse.savepoint",
    version: 1,
    application,
    functionTypes: ["fuzzns/typed"],
    cut: { seq: 1, takenAt: "2026-01-01T00:00:00.000Z" },
    savepoint: { id: "00000000-0000-4000-8000-000000000000", label: "x", origin: "manual" },
    counts: { addresses: 1, values: 1, messages: 0, timers: 0 },
  };
  const address = { address: "fuzzns/typed/a", version: 1, values: [{ name: "an_int", typename: "io.statefun.types/int", base64: "DQEAAAA=", writtenAt: 1 }], mailbox: [], timers: [] };
  return fc
    .tuple(fc.oneof(mutated(header), fc.constant(header)), fc.array(fc.oneof(mutated(address), fc.constant(address)), { maxLength: 3 }))
    .map(([h, lines]) => [h, ...lines].map((l) => JSON.stringify(l) ?? "null").join("\n"));
}

/** A single message's body and Content-Type. */
export const messageBody: fc.Arbitrary<{ bytes: Uint8Array; contentType?: string }> = fc.record(
  {
    bytes: fc.oneof(fc.uint8Array({ maxLength: 300 }), nastyString.map((s) => new TextEncoder().encode(s))),
    contentType: fc.oneof(
      fc.constantFrom("text/plain", "application/vnd.fuzzns/Thing", "application/vnd.example/GreetRequest", "application/octet-stream", "application/json", "application/vnd.", "application/vnd.a/b/c", "application/vnd.a b/c", "application/vnd.ÿ/x", "text/plain; charset=latin1"),
      headerValue.map((v) => `application/vnd.${v}`),
    ),
  },
  { requiredKeys: ["bytes"] },
);
