import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { logoutResponse } from "@/server/http/session-cookies";
import { logout } from "@/server/auth/sessions";

export const dynamic = "force-dynamic";
export const POST = handler(api.logout, async ({ ctx, auth }) => {
  await logout(ctx, auth?.sessionId ?? null);
  return logoutResponse();
});
