import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setAppContext } from "@/server/context";
import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { importSavepoint } from "@/server/durability/import";
import { closePool, poolOf } from "@/server/durability/pool";
import { POST } from "@/app/api/v1/applications/[app]/savepoints/import/route";
import { createTestContext, type TestContext } from "../support/test-context";
import { apiClient } from "../support/api-client";

/**
 * The savepoint import reads its body as a stream: lines are checked and written in chunks as they arrive, a bad
 * line anywhere (also past several written chunks) refuses the whole file by its number with nothing applied,
 * names are checked by the one definition (names.ts), and the body's byte limit holds without a Content-Length.
 */
let ctx: TestContext;
let call: Awaited<ReturnType<typeof apiClient>>;
const APP = "imp";

const MODULE = `kind: io.statefun.endpoints.v2/http
spec:
  functions: imp/*
  urlPathTemplate: http://127.0.0.1:9/statefun
`;

beforeAll(async () => {
  ctx = await createTestContext();
  setAppContext(ctx);
  call = await apiClient(ctx.env.STATEHOUSE_ADMIN_TOKEN!);
  expect((await call("POST", "/api/v1/applications", { body: { name: APP } })).status).toBe(201);
  const applied = await call("PUT", "/api/v1/applications/{app}/module", { params: { app: APP }, raw: MODULE });
  expect(applied.status, applied.text).toBe(200);
});
afterAll(async () => {
  setAppContext(undefined);
  await closePool(ctx);
  await ctx?.cleanup();
});

type Line = Record<string, unknown>;
const message = (id: string, caller: string | null) => ({ id, enqueuedAt: 1_000, caller, typename: "imp/Cmd", base64: "e30=" });
/** Address line i: one value, one mailbox message, and every tenth a delayed message. */
function addressLine(i: number): Line {
  const address = `imp/thing/a${i}`;
  const timer = { id: `${address}@1#d0`, dueAt: 9_000_000_000_000, token: null, target: "imp/other/x", message: message(`${address}@1#d0`, address) };
  return {
    address,
    version: 1,
    invokedAt: 1_000,
    values: [{ name: "n", typename: "io.statefun.types/int", base64: Buffer.from(`v${i}`).toString("base64"), writtenAt: 1_000 }],
    mailbox: [message(`m${i}`, null)],
    timers: i % 10 === 0 ? [timer] : [],
  };
}
function header(lines: Line[]): Line {
  const n = (f: (l: any) => number) => lines.reduce((s, l) => s + f(l), 0);
  return {
    format: "statehouse.savepoint",
    version: 1,
    application: APP,
    functionTypes: ["imp/thing"],
    cut: { seq: null, takenAt: null },
    savepoint: { id: "x", label: "big", origin: "manual" },
    counts: { addresses: lines.length, values: n((l) => l.values.length), messages: n((l) => l.mailbox.length), timers: n((l) => l.timers.length) },
  };
}
const fileOf = (lines: Line[]) => [header(lines), ...lines].map((l) => JSON.stringify(l)).join("\n") + "\n";

/** POSTs `text` to `fn` as a stream of `chunk`-byte pieces with no Content-Length; `pulled` counts the pieces read. */
async function post(fn: unknown, text: string, chunk = 65_536) {
  const bytes = Buffer.from(text);
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      const at = pulled++ * chunk;
      if (at >= bytes.length) ctrl.close();
      else ctrl.enqueue(new Uint8Array(bytes.subarray(at, at + chunk)));
    },
  });
  const req = new Request(`http://127.0.0.1:3000/api/v1/applications/${APP}/savepoints/import`, {
    method: "POST",
    headers: { authorization: `Bearer ${ctx.env.STATEHOUSE_ADMIN_TOKEN}`, "content-type": "application/x-ndjson" },
    body,
    duplex: "half",
  } as RequestInit);
  expect(req.headers.get("content-length")).toBeNull();
  const res = await (fn as (r: Request, n: unknown) => Promise<Response>)(req, { params: Promise.resolve({ app: APP }) });
  return { status: res.status, json: (await res.json()) as any, pulled, pieces: Math.ceil(bytes.length / chunk) };
}

/** Everything an import writes: none of it may be there after a refusal. */
async function applied() {
  const q = async (sql: string) => Number((await poolOf(ctx).query(sql)).rows[0].n);
  return {
    savepoints: await q(`SELECT count(*) AS n FROM savepoint`),
    addressTables: await q(`SELECT count(*) AS n FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND relname ~ '^savepoint_address_[0-9a-f]{32}'`),
    addresses: await q(`SELECT count(*) AS n FROM savepoint_address`),
    messages: await q(`SELECT count(*) AS n FROM savepoint_message`),
    timers: await q(`SELECT count(*) AS n FROM savepoint_timer`),
    audit: await ctx.db.auditEvent.count({ where: { action: "savepoint.import" } }),
  };
}
const nothing = { savepoints: 0, addressTables: 0, addresses: 0, messages: 0, timers: 0, audit: 0 };

const N = 30_000; // six chunks of 5,000 lines
const lines = Array.from({ length: N }, (_, i) => addressLine(i));

describe("a big-ish import", () => {
  it("refuses a bad line after several chunks were written, by its number, and applies nothing", async () => {
    const bad = structuredClone(lines);
    bad[20_000].values = [{ name: "n", typename: "io.statefun.types/int", base64: "not base64!", writtenAt: 1 }];
    const r = await post(POST, fileOf(bad), 7_777);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("bad-request");
    // reading goes on for 1,000 lines past the first bad one (to report its neighbours), then stops
    expect(r.json.error.message).toMatch(/^at least 1 line is invalid; nothing was imported \(reading stopped at line 21002\)\. Line 20002: /);
    expect(r.json.error.details.errors).toEqual([{ line: 20_002, error: "values.0.base64: is not valid base64" }]);
    expect(r.pulled).toBeLessThan(r.pieces * 0.75);
    expect(await applied()).toEqual(nothing);
  });

  it("refuses a bad second line without reading the rest of the file", async () => {
    const bad = structuredClone(lines);
    bad[0].version = "1";
    const r = await post(POST, fileOf(bad));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^at least 1 line is invalid; nothing was imported \(reading stopped at line 1002\)\. Line 2: version: /);
    expect(r.pulled).toBeLessThan(r.pieces / 10);
    expect(await applied()).toEqual(nothing);
  });

  it("finds an address repeated in a later chunk (no set of addresses in memory) and applies nothing", async () => {
    const dup = structuredClone(lines);
    dup[25_000] = { ...dup[25_000], address: dup[1].address, timers: [] };
    const r = await post(POST, fileOf(dup));
    expect(r.status).toBe(400);
    expect(r.json.error.details.errors).toEqual([{ line: 25_002, error: "address imp/thing/a1 is already on line 3" }]);
    expect(await applied()).toEqual(nothing);
  });

  it("stops reading at the 100th bad line", async () => {
    const many = structuredClone(lines);
    for (let i = 100; i < 400; i++) many[i].version = -1;
    const r = await post(POST, fileOf(many), 4_096);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/^at least 100 lines are invalid; nothing was imported \(reading stopped at line 201\)/);
    expect(r.json.error.details.errors).toHaveLength(100);
    expect(r.pulled).toBeLessThan(r.pieces / 10);
    expect(await applied()).toEqual(nothing);
  });

  it("imports the same file without the bad line: every row, in one savepoint (the control for the refusals above)", async () => {
    const r = await post(POST, fileOf(lines), 7_777);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json).toMatchObject({ application: APP, origin: "import", status: "complete", addresses: N, values: N, messages: N, timers: N / 10 });
    expect(await applied()).toEqual({ savepoints: 1, addressTables: 1, addresses: N, messages: N, timers: N / 10, audit: 1 });
    const row = await poolOf(ctx).query(`SELECT value_names, value_data FROM savepoint_address WHERE savepoint_id = $1 AND address = 'imp/thing/a29999'`, [r.json.id]);
    expect(row.rows[0]).toEqual({ value_names: ["n"], value_data: [Buffer.from("v29999")] });
    await ctx.db.savepoint.delete({ where: { id: r.json.id } });
    await poolOf(ctx).query(`DROP TABLE "savepoint_address_${r.json.id.replace(/-/g, "")}"`);
    await ctx.db.auditEvent.deleteMany({ where: { action: "savepoint.import" } });
    expect(await applied()).toEqual(nothing);
  });
});

describe("the body's byte limit, streamed", () => {
  const LIMIT = 256 * 1024;
  const limited = handler({ ...api.importSavepoint, maxBytes: LIMIT }, ({ ctx, principal, params, body }) => importSavepoint(ctx, poolOf(ctx), principal!, params.app, body));
  const small = fileOf(lines.slice(0, 100));

  it("is 413 as soon as more than the limit has arrived, without Content-Length, and applies nothing", async () => {
    const text = fileOf(lines.slice(0, 5_000));
    expect(text.length).toBeGreaterThan(4 * LIMIT);
    const r = await post(limited, text, 16_384);
    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ code: "payload-too-large", message: `the body is larger than ${LIMIT} bytes` });
    expect(r.pulled).toBeLessThanOrEqual(LIMIT / 16_384 + 2);
    expect(await applied()).toEqual(nothing);
  });

  it("lets a body under the limit through (the control)", async () => {
    expect(small.length).toBeLessThan(LIMIT);
    const r = await post(limited, small, 16_384);
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    await ctx.db.savepoint.delete({ where: { id: r.json.id } });
    await poolOf(ctx).query(`DROP TABLE "savepoint_address_${r.json.id.replace(/-/g, "")}"`);
    await ctx.db.auditEvent.deleteMany({ where: { action: "savepoint.import" } });
  });
});

describe("names in an import line go through names.ts", () => {
  const good = addressLine(1);
  const cases: Array<[string, (l: any) => void, RegExp]> = [
    ["an address id with NUL", (l) => (l.address = "imp/thing/a\u0000b"), /^address: the id "a\\u0000b" holds a control character/],
    ["an address id with a lone surrogate", (l) => (l.address = "imp/thing/a\ud800b"), /^address: the id "a\\ud800b" holds a lone UTF-16 surrogate/],
    ["a 2,001-byte address id", (l) => (l.address = `imp/thing/${"€".repeat(667)}`), /^address: the id is 2001 bytes long in UTF-8; the limit is 2000$/],
    ["a timer target with NUL", (l) => (l.timers = [{ ...(addressLine(0).timers as object[])[0], id: `${l.address}@1#d0`, target: "imp/other/\u0000" }]), /^timers\.0\.target: the id .* holds a control character/],
    ["a message caller with a lone surrogate", (l) => (l.mailbox[0].caller = "imp/thing/\udc00"), /^mailbox\.0\.caller: the id .* holds a lone UTF-16 surrogate/],
    ["a state name that is not an identifier", (l) => (l.values[0].name = "no spaces"), /^values\.0\.name: the state name "no spaces" must be an identifier/],
    ["a typename without a namespace", (l) => (l.values[0].typename = "int"), /^values\.0\.typename: the typename "int" must be namespace\/name/],
    ["a message id with NUL", (l) => (l.mailbox[0].id = "m\u0000"), /^mailbox\.0\.id: holds a NUL character/],
  ];
  for (const [what, spoil, reason] of cases)
    it(`refuses ${what} with a 400 naming the line`, async () => {
      const bad = structuredClone(good);
      spoil(bad);
      const r = await post(POST, fileOf([addressLine(2), bad, addressLine(3)]));
      expect(r.status, JSON.stringify(r.json)).toBe(400);
      expect(r.json.error.details.errors).toEqual([{ line: 3, error: expect.stringMatching(reason) }]);
      expect(await applied()).toEqual(nothing);
    });

  it("takes the same line unspoilt (the control)", async () => {
    const r = await post(POST, fileOf([addressLine(2), structuredClone(good), addressLine(3)]));
    expect(r.status, JSON.stringify(r.json)).toBe(201);
  });
});
