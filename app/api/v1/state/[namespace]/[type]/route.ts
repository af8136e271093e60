import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { listAddresses } from "@/server/state/list";

export const dynamic = "force-dynamic";
export const GET = handler(api.listAddresses, ({ ctx, params, query }) => listAddresses(ctx, params, query));
