import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { diffSavepoint } from "@/server/durability/diff";
import { poolOf } from "@/server/durability/pool";

export const dynamic = "force-dynamic";
export const GET = handler(api.diffSavepoint, ({ ctx, params, query }) => diffSavepoint(ctx, poolOf(ctx), params.id, query));
