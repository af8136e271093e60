import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { listSavepoints, requestSavepoint } from "@/server/durability/savepoints";

export const dynamic = "force-dynamic";
export const GET = handler(api.listSavepoints, async ({ ctx, params }) => ({ savepoints: await listSavepoints(ctx, params.app) }));
export const POST = handler(api.createSavepoint, async ({ ctx, principal, params, body }) => {
  const sp = await requestSavepoint(ctx, principal!, params.app, { label: body.label });
  return { id: sp.id, status: sp.status as "pending" };
});
