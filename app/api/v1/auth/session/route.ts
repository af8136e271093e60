import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";

export const dynamic = "force-dynamic";
export const GET = handler(api.session, async ({ principal, auth }) => ({ user: principal, csrfToken: auth?.csrfToken ?? null }));
