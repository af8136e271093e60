import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { updateUser } from "@/server/auth/users";

export const dynamic = "force-dynamic";
export const PATCH = handler(api.updateUser, ({ ctx, principal, params, body }) => updateUser(ctx, principal, params.userId, body));
