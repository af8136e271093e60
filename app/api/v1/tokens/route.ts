import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { createApiToken, listApiTokens } from "@/server/auth/api-tokens";

export const dynamic = "force-dynamic";
export const GET = handler(api.listTokens, ({ ctx }) => listApiTokens(ctx));
export const POST = handler(api.createToken, ({ ctx, principal, body }) => createApiToken(ctx, principal, body));
