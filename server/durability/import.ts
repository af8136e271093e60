import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { z } from "zod";
import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";
import { AppError } from "../errors";
import { recordAuditPg } from "../audit/audit";
import { formatZodError } from "../http/zod-errors";
import { findApplication } from "../registry/applications";
import { loadRegistrySnapshot, type RegistrySnapshot } from "../registry/registry-snapshot";
import { planeOf } from "../dispatch/plane";
import { functionTypeOf, parseAddress, type Partitioning } from "../dispatch/keys";
import { inTransaction } from "../pg";
import { applyRetention, toSavepointView } from "./savepoints";
import { createPartition } from "./savepoint-tables";
import {
  SAVEPOINT_FORMAT,
  SAVEPOINT_FORMAT_VERSION,
  SavepointFileAddress,
  SavepointFileHeader,
  entryFromFile,
  senderOfTimer,
  specKey,
  specTypenames,
  timerFromFile,
  type FileAddress,
  type FileHeader,
} from "./savepoint-format";

/** Rows per INSERT … SELECT FROM unnest(…) statement. */
const BATCH = 5_000;
/** Errors reported in the refusal (the message gives the total). */
const MAX_REPORTED = 100;

export interface LineError {
  line: number;
  error: string;
}

interface Line {
  n: number;
  text: string;
}

/** Numbered non-blank lines (1-based, as an editor shows them), without copying the body into an array. */
function* linesOf(body: string): Generator<Line> {
  let pos = body.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (let n = 1; pos <= body.length; n++) {
    let end = body.indexOf("\n", pos);
    if (end < 0) end = body.length;
    const text = body.slice(pos, end > pos && body.charCodeAt(end - 1) === 13 ? end - 1 : end);
    if (text.trim() !== "") yield { n, text };
    pos = end + 1;
  }
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseLine<T extends z.ZodType>(schema: T, text: string): Parsed<z.output<T>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  const r = schema.safeParse(json);
  return r.success ? { ok: true, value: r.data } : { ok: false, error: formatZodError(r.error, "") };
}

function parseHeader(line: Line | undefined): Parsed<FileHeader> {
  if (!line) return { ok: false, error: "the file is empty; its first line must be the header of a statehouse.savepoint file" };
  const p = parseLine(SavepointFileHeader, line.text);
  if (p.ok) return p;
  let h: { format?: unknown; version?: unknown } | null = null;
  try {
    h = JSON.parse(line.text);
  } catch {}
  if (h?.format !== SAVEPOINT_FORMAT) return { ok: false, error: `the first line must be the header, with "format": "${SAVEPOINT_FORMAT}" (${p.error})` };
  if (h.version !== SAVEPOINT_FORMAT_VERSION) return { ok: false, error: `format version ${JSON.stringify(h.version)} is not supported; this server reads version ${SAVEPOINT_FORMAT_VERSION}` };
  return { ok: false, error: `header: ${p.error}` };
}

const counts = () => ({ addresses: 0, values: 0, messages: 0, timers: 0 });

/**
 * Pass one: every line is checked against the format and against this deployment (the address's function type
 * is bound to the application, values carry the typename its state spec registers, no address twice, each timer
 * on its sender's line). Keeps only what the checks need (the address set), not the parsed lines.
 */
class FileCheck {
  readonly errors: LineError[] = [];
  readonly found = counts();
  readonly types = new Set<string>();
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly application: string,
    private readonly registry: RegistrySnapshot,
    private readonly typenames: Map<string, string>,
  ) {}

  line(l: Line): void {
    const p = parseLine(SavepointFileAddress, l.text);
    const problems = p.ok ? this.problems(p.value, l.n) : [p.error];
    if (problems.length) this.errors.push({ line: l.n, error: problems.join("; ") });
  }

  private problems(a: FileAddress, n: number): string[] {
    const out: string[] = [];
    const type = functionTypeOf(parseAddress(a.address)!);
    const bound = this.registry.resolve(type)?.application;
    if (bound !== this.application)
      out.push(bound ? `function type ${type} belongs to application "${bound}", not "${this.application}"` : `function type ${type} is not bound to application "${this.application}" (no endpoint serves it)`);
    const first = this.seen.get(a.address);
    if (first !== undefined) out.push(`address ${a.address} is already on line ${first}`);
    else this.seen.set(a.address, n);
    if (a.version === 0 && (a.values.length > 0 || a.invokedAt !== null)) out.push("version 0 means never committed: such an address has no values and no invokedAt");
    const names = new Set<string>();
    for (const v of a.values) {
      if (names.has(v.name)) out.push(`value "${v.name}" appears twice`);
      names.add(v.name);
      const registered = this.typenames.get(specKey(type, v.name));
      if (registered !== undefined && v.typename !== registered) out.push(`value "${v.name}" is registered as ${registered} by ${type}, not ${v.typename || '""'}`);
    }
    const ids = new Set<string>();
    for (const t of a.timers) {
      if (senderOfTimer(t.id) !== a.address) out.push(`timer ${t.id} is not a delayed message of ${a.address} (ids are <sender address>@<version>#d<n>, on the sender's line)`);
      if (ids.has(t.id)) out.push(`timer ${t.id} appears twice`);
      ids.add(t.id);
    }
    if (out.length === 0) {
      this.types.add(type);
      this.found.addresses++;
      this.found.values += a.values.length;
      this.found.messages += a.mailbox.length;
      this.found.timers += a.timers.length;
    }
    return out;
  }
}

/** Pass two: rows for the three savepoint tables (values inline in the address rows), flushed in unnest() batches inside the import's transaction. */
class RowWriter {
  readonly written = { ...counts(), bytes: 0 };
  private addr = { address: [] as string[], type: [] as string[], version: [] as number[], invoked: [] as Array<number | null> };
  private vals = { address: [] as string[], name: [] as string[], value: [] as Buffer[], written: [] as number[] };
  private msgs = { address: [] as string[], type: [] as string[], seq: [] as number[], entry: [] as Buffer[] };
  private tims = { partition: [] as number[], id: [] as string[], sender: [] as string[], due: [] as number[], data: [] as Buffer[] };

  constructor(
    private readonly c: pg.PoolClient,
    private readonly id: string,
    private readonly keys: Partitioning,
  ) {}

  async add(a: FileAddress): Promise<void> {
    const type = functionTypeOf(parseAddress(a.address)!);
    if (a.version > 0) {
      this.addr.address.push(a.address);
      this.addr.type.push(type);
      this.addr.version.push(a.version);
      this.addr.invoked.push(a.invokedAt);
    }
    for (const v of a.values) {
      const value = Buffer.from(v.base64, "base64");
      this.vals.address.push(a.address);
      this.vals.name.push(v.name);
      this.vals.value.push(value);
      this.vals.written.push(v.writtenAt);
      this.written.bytes += value.length;
    }
    a.mailbox.forEach((m, i) => {
      const entry = entryFromFile(m);
      this.msgs.address.push(a.address);
      this.msgs.type.push(type);
      this.msgs.seq.push(i);
      this.msgs.entry.push(entry);
      this.written.bytes += entry.length;
    });
    for (const t of a.timers) {
      const row = timerFromFile(this.keys, t);
      this.tims.partition.push(row.partition);
      this.tims.id.push(t.id);
      this.tims.sender.push(row.senderType);
      this.tims.due.push(t.dueAt);
      this.tims.data.push(row.data);
      this.written.bytes += row.data.length;
    }
    if (Math.max(this.addr.address.length, this.vals.address.length, this.msgs.address.length, this.tims.id.length) >= BATCH) await this.flush();
  }

  async flush(): Promise<void> {
    const { c, id, addr, vals, msgs, tims } = this;
    // Values go inline into their address's row (validation allows values only on addresses with a version, and
    // add() queues an address and its values together, so both are in this batch).
    if (addr.address.length)
      await c.query(
        `INSERT INTO savepoint_address (savepoint_id, address, function_type, version, invoked_at, value_names, value_data, value_written, value_bytes)
         SELECT $1, a.address, a.function_type, a.version, a.invoked_at, coalesce(v.names, '{}'), coalesce(v.vals, '{}'), coalesce(v.ws, '{}'), coalesce(v.b, 0)
           FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS a(address, function_type, version, invoked_at)
           LEFT JOIN (SELECT address, array_agg(name ORDER BY name) AS names, array_agg(value ORDER BY name) AS vals, array_agg(written_at ORDER BY name) AS ws, sum(octet_length(value))::int AS b
                        FROM unnest($6::text[], $7::text[], $8::bytea[], $9::bigint[]) AS x(address, name, value, written_at) GROUP BY address) v ON v.address = a.address`,
        [id, addr.address, addr.type, addr.version, addr.invoked, vals.address, vals.name, vals.value, vals.written],
      );
    if (msgs.address.length)
      await c.query(
        `INSERT INTO savepoint_message (savepoint_id, address, function_type, seq, idx, entry)
         SELECT $1, address, function_type, seq, 0, entry FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bytea[]) AS m(address, function_type, seq, entry)`,
        [id, msgs.address, msgs.type, msgs.seq, msgs.entry],
      );
    if (tims.id.length)
      await c.query(`INSERT INTO savepoint_timer (savepoint_id, partition, id, sender_type, due_at, data) SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[], $5::bigint[], $6::bytea[])`, [
        id,
        tims.partition,
        tims.id,
        tims.sender,
        tims.due,
        tims.data,
      ]);
    this.written.addresses += addr.address.length;
    this.written.values += vals.address.length;
    this.written.messages += msgs.address.length;
    this.written.timers += tims.id.length;
    for (const cols of [addr, vals, msgs, tims]) for (const col of Object.values(cols)) col.length = 0;
  }
}

/**
 * Creates a complete savepoint (origin "import") of `application` from an exported file. Every line is
 * validated first and a file with any invalid line is refused with each line's number and reason, writing
 * nothing; a valid file is written in one transaction (savepoint row, its rows, the audit row), with mailbox
 * entries and timer records re-encoded for this deployment's keys. Roll back onto it to make it live.
 */
export async function importSavepoint(ctx: Ctx, pool: pg.Pool, actor: Principal, application: string, body: string) {
  const started = Date.now();
  const app = await findApplication(ctx.db, application);
  const registry = await loadRegistrySnapshot(ctx.db, 0);
  const typenames = await specTypenames(pool, null);

  const lines = linesOf(body);
  const first = lines.next();
  const header = parseHeader(first.done ? undefined : first.value);
  const headerLine = first.done ? 1 : first.value.n;
  const check = new FileCheck(application, registry, typenames);
  if (!header.ok) check.errors.push({ line: headerLine, error: header.error });
  for (const l of lines) check.line(l);
  if (header.ok && check.errors.length === 0) {
    const said = header.value.counts;
    const has = check.found;
    if (said.addresses !== has.addresses || said.values !== has.values || said.messages !== has.messages || said.timers !== has.timers)
      check.errors.push({
        line: headerLine,
        error: `the header counts ${said.addresses} addresses, ${said.values} values, ${said.messages} messages and ${said.timers} timers, but the file holds ${has.addresses}, ${has.values}, ${has.messages} and ${has.timers} (is it truncated?)`,
      });
  }
  if (!header.ok || check.errors.length) {
    const e = check.errors;
    throw new AppError("bad-request", `${e.length} line${e.length === 1 ? " is" : "s are"} invalid; nothing was imported. Line ${e[0].line}: ${e[0].error}`, {
      errors: e.slice(0, MAX_REPORTED),
      invalidLines: e.length,
    });
  }

  const h = header.value;
  const functionTypes = [...new Set([...check.types, ...h.functionTypes.filter((t) => registry.resolve(t)?.application === application)])].sort();
  const id = randomUUID();
  const label = (h.savepoint.label || "imported").slice(0, 200);
  const keys = planeOf(ctx).keys;
  await inTransaction(pool, async (c) => {
    await c.query(
      `INSERT INTO savepoint (id, "applicationId", label, status, origin, seq, "functionTypes", "createdBy", "finishedAt") VALUES ($1, $2, $3, 'complete', 'import', NULL, $4, $5, now())`,
      [id, app.id, label, functionTypes, actor.name],
    );
    await createPartition(c, id);
    const w = new RowWriter(c, id, keys);
    const again = linesOf(body);
    again.next(); // the header
    for (const l of again) await w.add(SavepointFileAddress.parse(JSON.parse(l.text)));
    await w.flush();
    const n = w.written;
    await c.query(`UPDATE savepoint SET addresses = $2, "values" = $3, messages = $4, timers = $5, bytes = $6, "durationMs" = $7 WHERE id = $1`, [
      id,
      n.addresses,
      n.values,
      n.messages,
      n.timers,
      n.bytes,
      Date.now() - started,
    ]);
    await recordAuditPg(c, actor, {
      action: "savepoint.import",
      targetType: "savepoint",
      target: id,
      after: { application, label, functionTypes, ...n, source: { application: h.application, savepoint: h.savepoint.id, seq: h.cut.seq } },
    });
  });
  await applyRetention(ctx, pool, app.id);
  return toSavepointView(await ctx.db.savepoint.findUniqueOrThrow({ where: { id } }), application);
}
