import { api } from "@/server/contracts/api";
import { handler, jsonResponse } from "@/server/http/route";
import { checkHealth } from "@/server/operations/health";

export const dynamic = "force-dynamic";
export const GET = handler(api.health, async ({ ctx }) => {
  const h = await checkHealth(ctx);
  return jsonResponse(h, h.status === "down" ? 503 : 200);
});
