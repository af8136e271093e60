import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { setApplicationPaused } from "@/server/registry/applications";

export const dynamic = "force-dynamic";
export const POST = handler(api.resumeApplication, ({ ctx, principal, params }) => setApplicationPaused(ctx, principal, params.app, false));
