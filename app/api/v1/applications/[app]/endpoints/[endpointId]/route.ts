import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { deleteEndpoint, getEndpoint, replaceEndpoint } from "@/server/registry/endpoints";

export const dynamic = "force-dynamic";
export const GET = handler(api.getEndpoint, ({ ctx, params }) => getEndpoint(ctx, params.app, params.endpointId));
export const PUT = handler(api.replaceEndpoint, ({ ctx, principal, params, query, body }) => replaceEndpoint(ctx, principal, params.app, params.endpointId, body, query.move));
export const DELETE = handler(api.deleteEndpoint, ({ ctx, principal, params }) => deleteEndpoint(ctx, principal, params.app, params.endpointId));
