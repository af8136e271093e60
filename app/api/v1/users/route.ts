import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { createUser, listUsers } from "@/server/auth/users";

export const dynamic = "force-dynamic";
export const GET = handler(api.listUsers, ({ ctx }) => listUsers(ctx));
export const POST = handler(api.createUser, ({ ctx, principal, body }) => createUser(ctx, principal, body));
