import type pg from "pg";
import type { Principal } from "../contracts/auth";
import type { Db, Tx } from "../db";
import { Prisma } from "../generated/prisma/client.ts";

export interface AuditEntry {
  action: string;
  targetType: string;
  target: string;
  before?: unknown;
  after?: unknown;
}

/** Who acted: a principal, or someone who is not signed in (a refused login), named by what is known of it. */
export type AuditActor = Principal | { kind: "anonymous"; name: string };

export const actorName = (p: AuditActor) => (p.kind === "admin-token" ? "admin-token" : `${p.kind}:${p.name}`);

const json = (v: unknown) => (v === undefined || v === null ? Prisma.DbNull : (JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue));

/** Call inside the mutation's own transaction: the change and its audit row commit together or not at all. */
export async function recordAudit(tx: Tx | Db, actor: AuditActor, e: AuditEntry): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actor: actorName(actor),
      actorKind: actor.kind,
      action: e.action,
      targetType: e.targetType,
      target: e.target,
      before: json(e.before),
      after: json(e.after),
    },
  });
}

/**
 * The same row from a `pg` transaction (the bulk durability paths write with `pg`, not Prisma), so the change
 * and its audit row still commit together.
 */
export async function recordAuditPg(c: pg.PoolClient, actor: Principal, e: AuditEntry): Promise<void> {
  const jsonb = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  await c.query(`INSERT INTO "AuditEvent" (actor, "actorKind", action, "targetType", target, before, after) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)`, [
    actorName(actor),
    actor.kind,
    e.action,
    e.targetType,
    e.target,
    jsonb(e.before),
    jsonb(e.after),
  ]);
}

export async function listAudit(
  db: Db,
  q: { cursor?: string; limit: number; targetType?: string; target?: string; actor?: string },
) {
  const before = q.cursor ? BigInt(q.cursor) : undefined;
  const rows = await db.auditEvent.findMany({
    where: {
      ...(before !== undefined ? { id: { lt: before } } : {}),
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.target ? { target: q.target } : {}),
      ...(q.actor ? { actor: q.actor } : {}),
    },
    orderBy: { id: "desc" },
    take: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return {
    events: page.map((r) => ({
      id: r.id.toString(),
      at: r.at.toISOString(),
      actor: r.actor,
      actorKind: r.actorKind,
      action: r.action,
      targetType: r.targetType,
      target: r.target,
      before: r.before ?? null,
      after: r.after ?? null,
    })),
    next: rows.length > q.limit ? page[page.length - 1].id.toString() : null,
  };
}
