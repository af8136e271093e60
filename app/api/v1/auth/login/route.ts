import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { loginResponse } from "@/server/http/session-cookies";
import { clientAddress } from "@/server/http/forwarded";
import { login } from "@/server/auth/sessions";

export const dynamic = "force-dynamic";
export const POST = handler(api.login, async ({ ctx, body, req }) =>
  loginResponse(req, ctx, await login(ctx, body, clientAddress(req.headers, ctx.env.STATEHOUSE_TRUST_PROXY))),
);
