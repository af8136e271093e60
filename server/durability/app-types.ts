import type pg from "pg";
import type { RegistrySnapshot } from "../registry/registry-snapshot";

/**
 * The function types whose addresses belong to an application: every type present in the checkpoint (state,
 * mailboxes, delayed-message senders) that the registry resolves to one of its endpoints (exact beats
 * namespace wildcard, as for routing).
 */
export async function applicationTypes(q: pg.PoolClient | pg.Pool, registry: RegistrySnapshot, application: string, extra: string[] = []): Promise<string[]> {
  const r = await q.query<{ t: string }>(
    `SELECT function_type AS t FROM cp_address GROUP BY 1
     UNION SELECT function_type FROM cp_message GROUP BY 1
     UNION SELECT sender_type FROM cp_timer GROUP BY 1`,
  );
  const types = new Set([...r.rows.map((x) => x.t), ...extra]);
  return [...types].filter((t) => registry.resolve(t)?.application === application).sort();
}
