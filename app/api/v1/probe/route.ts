import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { probeEndpoint } from "@/server/registry/probe-endpoint";

export const dynamic = "force-dynamic";
export const POST = handler(api.probe, ({ body }) => probeEndpoint(body));
