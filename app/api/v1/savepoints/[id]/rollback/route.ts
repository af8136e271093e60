import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { requestRollback } from "@/server/durability/rollback";

export const dynamic = "force-dynamic";
export const POST = handler(api.rollbackSavepoint, ({ ctx, principal, params }) => requestRollback(ctx, principal!, params.id));
