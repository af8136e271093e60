import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { revokeApiToken } from "@/server/auth/api-tokens";

export const dynamic = "force-dynamic";
export const DELETE = handler(api.revokeToken, ({ ctx, principal, params }) => revokeApiToken(ctx, principal, params.tokenId));
