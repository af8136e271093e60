import type { Principal } from "../contracts/auth";
import type { Ctx } from "../context";
import { AppError } from "../errors";
import { recordAudit } from "../audit/audit";
import { constantTimeEqual, hashPassword, randomSecret, sha256, verifyPassword } from "./secrets";
import { findUserByName } from "./users";
import { beginLoginAttempt, failLoginAttempt, succeedLoginAttempt } from "./login-throttle";

const SYSTEM: Principal = { kind: "admin-token", name: "system", role: "admin" };

/**
 * The first admin comes from STATEHOUSE_ADMIN_USER / STATEHOUSE_ADMIN_PASSWORD: created when that user does
 * not exist yet (by the seed, or on its first login). An existing user is never overwritten from env, and a user
 * whose name differs only in case is that user (names are unique regardless of case).
 */
export async function ensureBootstrapAdmin(ctx: Ctx): Promise<boolean> {
  const { STATEHOUSE_ADMIN_USER: username, STATEHOUSE_ADMIN_PASSWORD: password } = ctx.env;
  if (!username || !password) return false;
  if (await findUserByName(ctx.db, username)) return false;
  const passwordHash = await hashPassword(password);
  await ctx.db.$transaction(async (tx) => {
    const user = await tx.user.upsert({ where: { username }, update: {}, create: { username, passwordHash, role: "admin" } });
    await recordAudit(tx, SYSTEM, { action: "user.bootstrap", targetType: "user", target: user.username, after: { role: "admin" } });
  });
  return true;
}

export interface LoginResult {
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
  principal: Principal;
}

/**
 * The user name is matched regardless of case ("Admin" signs in as "admin"): names are unique that way, so the
 * match is never ambiguous. `client` is the caller's address when a trusted proxy tells it (login-throttle.ts).
 */
export async function login(ctx: Ctx, input: { username: string; password: string }, client: string | null = null): Promise<LoginResult> {
  const attempt = await beginLoginAttempt(ctx, input.username, client);
  const bootstrap = ctx.env.STATEHOUSE_ADMIN_USER;
  if (bootstrap && input.username.toLowerCase() === bootstrap.toLowerCase() && ctx.env.STATEHOUSE_ADMIN_PASSWORD && constantTimeEqual(input.password, ctx.env.STATEHOUSE_ADMIN_PASSWORD))
    await ensureBootstrapAdmin(ctx);
  const user = await findUserByName(ctx.db, input.username);
  // Same message for unknown user and wrong password: no username enumeration.
  if (!user || user.disabled || !(await verifyPassword(input.password, user.passwordHash))) {
    await failLoginAttempt(ctx, attempt, user?.username ?? null);
    throw new AppError("invalid-credentials", "the username or password is wrong");
  }
  const sessionToken = randomSecret();
  const csrfToken = randomSecret(24);
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + ctx.env.STATEHOUSE_SESSION_HOURS * 3_600_000);
  const principal: Principal = { kind: "user", name: user.username, role: user.role };
  await ctx.db.$transaction(async (tx) => {
    await tx.session.create({ data: { tokenHash: sha256(sessionToken), csrfToken, userId: user.id, expiresAt } });
    await tx.user.update({ where: { id: user.id }, data: { lastLoginAt: now } });
    await tx.session.deleteMany({ where: { userId: user.id, expiresAt: { lt: now } } });
    await recordAudit(tx, principal, { action: "session.login", targetType: "user", target: user.username, after: { expiresAt: expiresAt.toISOString() } });
  });
  await succeedLoginAttempt(ctx, attempt);
  return { sessionToken, csrfToken, expiresAt, principal };
}

export async function logout(ctx: Ctx, sessionId: string | null): Promise<void> {
  if (sessionId) await ctx.db.session.deleteMany({ where: { id: sessionId } });
}
