import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { importSavepoint } from "@/server/durability/import";
import { poolOf } from "@/server/durability/pool";

export const dynamic = "force-dynamic";
export const POST = handler(api.importSavepoint, ({ ctx, principal, params, body }) => importSavepoint(ctx, poolOf(ctx), principal!, params.app, body));
