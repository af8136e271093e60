import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { createEndpoint, listEndpoints } from "@/server/registry/endpoints";

export const dynamic = "force-dynamic";
export const GET = handler(api.listEndpoints, ({ ctx, params }) => listEndpoints(ctx, params.app));
export const POST = handler(api.createEndpoint, ({ ctx, principal, params, query, body }) => createEndpoint(ctx, principal, params.app, body, query.move));
