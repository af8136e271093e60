import type pg from "pg";
import type { Partitioning } from "../../server/dispatch/keys";
import type { Redis } from "../../server/redis";

const mib = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

/** Sizes and exact row counts of the checkpoint and savepoint tables of one schema. */
export async function pgSizes(pool: pg.Pool, schema: string) {
  const r = await pool.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_total_relation_size(c.oid) AS bytes FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
      WHERE s.nspname = $1 AND c.relkind = 'r' AND (c.relname LIKE 'cp\\_%' OR c.relname LIKE 'savepoint%') ORDER BY 1`,
    [schema],
  );
  const tables: Record<string, { mib: number; rows: number }> = {};
  for (const x of r.rows) tables[x.name] = { mib: mib(Number(x.bytes)), rows: Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM "${x.name}"`)).rows[0].n) };
  return { tables, totalMiB: mib(r.rows.reduce((s, x) => s + Number(x.bytes), 0)), note: "pg_total_relation_size (heap + indexes + TOAST, dead tuples included) and exact row counts" };
}

/** Redis bytes per address: MEMORY USAGE of the address's keys (meta + state hash + mailbox), over a sample. */
export async function bytesPerAddress(redis: Redis, K: Partitioning, addresses: string[]) {
  const sample = Array.from({ length: Math.min(500, addresses.length) }, (_, i) => addresses[Math.floor((i * addresses.length) / Math.min(500, addresses.length))]);
  const usage = (k: string) => redis.call("MEMORY", "USAGE", k, "SAMPLES", "0") as Promise<number | null>;
  const sizes = await Promise.all(
    sample.map(async (a) => {
      const p = K.partitionOf(a);
      const [m, s, mb] = await Promise.all([K.meta(p, a), K.state(p, a), K.mailbox(p, a)].map(usage));
      return (m ?? 0) + (s ?? 0) + (mb ?? 0);
    }),
  );
  const streams = await Promise.all(Array.from({ length: K.partitions }, (_, p) => usage(K.changelog(p))));
  const lens = await Promise.all(Array.from({ length: K.partitions }, (_, p) => redis.xlen(K.changelog(p))));
  return {
    keysPerAddressBytes: Math.round(sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)),
    changelogStreamsMiB: mib(streams.reduce<number>((a, b) => a + (b ?? 0), 0)),
    changelogEntriesKept: lens.reduce((a, b) => a + b, 0),
  };
}
