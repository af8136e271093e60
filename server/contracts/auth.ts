import { z } from "zod";
import { Role } from "./common";
import { PlainText } from "./names";
export { Role };

export const USERNAME_MAX = 100;
/** A user name as typed at login: any printable text (the first admin's comes from env, not CreateUser's rule). */
const UserNameText = PlainText("the user name").max(USERNAME_MAX);
const Password = (min: number) => PlainText("the password", { secret: true }).min(min, { message: min > 1 ? `must be at least ${min} characters` : "is required" }).max(500);

/** Ids are Postgres UUIDs; anything else can name no row and must not reach a query. */
export const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

export const LoginInput = z.object({ username: UserNameText, password: Password(1) });

export const Principal = z.object({
  kind: z.enum(["user", "token", "admin-token"]),
  name: z.string(),
  role: Role,
});
export type Principal = z.infer<typeof Principal>;

/** The CSRF token goes back in `X-CSRF-Token` on every cookie-authenticated mutation. */
export const SessionInfo = z.object({ user: Principal, csrfToken: z.string().nullable() });

export const User = z.object({
  id: z.string(),
  username: z.string(),
  role: Role,
  disabled: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().nullable(),
});
export const CreateUser = z.object({
  username: z
    .string()
    .min(1)
    .max(USERNAME_MAX)
    .regex(/^[A-Za-z0-9._@-]+$/, { message: "may contain letters, digits and . _ @ - only" }),
  password: Password(8),
  role: Role,
});
export const UpdateUser = z.object({
  role: Role.optional(),
  disabled: z.boolean().optional(),
  password: Password(8).optional(),
});
/** A user's id or name (names are unique regardless of case). */
export const UserParams = z.object({ userId: UserNameText });

export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: Role,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const CreateApiToken = z.object({ name: PlainText("the token name").max(100), role: Role });
/** The secret is shown once, at creation; only its hash is stored. */
export const CreatedApiToken = ApiToken.extend({ token: z.string() });
export const TokenParams = z.object({ tokenId: z.string().refine(isUuid, { message: "must be an API token id (a UUID)" }) });

export const CSRF_HEADER = "x-csrf-token";
export const SESSION_COOKIE = "sh_session";
export const CSRF_COOKIE = "sh_csrf";
