import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { addressHistory } from "@/server/state/history";

export const dynamic = "force-dynamic";
export const GET = handler(api.stateHistory, ({ ctx, params, query }) => addressHistory(ctx, params, query));
