import { isUuid, type Principal, type Role } from "../contracts/auth";
import type { Ctx } from "../context";
import type { Db, Tx } from "../db";
import { AppError } from "../errors";
import { recordAudit } from "../audit/audit";
import { hashPassword } from "./secrets";
import { isUniqueViolation } from "../db-errors";

type UserRow = { id: string; username: string; role: Role; disabled: boolean; createdAt: Date; lastLoginAt: Date | null };

export const toUser = (u: UserRow) => ({
  id: u.id,
  username: u.username,
  role: u.role,
  disabled: u.disabled,
  createdAt: u.createdAt.toISOString(),
  lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
});

/**
 * User names are unique regardless of case (a unique index on lower(username)), and looked up the same way: at
 * login, by the bootstrap, by PATCH /users/{name}. Prisma's case-insensitive equals is an ILIKE, where `_` and `%`
 * are wildcards (prisma/orm#10810), so they are escaped: "a_min" must not find "admin".
 */
export function findUserByName(db: Db | Tx, username: string) {
  return db.user.findFirst({ where: { username: { equals: username.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" } }, orderBy: { createdAt: "asc" } });
}

export async function listUsers(ctx: Ctx) {
  return { users: (await ctx.db.user.findMany({ orderBy: { username: "asc" } })).map(toUser) };
}

export async function createUser(ctx: Ctx, actor: Principal, input: { username: string; password: string; role: Role }) {
  const passwordHash = await hashPassword(input.password);
  try {
    return await ctx.db.$transaction(async (tx) => {
      const u = await tx.user.create({ data: { username: input.username, passwordHash, role: input.role } });
      await recordAudit(tx, actor, { action: "user.create", targetType: "user", target: u.username, after: { role: u.role } });
      return toUser(u);
    });
  } catch (e) {
    if (isUniqueViolation(e))
      throw new AppError("already-exists", `a user named "${input.username}" already exists (user names are unique regardless of case)`);
    throw e;
  }
}

export async function updateUser(
  ctx: Ctx,
  actor: Principal,
  userId: string,
  input: { role?: Role; disabled?: boolean; password?: string },
) {
  const passwordHash = input.password ? await hashPassword(input.password) : undefined;
  return ctx.db.$transaction(async (tx) => {
    const before = (isUuid(userId) ? await tx.user.findUnique({ where: { id: userId } }) : null) ?? (await findUserByName(tx, userId));
    if (!before) throw new AppError("not-found", `no user "${userId}"`);
    const u = await tx.user.update({
      where: { id: before.id },
      data: { role: input.role, disabled: input.disabled, ...(passwordHash ? { passwordHash } : {}) },
    });
    if (input.disabled || passwordHash) await tx.session.deleteMany({ where: { userId: u.id } });
    await recordAudit(tx, actor, {
      action: "user.update",
      targetType: "user",
      target: u.username,
      before: { role: before.role, disabled: before.disabled },
      after: { role: u.role, disabled: u.disabled, passwordChanged: Boolean(passwordHash) },
    });
    return toUser(u);
  });
}

export { isUuid };
