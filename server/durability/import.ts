import { randomUUID } from "node:crypto";
import type pg from "pg";
import type { z } from "zod";
import { IMPORT_MAX_LINE_BYTES } from "../contracts/savepoints";
import { readLines, type StreamLine } from "../http/read-lines";
import type { Ctx } from "../context";
import type { Principal } from "../contracts/auth";
import { AppError } from "../errors";
import { getOrSet } from "../collections";
import { recordAuditPg } from "../audit/audit";
import { formatZodError } from "../http/zod-errors";
import { findApplication } from "../registry/applications";
import { loadRegistrySnapshot, type RegistrySnapshot } from "../registry/registry-snapshot";
import { planeOf } from "../dispatch/plane";
import { functionTypeOf, parseAddress } from "../dispatch/keys";
import { inTransaction } from "../pg";
import { applyRetention, toSavepointView } from "./savepoints";
import { ImportRows, type LineError } from "./import-rows";
import {
  SAVEPOINT_FORMAT,
  SAVEPOINT_FORMAT_VERSION,
  SavepointFileAddress,
  SavepointFileHeader,
  senderOfTimer,
  specKey,
  specTypenames,
  type FileAddress,
  type FileHeader,
} from "./savepoint-format";

/** Bad lines reported in the refusal; reading stops once this many are found. */
const MAX_REPORTED = 100;
/**
 * After the first bad line, reading goes on for this many lines or bytes at most, to report the bad lines near
 * it, and then stops: a file with a bad line near its start is refused without being read (or uploaded) whole.
 */
const REPORT_WINDOW_LINES = 1_000;
const REPORT_WINDOW_BYTES = 1024 * 1024;
/** What follows the sender's address in a delayed message's id (reply-plan.ts makes them). */
const TIMER_ID_TAIL = /^@\d+#d\d+$/;

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

const tooLong = (l: StreamLine) => `the line is ${l.bytes} bytes long; the limit is ${IMPORT_MAX_LINE_BYTES} (one address with its values, mailbox and timers)`;

function parseHeader(line: StreamLine): Parsed<FileHeader> {
  if (line.text === null) return { ok: false, error: tooLong(line) };
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
 * Every line is checked against the format and against this deployment (the address's function type is bound to
 * the application, values carry the typename its state spec registers, no address twice, each timer on its
 * sender's line) as it is read; a valid line's rows go to `rows` until a line is refused. Keeps only counts and
 * the function types seen: the addresses are registered with `rows`, in Postgres.
 */
class FileCheck {
  readonly found = counts();
  readonly types = new Set<string>();

  constructor(
    private readonly application: string,
    private readonly registry: RegistrySnapshot,
    private readonly typenames: Map<string, string>,
    private readonly rows: ImportRows,
    readonly errors: LineError[],
  ) {}

  line(l: StreamLine): void {
    const p = l.text === null ? ({ ok: false, error: tooLong(l) } as const) : parseLine(SavepointFileAddress, l.text);
    const problems = p.ok ? this.problems(p.value, l.n) : [p.error];
    if (problems.length) this.errors.push({ line: l.n, error: problems.join("; ") });
    else if (p.ok && this.errors.length === 0) this.rows.add(p.value);
  }

  private problems(a: FileAddress, n: number): string[] {
    const out: string[] = [];
    const type = functionTypeOf(parseAddress(a.address)!);
    const bound = this.registry.resolve(type)?.application;
    if (bound !== this.application)
      out.push(bound ? `function type ${type} belongs to application "${bound}", not "${this.application}"` : `function type ${type} is not bound to application "${this.application}" (no endpoint serves it)`);
    const first = this.rows.claim(a.address, n);
    if (first !== undefined) out.push(`address ${a.address} is already on line ${first}`);
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
      if (senderOfTimer(t.id) !== a.address || !TIMER_ID_TAIL.test(t.id.slice(a.address.length)))
        out.push(`timer ${t.id} is not a delayed message of ${a.address} (ids are <sender address>@<version>#d<n>, on the sender's line)`);
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

/** The refusal of a file: each bad line (one entry per line, in order) and why; nothing was imported. */
function refusal(errors: LineError[], stoppedAt: number | null): AppError {
  const byLine = new Map<number, string[]>();
  for (const e of [...errors].sort((x, y) => x.line - y.line)) getOrSet(byLine, e.line, () => []).push(e.error);
  const e = [...byLine].map(([line, why]) => ({ line, error: why.join("; ") }));
  const count = `${stoppedAt === null ? "" : "at least "}${e.length} line${e.length === 1 ? " is" : "s are"}`;
  const stop = stoppedAt === null ? "" : ` (reading stopped at line ${stoppedAt})`;
  return new AppError("bad-request", `${count} invalid; nothing was imported${stop}. Line ${e[0].line}: ${e[0].error}`, {
    errors: e.slice(0, MAX_REPORTED),
    invalidLines: e.length,
  });
}

/**
 * Creates a complete savepoint (origin "import") of `application` from an exported file, read as it arrives:
 * each line is checked and its rows written in chunks (ImportRows) in one transaction, so memory stays flat
 * whatever the file's size. A file with any invalid line is refused with each bad line's number and reason
 * (those found up to a window past the first) and the transaction is rolled back: nothing is imported. Mailbox
 * entries and timer records are re-encoded for this deployment's keys. Roll back onto it to make it live.
 */
export async function importSavepoint(ctx: Ctx, pool: pg.Pool, actor: Principal, application: string, body: AsyncIterable<Uint8Array>) {
  const started = Date.now();
  const app = await findApplication(ctx.db, application);
  const registry = await loadRegistrySnapshot(ctx.db, 0);
  const typenames = await specTypenames(pool, null);
  const id = randomUUID();
  const keys = planeOf(ctx).keys;

  await inTransaction(pool, async (c) => {
    const errors: LineError[] = [];
    const rows = await ImportRows.open(c, id, keys, errors);
    const check = new FileCheck(application, registry, typenames, rows, errors);
    let header: { line: number; value: FileHeader } | undefined;
    let stoppedAt: number | null = null;
    const since = { lines: 0, bytes: 0 };
    for await (const l of readLines(body, IMPORT_MAX_LINE_BYTES)) {
      if (!header) {
        const h = parseHeader(l);
        if (!h.ok) throw refusal([{ line: l.n, error: h.error }], null);
        header = { line: l.n, value: h.value };
        continue;
      }
      check.line(l);
      if (rows.full) await rows.flush();
      if (errors.length === 0) continue;
      since.lines++;
      since.bytes += l.bytes;
      if (errors.length >= MAX_REPORTED || since.lines > REPORT_WINDOW_LINES || since.bytes > REPORT_WINDOW_BYTES) {
        stoppedAt = l.n;
        break;
      }
    }
    if (!header) throw refusal([{ line: 1, error: "the file is empty; its first line must be the header of a statehouse.savepoint file" }], null);
    await rows.finish();
    if (errors.length) throw refusal(errors, stoppedAt);
    const said = header.value.counts;
    const has = check.found;
    if (said.addresses !== has.addresses || said.values !== has.values || said.messages !== has.messages || said.timers !== has.timers)
      throw refusal(
        [
          {
            line: header.line,
            error: `the header counts ${said.addresses} addresses, ${said.values} values, ${said.messages} messages and ${said.timers} timers, but the file holds ${has.addresses}, ${has.values}, ${has.messages} and ${has.timers} (is it truncated?)`,
          },
        ],
        null,
      );

    const h = header.value;
    const functionTypes = [...new Set([...check.types, ...h.functionTypes.filter((t) => registry.resolve(t)?.application === application)])].sort();
    const label = (h.savepoint.label || "imported").slice(0, 200);
    const n = rows.written;
    await c.query(
      `INSERT INTO savepoint (id, "applicationId", label, status, origin, seq, "functionTypes", "createdBy", "finishedAt", addresses, "values", messages, timers, bytes, "durationMs")
       VALUES ($1, $2, $3, 'complete', 'import', NULL, $4, $5, now(), $6, $7, $8, $9, $10, $11)`,
      [id, app.id, label, functionTypes, actor.name, n.addresses, n.values, n.messages, n.timers, n.bytes, Date.now() - started],
    );
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
