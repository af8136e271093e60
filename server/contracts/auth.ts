import { z } from "zod";
import { Role } from "./common";
export { Role };

export const LoginInput = z.object({
  username: z.string().min(1, { message: "is required" }).max(100),
  password: z.string().min(1, { message: "is required" }).max(500),
});

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
    .max(100)
    .regex(/^[A-Za-z0-9._@-]+$/, { message: "may contain letters, digits and . _ @ - only" }),
  password: z.string().min(8, { message: "must be at least 8 characters" }).max(500),
  role: Role,
});
export const UpdateUser = z.object({
  role: Role.optional(),
  disabled: z.boolean().optional(),
  password: z.string().min(8, { message: "must be at least 8 characters" }).max(500).optional(),
});
export const UserParams = z.object({ userId: z.string().min(1) });

export const ApiToken = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: Role,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export const CreateApiToken = z.object({ name: z.string().min(1).max(100), role: Role });
/** The secret is shown once, at creation; only its hash is stored. */
export const CreatedApiToken = ApiToken.extend({ token: z.string() });
export const TokenParams = z.object({ tokenId: z.string().min(1) });

export const CSRF_HEADER = "x-csrf-token";
export const SESSION_COOKIE = "sh_session";
export const CSRF_COOKIE = "sh_csrf";
