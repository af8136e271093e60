import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { getSavepoint } from "@/server/durability/savepoints";

export const dynamic = "force-dynamic";
export const GET = handler(api.getSavepoint, ({ ctx, params }) => getSavepoint(ctx, params.id));
