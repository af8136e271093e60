import type pg from "pg";
import { functionTypeOf, parseAddress, type Partitioning } from "../dispatch/keys";
import { copyRows, pgArray } from "../pg";
import { entryFromFile, timerFromFile, type FileAddress } from "./savepoint-format";
import { attachLoadTables, createLoadTables, indexLoadTable } from "./savepoint-tables";

/**
 * What one chunk holds before it goes to Postgres: this many address lines, or this many bytes of decoded values,
 * mailbox entries and timer records, whichever comes first. Two chunks at most are in memory (one filling, one
 * being written), so an import's memory does not grow with its file.
 */
const CHUNK_LINES = 1_000;
const CHUNK_BYTES = 1024 * 1024;

export interface LineError {
  line: number;
  error: string;
}

type Row = Array<string | number | Buffer | null>;

interface Chunk {
  /** Each address once, with its line: checked against the lines of the chunks before (import_line). */
  addresses: string[];
  lines: number[];
  address: Row[];
  message: Row[];
  timer: Row[];
  values: number;
  bytes: number;
}

const ADDRESS_COLUMNS = ["savepoint_id", "address", "function_type", "version", "invoked_at", "value_names", "value_data", "value_written", "value_bytes"];
const MESSAGE_COLUMNS = ["savepoint_id", "address", "function_type", "seq", "idx", "entry"];
const TIMER_COLUMNS = ["savepoint_id", "partition", "id", "sender_type", "due_at", "data"];

const empty = (): Chunk => ({ addresses: [], lines: [], address: [], message: [], timer: [], values: 0, bytes: 0 });

/**
 * The rows of an import, written while the file is read, in the import's transaction: address rows (values
 * inline) into a detached, index-free table of the savepoint's own (indexed and attached at the end, as a
 * savepoint is taken), mailbox entries and timer records into theirs, each chunk by COPY. No address twice is
 * checked against a temporary table of (address, line) instead of a set in memory, which would grow with the file.
 * Once any line is refused nothing more is written (the transaction is rolled back), but addresses are still
 * recorded, so a repeated one is reported by its line as before.
 */
export class ImportRows {
  readonly written = { addresses: 0, values: 0, messages: 0, timers: 0, bytes: 0 };
  private chunk = empty();
  /** This chunk's addresses: a repeat inside it is found here, one of an earlier chunk by Postgres. */
  private seen = new Map<string, number>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly c: pg.PoolClient,
    private readonly id: string,
    private readonly table: string,
    private readonly keys: Partitioning,
    private readonly errors: LineError[],
  ) {}

  /** In the caller's transaction: the savepoint's load table and the address register (dropped with the transaction). */
  static async open(c: pg.PoolClient, id: string, keys: Partitioning, errors: LineError[]): Promise<ImportRows> {
    const [table] = await createLoadTables(c, id, null);
    await c.query(`CREATE TEMP TABLE import_line (address text PRIMARY KEY, line int NOT NULL) ON COMMIT DROP`);
    return new ImportRows(c, id, table, keys, errors);
  }

  /** Registers a line's address; the line it was first seen on in this chunk, if it was. */
  claim(address: string, line: number): number | undefined {
    const first = this.seen.get(address);
    if (first !== undefined) return first;
    this.seen.set(address, line);
    this.chunk.addresses.push(address);
    this.chunk.lines.push(line);
    return undefined;
  }

  /** A valid line's rows (values sorted by name, as every savepoint row holds them). */
  add(a: FileAddress): void {
    const { id, chunk } = this;
    const type = functionTypeOf(parseAddress(a.address)!);
    if (a.version > 0) {
      const values = [...a.values].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
      const data = values.map((v) => Buffer.from(v.base64, "base64"));
      const bytes = data.reduce((n, b) => n + b.length, 0);
      chunk.address.push([id, a.address, type, a.version, a.invokedAt, pgArray(values.map((v) => v.name)), pgArray(data), pgArray(values.map((v) => v.writtenAt)), bytes]);
      chunk.values += values.length;
      chunk.bytes += bytes;
    }
    a.mailbox.forEach((m, i) => {
      const entry = entryFromFile(m);
      chunk.message.push([id, a.address, type, i, 0, entry]);
      chunk.bytes += entry.length;
    });
    for (const t of a.timers) {
      const row = timerFromFile(this.keys, t);
      chunk.timer.push([id, row.partition, t.id, row.senderType, t.dueAt, row.data]);
      chunk.bytes += row.data.length;
    }
  }

  get full(): boolean {
    return this.chunk.addresses.length >= CHUNK_LINES || this.chunk.bytes >= CHUNK_BYTES;
  }

  /**
   * Hands the chunk to Postgres and starts the next one while it is written; the chunk before must be written
   * first (one connection: its statements run in turn anyway). A failure surfaces here or in finish().
   */
  async flush(): Promise<void> {
    const chunk = this.chunk;
    this.chunk = empty();
    this.seen = new Map();
    await this.writing;
    this.writing = this.write(chunk);
    this.writing.catch(() => undefined);
  }

  /** Writes what is left; then, if no line was refused, indexes the address table and attaches it. */
  async finish(): Promise<void> {
    await this.flush();
    await this.writing;
    if (this.errors.length) return;
    await indexLoadTable(this.c, this.table);
    await attachLoadTables(this.c, this.id, null);
  }

  private async write(chunk: Chunk): Promise<void> {
    const { c, errors } = this;
    if (chunk.addresses.length) {
      // the statement's snapshot does not see the rows its own INSERT adds: the join finds earlier chunks only
      const again = await c.query<{ address: string; line: number; first: number }>(
        `WITH n AS (SELECT * FROM unnest($1::text[], $2::int[]) AS n(address, line)),
              ins AS (INSERT INTO import_line SELECT address, line FROM n ON CONFLICT (address) DO NOTHING)
         SELECT n.address, n.line, l.line AS first FROM n JOIN import_line l USING (address)`,
        [chunk.addresses, chunk.lines],
      );
      for (const r of again.rows) errors.push({ line: r.line, error: `address ${r.address} is already on line ${r.first}` });
    }
    if (errors.length) return;
    await copyRows(c, `"${this.table}"`, ADDRESS_COLUMNS, chunk.address);
    await copyRows(c, "savepoint_message", MESSAGE_COLUMNS, chunk.message);
    await copyRows(c, "savepoint_timer", TIMER_COLUMNS, chunk.timer);
    this.written.addresses += chunk.address.length;
    this.written.values += chunk.values;
    this.written.messages += chunk.message.length;
    this.written.timers += chunk.timer.length;
    this.written.bytes += chunk.bytes;
  }
}
