import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type pg from "pg";
import type { MessagingCommand, StorageCommand } from "@/examples/functions/showcase";
import { createPgPool } from "@/server/pg";
import { setAppContext } from "@/server/context";
import { Partitioning } from "@/server/dispatch/keys";
import { closeControlQueue } from "@/server/durability/control-queue";
import { closePool } from "@/server/durability/pool";
import { createDispatchEnv, type DispatchEnv } from "../support/dispatch-env";
import { createTestContext } from "../support/test-context";
import { applyModule, sendJson, waitRegistrySynced } from "../support/fixtures/plane";
import { showcaseModule } from "../support/fixtures/showcase-module";
import { quiet, rollBack, takeSavepoint, type SavepointView } from "../support/fixtures/savepoints";

// whole journeys through real workers (pauses, savepoints, rollbacks): slower than one test usually is
vi.setConfig({ testTimeout: 90_000 });

/**
 * Savepoint files and diffs through the API, with real workers and the official-SDK showcase functions: the
 * export is the portable NDJSON format (state, mailboxes and pending delayed messages in decoded form), an
 * import of it is the same savepoint again (bytes included), a file with a bad line is refused line by line
 * without writing anything, and diffs against live state and between savepoints show what changed.
 */
let env: DispatchEnv;
let pool: pg.Pool;
const APP = "showcase";
const OTHER = "other";

beforeAll(async () => {
  env = await createDispatchEnv({ DISPATCH_GROUP_LOCK_MS: "1000" });
  pool = createPgPool(env.ctx.databaseUrl, 2);
  await applyModule(env, APP, showcaseModule(env.fns.url));
  expect((await env.call("POST", "/api/v1/applications", { body: { name: OTHER } })).status).toBe(201);
  await env.startWorker();
  await waitRegistrySynced(env);
});
afterAll(async () => {
  await closePool(env.ctx);
  await closeControlQueue(env.ctx);
  await pool?.end();
  await env?.stop();
});

const storage = (id: string, cmd: StorageCommand) => sendJson(env, `showcase/storage/${id}`, "showcase/StorageCommand", cmd);
const messaging = (id: string, cmd: MessagingCommand) => sendJson(env, `showcase/messaging/${id}`, "showcase/MessagingCommand", cmd);
const setPaused = async (paused: boolean) => {
  expect((await env.call("POST", `/api/v1/applications/{app}/${paused ? "pause" : "resume"}`, { params: { app: APP } })).status).toBe(200);
  await waitRegistrySynced(env);
};

const exportOf = (id: string) => env.call("GET", "/api/v1/savepoints/{id}/export", { params: { id } });
const importFile = (text: string, app = APP) => env.call("POST", "/api/v1/applications/{app}/savepoints/import", { params: { app }, raw: text, contentType: "application/x-ndjson" });
const diff = (id: string, against: string, query: Record<string, string> = {}) => env.call("GET", "/api/v1/savepoints/{id}/diff", { params: { id }, query: { against, ...query } });
const linesOf = (text: string) => text.trimEnd().split("\n").map((l) => JSON.parse(l));
const fileOf = (lines: unknown[]) => lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n";
const savepointsOf = async (app: string) => (await env.call("GET", "/api/v1/applications/{app}/savepoints", { params: { app } })).json.savepoints as SavepointView[];
const json = (base64: string) => JSON.parse(Buffer.from(base64, "base64").toString("utf8"));

/** The savepoint's rows as stored, without its id: what an import must reproduce byte for byte. */
async function storedRows(id: string) {
  const q = async (sql: string) => (await pool.query(sql, [id])).rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString("base64") : v])));
  return {
    addresses: await q(`SELECT address, function_type, version, invoked_at FROM savepoint_address WHERE savepoint_id = $1 ORDER BY address`),
    values: await q(`SELECT address, name, value, written_at FROM savepoint_value WHERE savepoint_id = $1 ORDER BY address, name`),
    messages: await q(`SELECT address, function_type, entry FROM savepoint_message WHERE savepoint_id = $1 ORDER BY address, seq, idx`),
    timers: await q(`SELECT partition, id, sender_type, due_at, data FROM savepoint_timer WHERE savepoint_id = $1 ORDER BY partition, id`),
  };
}

let sp1: SavepointView;
let file: string;
let imported: SavepointView;

describe("export", () => {
  it("is a header and one line per address: typed values, mailbox messages in order, pending delayed messages on the sender's line", async () => {
    for (let i = 0; i < 3; i++) expect((await storage(`s${i}`, { op: "write", value: `v${i}` })).status).toBe(202);
    expect((await storage("s0", { op: "set-json", greeting: "hi" })).status).toBe(202);
    expect((await sendJson(env, "showcase/fanout/f0", "showcase/FanOut", { to: "c0", count: 4 })).status).toBe(202);
    expect((await messaging("m1", { op: "schedule", to: "later", label: "a", delayMs: 600_000, token: "t-a" })).status).toBe(202);
    expect((await messaging("m2", { op: "schedule", to: "later", label: "b", delayMs: 600_000 })).status).toBe(202);
    await quiet(env);
    // messages waiting in a mailbox: the application is paused, ingress still accepts
    await setPaused(true);
    for (let j = 0; j < 3; j++) expect((await storage("held0", { op: "write", value: `h${j}` })).status).toBe(202);
    await quiet(env);
    sp1 = await takeSavepoint(env, APP, "sp1");
    expect(sp1).toMatchObject({ messages: 3, timers: 2 });

    const r = await exportOf(sp1.id);
    expect(r.status, r.text).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(r.headers.get("content-disposition")).toBe(`attachment; filename="${APP}-${sp1.id}.ndjson"`);
    file = r.text;
    const [header, ...lines] = linesOf(file);
    expect(header).toEqual({
      format: "statehouse.savepoint",
      version: 1,
      application: APP,
      functionTypes: sp1.functionTypes,
      cut: { seq: sp1.seq, takenAt: sp1.finishedAt },
      savepoint: { id: sp1.id, label: "sp1", origin: "manual" },
      counts: { addresses: lines.length, values: sp1.values, messages: 3, timers: 2 },
    });
    const by = Object.fromEntries(lines.map((l) => [l.address, l]));
    expect(Object.keys(by)).toHaveLength(lines.length);
    expect(Object.keys(by)).toEqual(expect.arrayContaining(["showcase/storage/s0", "showcase/storage/held0", "showcase/counter/c0", "showcase/messaging/m1", "showcase/messaging/m2"]));

    const s0 = by["showcase/storage/s0"];
    expect(s0.version).toBeGreaterThan(0);
    expect(s0.values.find((v: { name: string }) => v.name === "an_int")).toMatchObject({ typename: "io.statefun.types/int", value: 1 });
    expect(s0.values.find((v: { name: string }) => v.name === "greet_json")).toMatchObject({ typename: "showcase/GreetJson", value: { greeting: "hi" } });
    expect(by["showcase/counter/c0"].values.find((v: { name: string }) => v.name === "seqs")).toMatchObject({ value: [1, 2, 3, 4] });

    // never committed: only its mailbox, in order
    const held = by["showcase/storage/held0"];
    expect(held).toMatchObject({ version: 0, invokedAt: null, values: [], timers: [] });
    expect(held.mailbox.map((m: { base64: string }) => json(m.base64))).toEqual([0, 1, 2].map((j) => ({ op: "write", value: `h${j}` })));
    expect(held.mailbox[0]).toMatchObject({ caller: null, typename: "showcase/StorageCommand" });

    const [t1] = by["showcase/messaging/m1"].timers;
    expect(by["showcase/messaging/m1"].timers).toHaveLength(1);
    expect(t1).toMatchObject({ token: "t-a", target: "showcase/inbox/later", message: { caller: "showcase/messaging/m1", typename: "showcase/InboxMessage" } });
    expect(t1.id.startsWith("showcase/messaging/m1@")).toBe(true);
    expect(t1.dueAt).toBeGreaterThan(Date.now() + 500_000);
    expect(json(t1.message.base64)).toMatchObject({ label: "a", delayMs: 600_000 });
    expect(by["showcase/messaging/m2"].timers[0]).toMatchObject({ token: null, target: "showcase/inbox/later" });
    // the file names no key prefix or partition of this deployment
    expect(file).not.toContain(env.ctx.env.STATEHOUSE_REDIS_PREFIX);
  });

  it("404 for an unknown savepoint, 409 for one that is not complete", async () => {
    expect((await exportOf("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const app = await env.ctx.db.application.findUniqueOrThrow({ where: { name: APP } });
    const running = await env.ctx.db.savepoint.create({ data: { applicationId: app.id, status: "running", origin: "manual", createdBy: "test", functionTypes: [] } });
    const r = await exportOf(running.id);
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ code: "conflict", message: expect.stringMatching(/is running/) });
    expect((await diff(running.id, "live")).status).toBe(409);
    await env.ctx.db.savepoint.delete({ where: { id: running.id } });
  });
});

describe("import", () => {
  it("creates a complete savepoint that diffs empty against the original and holds the same rows, byte for byte", async () => {
    const r = await importFile(file);
    expect(r.status, r.text).toBe(201);
    imported = r.json;
    expect(imported).toMatchObject({ application: APP, status: "complete", origin: "import", label: "sp1", seq: null, functionTypes: sp1.functionTypes });
    expect({ ...imported, id: 0 }).toMatchObject({ addresses: sp1.addresses, values: sp1.values, messages: 3, timers: 2, bytes: sp1.bytes });
    // mailbox entries and timer records are re-encoded for this deployment's keys: here, the very same bytes
    expect(await storedRows(imported.id)).toEqual(await storedRows(sp1.id));

    for (const [a, b] of [[imported.id, sp1.id], [sp1.id, imported.id]]) {
      const d = await diff(a, b);
      expect(d.status, d.text).toBe(200);
      expect(d.json).toEqual({ savepoint: a, against: b, counts: { added: 0, removed: 0, changed: 0 }, entries: [], next: null });
    }
    // and its export is the original file but for the header's savepoint and cut
    const again = linesOf((await exportOf(imported.id)).text);
    const original = linesOf(file);
    expect(again.slice(1)).toEqual(original.slice(1));
    expect(again[0]).toMatchObject({ savepoint: { id: imported.id, label: "sp1", origin: "import" }, cut: { seq: null }, counts: original[0].counts });

    const audit = await env.ctx.db.auditEvent.findFirst({ where: { action: "savepoint.import", target: imported.id } });
    expect(audit).toMatchObject({ targetType: "savepoint", actor: "admin-token", after: expect.objectContaining({ application: APP, timers: 2, source: expect.objectContaining({ savepoint: sp1.id }) }) });
  });

  it("moves to another deployment (other key prefix, other partition count): records re-encoded for its keys", async () => {
    const there = await createTestContext({ STATEHOUSE_PARTITIONS: "7", STATEHOUSE_ADMIN_TOKEN: env.ctx.env.STATEHOUSE_ADMIN_TOKEN });
    const thatPool = createPgPool(there.databaseUrl, 1);
    setAppContext(there);
    try {
      await applyModule(env, APP, showcaseModule(env.fns.url));
      const r = await importFile(file);
      expect(r.status, r.text).toBe(201);
      // the same lines, but for typenames: savepoint rows keep none, so where this deployment has no state spec
      // registered yet (no function has been called here) its export cannot name them
      const untyped = (lines: Array<{ values: object[] }>) => lines.map((l) => ({ ...l, values: l.values.map((v) => ({ ...v, typename: "", value: undefined })) }));
      const again = linesOf((await exportOf(r.json.id)).text).slice(1);
      expect(again.flatMap((l) => l.values.map((v: { typename: string }) => v.typename))).toEqual(expect.arrayContaining([""]));
      expect(untyped(again)).toEqual(untyped(linesOf(file).slice(1)));
      const keys = new Partitioning(there.env.STATEHOUSE_REDIS_PREFIX, 7, there.env.DISPATCH_GROUPS);
      const timers = (await thatPool.query(`SELECT partition, id, data FROM savepoint_timer WHERE savepoint_id = $1`, [r.json.id])).rows;
      expect(timers).toHaveLength(2);
      for (const t of timers) {
        expect(t.partition).toBe(keys.partitionOf(t.id.slice(0, t.id.lastIndexOf("@"))));
        const target = keys.partitionOf("showcase/inbox/later");
        expect(t.data.includes(Buffer.from(`${keys.pp(target)}ready`))).toBe(true);
        expect(t.data.includes(Buffer.from(env.ctx.env.STATEHOUSE_REDIS_PREFIX))).toBe(false);
      }
    } finally {
      setAppContext(env.ctx);
      await closePool(there);
      await closeControlQueue(there);
      await thatPool.end();
      await there.cleanup();
    }
  });

  it("refuses a file with one bad line among good ones, with its number and reason, and writes nothing", async () => {
    const before = (await savepointsOf(APP)).length;
    const lines = linesOf(file);
    const bad = lines.findIndex((l) => l.address === "showcase/storage/s1");
    lines[bad].values[0].base64 = "not base64!";
    const r = await importFile(fileOf(lines));
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("bad-request");
    expect(r.json.error.message).toMatch(/^1 line is invalid; nothing was imported/);
    expect(r.json.error.details.errors).toEqual([{ line: bad + 1, error: "values.0.base64: is not valid base64" }]);
    expect((await savepointsOf(APP)).length).toBe(before);
    expect(await env.ctx.db.auditEvent.count({ where: { action: "savepoint.import" } })).toBe(1);
  });

  it("checks every line against the format and this deployment, and reports each bad line", async () => {
    const [header, ...rest] = linesOf(file);
    const at = (address: string) => structuredClone(rest.find((l) => l.address === address));
    const s0 = at("showcase/storage/s0");
    s0.values.find((v: { name: string }) => v.name === "an_int").typename = "io.statefun.types/string";
    const m2 = at("showcase/messaging/m2");
    m2.timers.push(at("showcase/messaging/m1").timers[0]);
    const lines = [
      header, // 1
      at("showcase/counter/c0"), // 2
      "{not json", // 3
      { ...at("showcase/counter/c0") }, // 4: the same address again
      { ...at("showcase/storage/s1"), address: "nobody/thing/x" }, // 5: not bound to the application
      s0, // 6: a typename the spec does not register
      m2, // 7: another sender's delayed message
      { ...at("showcase/storage/s2"), address: "no-slashes" }, // 8
      "", // 9: blank lines are skipped
      { ...at("showcase/storage/s2"), version: 0 }, // 10: never committed, yet values
    ];
    const r = await importFile(fileOf(lines));
    expect(r.status).toBe(400);
    const errors = r.json.error.details.errors as Array<{ line: number; error: string }>;
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 8, 10]);
    expect(r.json.error.message).toMatch(/^7 lines are invalid/);
    const reason = (line: number) => errors.find((e) => e.line === line)!.error;
    expect(reason(3)).toMatch(/^not JSON/);
    expect(reason(4)).toBe("address showcase/counter/c0 is already on line 2");
    expect(reason(5)).toMatch(/function type nobody\/thing is not bound to application "showcase"/);
    expect(reason(6)).toBe('value "an_int" is registered as io.statefun.types/int by showcase/storage, not io.statefun.types/string');
    expect(reason(7)).toMatch(/^timer showcase\/messaging\/m1@\S+ is not a delayed message of showcase\/messaging\/m2/);
    expect(reason(8)).toBe('address: the target "no-slashes" must be namespace/type/id');
    expect(reason(10)).toMatch(/version 0 means never committed/);

    // the header: present, first, of this format and version; its counts catch a truncated file
    const refusal = async (text: string) => {
      const x = await importFile(text);
      expect(x.status).toBe(400);
      return x.json.error.details.errors as Array<{ line: number; error: string }>;
    };
    expect(await refusal(fileOf(rest))).toEqual([{ line: 1, error: expect.stringMatching(/^the first line must be the header/) }]);
    expect(await refusal(fileOf([{ ...header, version: 2 }, ...rest]))).toEqual([{ line: 1, error: "format version 2 is not supported; this server reads version 1" }]);
    expect(await refusal(fileOf([header, ...rest.slice(1)]))).toEqual([{ line: 1, error: expect.stringMatching(/the file holds .* \(is it truncated\?\)$/) }]);
    expect(await refusal("")).toEqual([{ line: 1, error: expect.stringMatching(/the file is empty/) }]);
    // the function types must be the target application's
    expect((await importFile(file, OTHER)).json.error.details.errors).toHaveLength(rest.length);
    expect((await savepointsOf(APP)).filter((s) => s.origin === "import")).toHaveLength(1);
    expect(await savepointsOf(OTHER)).toEqual([]);
  });
});

describe("diff", () => {
  let sp2: SavepointView;

  it("against live state after more writes: changed and added addresses with values before and after, paginated", async () => {
    await setPaused(false); // held0's three messages are processed now
    expect((await storage("s1", { op: "write", value: "again" })).status).toBe(202);
    expect((await storage("s9", { op: "write", value: "new" })).status).toBe(202);
    await quiet(env);

    const d = await diff(sp1.id, "live");
    expect(d.status, d.text).toBe(200);
    expect(d.json.counts).toEqual({ added: 1, removed: 0, changed: 2 });
    expect(d.json.next).toBeNull();
    const by = Object.fromEntries(d.json.entries.map((e: { address: string }) => [e.address, e]));
    expect(Object.keys(by).sort()).toEqual(["showcase/storage/held0", "showcase/storage/s1", "showcase/storage/s9"]);
    const s1 = by["showcase/storage/s1"];
    expect(s1).toMatchObject({ change: "changed", mailbox: null });
    expect(s1.values.find((v: { name: string }) => v.name === "an_int")).toEqual({ name: "an_int", change: "changed", before: { base64: expect.any(String), value: 1 }, after: { base64: expect.any(String), value: 2 } });
    expect(s1.values.find((v: { name: string }) => v.name === "after_write")).toMatchObject({ before: { value: "v1" }, after: { value: "again" } });
    expect(by["showcase/storage/s9"]).toMatchObject({ change: "added", mailbox: null });
    expect(by["showcase/storage/s9"].values.every((v: { change: string; before: unknown }) => v.change === "added" && v.before === null)).toBe(true);
    expect(by["showcase/storage/s9"].values.find((v: { name: string }) => v.name === "an_int").after.value).toBe(1);
    expect(by["showcase/storage/held0"]).toMatchObject({ change: "changed", mailbox: { before: 3, after: 0 } });
    expect(by["showcase/storage/held0"].values.find((v: { name: string }) => v.name === "an_int")).toMatchObject({ change: "added", before: null, after: { value: 3 } });

    // one address a page, in the same order, with the same counts on every page
    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const p = await diff(sp1.id, "live", { limit: "1", ...(cursor ? { cursor } : {}) });
      expect(p.json.counts).toEqual(d.json.counts);
      pages.push(...p.json.entries.map((e: { address: string }) => e.address));
      cursor = p.json.next ?? undefined;
    } while (cursor);
    expect(pages).toEqual(d.json.entries.map((e: { address: string }) => e.address));
    expect((await diff(sp1.id, "live", { cursor: "forged" })).status).toBe(400);
  });

  it("between two savepoints of the application, both ways; another application's savepoint is refused", async () => {
    sp2 = await takeSavepoint(env, APP, "sp2");
    const back = await diff(sp2.id, sp1.id);
    expect(back.status, back.text).toBe(200);
    expect(back.json.counts).toEqual({ added: 0, removed: 1, changed: 2 });
    const by = Object.fromEntries(back.json.entries.map((e: { address: string }) => [e.address, e]));
    expect(by["showcase/storage/s9"]).toMatchObject({ change: "removed" });
    expect(by["showcase/storage/s9"].values.every((v: { change: string; after: unknown }) => v.change === "removed" && v.after === null)).toBe(true);
    expect(by["showcase/storage/s1"].values.find((v: { name: string }) => v.name === "an_int")).toMatchObject({ change: "changed", before: { value: 2 }, after: { value: 1 } });
    expect(by["showcase/storage/held0"].mailbox).toEqual({ before: 0, after: 3 });

    const forward = await diff(sp1.id, sp2.id);
    expect(forward.json.counts).toEqual({ added: 1, removed: 0, changed: 2 });
    expect(forward.json.entries).toEqual((await diff(sp1.id, "live")).json.entries);

    const foreign = await takeSavepoint(env, OTHER, "empty");
    const r = await diff(sp1.id, foreign.id);
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/of application "other", not "showcase"/);
    expect((await diff(sp1.id, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await diff(sp1.id, "yesterday")).status).toBe(400);
  });
});

describe("rollback onto an imported savepoint", () => {
  it("makes the file's state, mailboxes and delayed messages live again", async () => {
    // paused, so the restored mailbox stays as the file has it
    await setPaused(true);
    await quiet(env);
    await rollBack(env, APP, imported.id);
    const d = await diff(imported.id, "live");
    expect(d.json).toMatchObject({ counts: { added: 0, removed: 0, changed: 0 }, entries: [] });
    const timers = async (sql: string, params: unknown[]) => (await pool.query(sql, params)).rows.map((t) => ({ ...t, data: t.data.toString("base64") }));
    expect(await timers(`SELECT partition, id, due_at, data FROM cp_timer WHERE sender_type LIKE 'showcase/%' ORDER BY partition, id`, [])).toEqual(
      await timers(`SELECT partition, id, due_at, data FROM savepoint_timer WHERE savepoint_id = $1 ORDER BY partition, id`, [imported.id]),
    );
  });
});
