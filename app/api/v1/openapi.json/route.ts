import { api } from "@/server/contracts/api";
import { handler, jsonResponse } from "@/server/http/route";
import { openApiDocument } from "@/server/http/openapi";

export const dynamic = "force-dynamic";
export const GET = handler(api.openapi, async () => jsonResponse(openApiDocument()));
