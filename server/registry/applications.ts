import type { Principal } from "../contracts/auth";
import type { Ctx } from "../context";
import type { Tx } from "../db";
import { AppError } from "../errors";
import { isUniqueViolation } from "../db-errors";
import { recordAudit } from "../audit/audit";
import { announceRegistryChange } from "./registry-bus";
import { toApplication, toEndpoint } from "./dto";
import { withSeenTypes } from "./seen-types";

const counts = { _count: { select: { endpoints: true, ingresses: true, egresses: true } } } as const;

export async function findApplication(tx: Tx | Ctx["db"], name: string) {
  const app = await tx.application.findUnique({ where: { name }, include: counts });
  if (!app) throw new AppError("application-not-found", `no application named "${name}"`);
  return app;
}

/** Keyset pagination by name: stable under concurrent inserts, never a full count. */
export async function listApplications(ctx: Ctx, q: { cursor?: string; limit: number }) {
  const rows = await ctx.db.application.findMany({
    where: q.cursor ? { name: { gt: q.cursor } } : undefined,
    orderBy: { name: "asc" },
    take: q.limit + 1,
    include: counts,
  });
  const page = rows.slice(0, q.limit);
  return { applications: page.map(toApplication), next: rows.length > q.limit ? page[page.length - 1].name : null };
}

export async function getApplication(ctx: Ctx, name: string) {
  const app = await ctx.db.application.findUnique({
    where: { name },
    include: { ...counts, endpoints: { orderBy: { functions: "asc" } }, ingresses: { orderBy: { ingressId: "asc" } }, egresses: { orderBy: { egressId: "asc" } } },
  });
  if (!app) throw new AppError("application-not-found", `no application named "${name}"`);
  return {
    ...toApplication(app),
    endpoints: await withSeenTypes(ctx, app.endpoints.map((e) => toEndpoint(e, app.name))),
    ingresses: app.ingresses.map((i) => ({ id: i.ingressId, kind: i.kind, spec: i.spec as Record<string, unknown> })),
    egresses: app.egresses.map((e) => ({ id: e.egressId, kind: e.kind, spec: e.spec as Record<string, unknown> })),
  };
}

/** Runs a registry mutation and its audit row in one transaction, then tells the workers. */
export async function registryMutation<T>(ctx: Ctx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const result = await ctx.db.$transaction(fn);
  await announceRegistryChange(ctx.redis, ctx.keys);
  return result;
}

export async function createApplication(ctx: Ctx, actor: Principal, input: { name: string; description?: string }) {
  try {
    return await registryMutation(ctx, async (tx) => {
      const app = await tx.application.create({ data: { name: input.name, description: input.description ?? "" }, include: counts });
      await recordAudit(tx, actor, { action: "application.create", targetType: "application", target: app.name, after: { description: app.description } });
      return toApplication(app);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError("already-exists", `an application named "${input.name}" already exists; pick another name`);
    throw e;
  }
}

export async function updateApplication(ctx: Ctx, actor: Principal, name: string, input: { description: string }) {
  return registryMutation(ctx, async (tx) => {
    const before = await findApplication(tx, name);
    const app = await tx.application.update({ where: { id: before.id }, data: { description: input.description }, include: counts });
    await recordAudit(tx, actor, { action: "application.update", targetType: "application", target: name, before: { description: before.description }, after: { description: app.description } });
    return toApplication(app);
  });
}

export async function deleteApplication(ctx: Ctx, actor: Principal, name: string) {
  return registryMutation(ctx, async (tx) => {
    const before = await findApplication(tx, name);
    const endpoints = await tx.functionEndpoint.findMany({ where: { applicationId: before.id }, select: { functions: true } });
    await tx.application.delete({ where: { id: before.id } });
    await recordAudit(tx, actor, {
      action: "application.delete",
      targetType: "application",
      target: name,
      before: { description: before.description, paused: before.paused, endpoints: endpoints.map((e) => e.functions) },
    });
    return { ok: true as const };
  });
}

export async function setApplicationPaused(ctx: Ctx, actor: Principal, name: string, paused: boolean) {
  return registryMutation(ctx, async (tx) => {
    const before = await findApplication(tx, name);
    const app =
      before.paused === paused
        ? before
        : await tx.application.update({ where: { id: before.id }, data: { paused, pausedAt: paused ? ctx.now() : null }, include: counts });
    await recordAudit(tx, actor, { action: paused ? "application.pause" : "application.resume", targetType: "application", target: name, before: { paused: before.paused }, after: { paused } });
    return toApplication(app);
  });
}
