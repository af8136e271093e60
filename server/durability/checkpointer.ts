import type pg from "pg";
import type { Logger } from "../logger";
import type { Redis } from "../redis";
import type { Partitioning } from "../dispatch/keys";
import { inTransaction } from "../pg";
import { ChangeFold, seqOfId } from "./changelog";
import { applyFold, readCursor } from "./checkpoint-store";
import { checkpointStatusKey } from "./lag";

export interface CheckpointerConfig {
  /** Entries read per partition per round. */
  batch: number;
  /** Drained entries kept per partition (the history API reads them); older ones are trimmed. */
  retain: number;
}

export interface RoundResult {
  /** Changelog entries applied. */
  entries: number;
  /** The cursor after the round (every change with sequence ≤ it is in Postgres). */
  seq: number;
  /** More was pending than one round reads. */
  more: boolean;
  /** Redis's global sequence is behind the checkpoint: Redis came back with older data (an old AOF or RDB). */
  regressed?: boolean;
}

/**
 * Drains every partition's changelog stream into Postgres, one consistent cut per round: it reads the global
 * sequence G, reads every partition's entries in (cursor, G], folds them and applies them in one transaction
 * that also moves the cursor to G — so Postgres always equals the data plane as of one sequence number, and a
 * savepoint is any snapshot of it. Streams are trimmed only after COMMIT, and only entries ≤ the cursor; a
 * crash between COMMIT and trim replays nothing (the next round starts after the cursor).
 */
export class Checkpointer {
  /** Per partition: ids drained and still in the stream, oldest first (bounded by `retain`). */
  private readonly kept = new Map<number, string[]>();
  private cursor: number | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly pool: pg.Pool,
    private readonly keys: Partitioning,
    private readonly log: Logger,
    private readonly cfg: CheckpointerConfig,
  ) {}

  async round(): Promise<RoundResult> {
    const startedAt = Date.now();
    const from = this.cursor ?? (await readCursor(this.pool))?.seq ?? 0;
    const G = Number((await this.redis.get(this.keys.seq)) ?? 0);
    if (G < from) return { entries: 0, seq: from, more: false, regressed: true };
    if (G === from) {
      this.cursor = from;
      await this.publish(from, startedAt, 0);
      return { entries: 0, seq: from, more: false };
    }
    const P = this.keys.partitions;
    const pipe = this.redis.pipeline();
    for (let p = 0; p < P; p++) pipe.xrangeBuffer(this.keys.changelog(p), String(from + 1), String(G), "COUNT", this.cfg.batch);
    const res = (await pipe.exec()) ?? [];
    const rows: Array<Array<[Buffer, Buffer[]]>> = res.map(([err, r]) => {
      if (err) throw err;
      return r as Array<[Buffer, Buffer[]]>;
    });
    // A partition that had more than `batch` entries bounds the cut: this round ends before its last sequence
    // read (whose later chunks may be unread), and the rest waits for the next round.
    let cut = G;
    for (const r of rows) if (r.length === this.cfg.batch) cut = Math.min(cut, seqOfId(r[r.length - 1][0].toString()) - 1);
    if (cut <= from) {
      // one sequence with more chunks than a batch: read that partition whole
      cut = G;
      for (let p = 0; p < P; p++) if (rows[p].length === this.cfg.batch) rows[p] = (await this.redis.xrangeBuffer(this.keys.changelog(p), String(from + 1), String(G))) as Array<[Buffer, Buffer[]]>;
    }
    const fold = new ChangeFold();
    let oldestPending = Infinity;
    const drained: Array<[number, string[]]> = [];
    rows.forEach((r, p) => {
      const ids: string[] = [];
      for (const [idBuf, fields] of r) {
        const id = idBuf.toString();
        if (seqOfId(id) > cut) {
          oldestPending = Math.min(oldestPending, atOf(fields) ?? startedAt);
          break;
        }
        fold.add(p, id, fields);
        ids.push(id);
      }
      if (ids.length) drained.push([p, ids]);
    });
    const ok = await inTransaction(this.pool, async (c) => {
      const applied = await applyFold(c, fold, from, cut);
      if (!applied) throw new CursorMoved();
      return applied;
    }).catch((e) => {
      if (e instanceof CursorMoved) return false;
      throw e;
    });
    if (!ok) {
      // another checkpointer applied this range: start again from the cursor in Postgres
      this.cursor = null;
      this.log.warn({ from }, "checkpoint cursor moved under this checkpointer; re-reading it");
      return { entries: 0, seq: from, more: true };
    }
    this.cursor = cut;
    await this.trim(drained);
    await this.publish(cut, Number.isFinite(oldestPending) ? oldestPending : startedAt, G - cut);
    return { entries: fold.entries, seq: cut, more: cut < G };
  }

  /** Keeps the newest `retain` drained entries per partition for the history API; trims the rest. */
  private async trim(drained: Array<[number, string[]]>): Promise<void> {
    const pipe = this.redis.pipeline();
    let n = 0;
    for (const [p, ids] of drained) {
      const kept = this.kept.get(p) ?? [];
      kept.push(...ids);
      if (kept.length > this.cfg.retain) {
        kept.splice(0, kept.length - this.cfg.retain);
        // every entry below the oldest kept one is drained (kept holds drained ids only)
        const minId = kept[0] ?? nextId(ids[ids.length - 1]);
        pipe.xtrim(this.keys.changelog(p), "MINID", minId);
        n++;
      }
      this.kept.set(p, kept);
    }
    if (n) await pipe.exec();
  }

  /** What the lag gate and /api/health read: the cursor, and since when changes have been waiting for Postgres. */
  private async publish(seq: number, pendingSince: number, pending: number): Promise<void> {
    await this.redis.hset(checkpointStatusKey(this.keys.prefix), "seq", seq, "since", pendingSince, "pending", pending, "at", Date.now());
  }
}

class CursorMoved extends Error {}

/** The smallest stream id after `id`. */
function nextId(id: string): string {
  const dash = id.indexOf("-");
  return `${id.slice(0, dash)}-${Number(id.slice(dash + 1)) + 1}`;
}

function atOf(fields: Buffer[]): number | null {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i].toString() === "at") return Number(fields[i + 1].toString());
  return null;
}
