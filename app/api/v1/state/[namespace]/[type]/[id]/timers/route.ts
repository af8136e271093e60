import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { pendingTimers } from "@/server/state/timers";

export const dynamic = "force-dynamic";
export const GET = handler(api.stateTimers, ({ ctx, params, query }) => pendingTimers(ctx, params, query));
