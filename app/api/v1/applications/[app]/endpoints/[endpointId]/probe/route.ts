import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { reprobeEndpoint } from "@/server/registry/endpoints";

export const dynamic = "force-dynamic";
export const POST = handler(api.probeEndpoint, ({ ctx, principal, params, body }) => reprobeEndpoint(ctx, principal, params.app, params.endpointId, body.functionType));
