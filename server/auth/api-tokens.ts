import type { Principal, Role } from "../contracts/auth";
import type { Ctx } from "../context";
import { AppError } from "../errors";
import { recordAudit } from "../audit/audit";
import { randomSecret, sha256 } from "./secrets";
import { isUuid } from "./users";
import { forgetCachedTokens } from "./authenticate";

type TokenRow = { id: string; name: string; prefix: string; role: Role; createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };

const toToken = (t: TokenRow) => ({
  id: t.id,
  name: t.name,
  prefix: t.prefix,
  role: t.role,
  createdAt: t.createdAt.toISOString(),
  lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
  revokedAt: t.revokedAt?.toISOString() ?? null,
});

export async function listApiTokens(ctx: Ctx) {
  return { tokens: (await ctx.db.apiToken.findMany({ orderBy: { createdAt: "desc" } })).map(toToken) };
}

/** The secret is returned once; only its SHA-256 is stored. */
export async function createApiToken(ctx: Ctx, actor: Principal, input: { name: string; role: Role }) {
  const token = `sh_${randomSecret(30)}`;
  const creator = actor.kind === "user" ? await ctx.db.user.findUnique({ where: { username: actor.name } }) : null;
  return ctx.db.$transaction(async (tx) => {
    const t = await tx.apiToken.create({
      data: { name: input.name, role: input.role, prefix: token.slice(0, 9), tokenHash: sha256(token), createdById: creator?.id },
    });
    await recordAudit(tx, actor, { action: "token.create", targetType: "token", target: t.name, after: { id: t.id, role: t.role, prefix: t.prefix } });
    return { ...toToken(t), token };
  });
}

export async function revokeApiToken(ctx: Ctx, actor: Principal, tokenId: string) {
  if (!isUuid(tokenId)) throw new AppError("not-found", `no API token with id "${tokenId}"`);
  forgetCachedTokens(ctx);
  return ctx.db.$transaction(async (tx) => {
    const before = await tx.apiToken.findUnique({ where: { id: tokenId } });
    if (!before) throw new AppError("not-found", `no API token with id "${tokenId}"`);
    const t = before.revokedAt ? before : await tx.apiToken.update({ where: { id: tokenId }, data: { revokedAt: new Date() } });
    await recordAudit(tx, actor, { action: "token.revoke", targetType: "token", target: t.name, before: { revoked: Boolean(before.revokedAt) }, after: { revoked: true } });
    return toToken(t);
  });
}
