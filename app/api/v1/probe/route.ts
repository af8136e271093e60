import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { hostPolicyOf } from "@/server/net/host-policy";
import { probeEndpoint } from "@/server/registry/probe-endpoint";

export const dynamic = "force-dynamic";
export const POST = handler(api.probe, ({ ctx, body }) => probeEndpoint(body, hostPolicyOf(ctx.env)));
