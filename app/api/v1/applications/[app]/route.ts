import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { deleteApplication, getApplication, updateApplication } from "@/server/registry/applications";

export const dynamic = "force-dynamic";
export const GET = handler(api.getApplication, ({ ctx, params }) => getApplication(ctx, params.app));
export const PATCH = handler(api.updateApplication, ({ ctx, principal, params, body }) => updateApplication(ctx, principal, params.app, body));
export const DELETE = handler(api.deleteApplication, ({ ctx, principal, params }) => deleteApplication(ctx, principal, params.app));
