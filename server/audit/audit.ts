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

export const actorName = (p: Principal) => (p.kind === "admin-token" ? "admin-token" : `${p.kind}:${p.name}`);

const json = (v: unknown) => (v === undefined || v === null ? Prisma.DbNull : (JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue));

/** Call inside the mutation's own transaction: the change and its audit row commit together or not at all. */
export async function recordAudit(tx: Tx, actor: Principal, e: AuditEntry): Promise<void> {
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

export async function listAudit(
  db: Db,
  q: { cursor?: string; limit: number; targetType?: string; target?: string },
) {
  const before = q.cursor ? BigInt(q.cursor) : undefined;
  const rows = await db.auditEvent.findMany({
    where: {
      ...(before !== undefined ? { id: { lt: before } } : {}),
      ...(q.targetType ? { targetType: q.targetType } : {}),
      ...(q.target ? { target: q.target } : {}),
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
