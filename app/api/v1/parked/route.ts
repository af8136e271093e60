import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { listParked } from "@/server/state/parked";

export const dynamic = "force-dynamic";
export const GET = handler(api.listParked, ({ ctx, query }) => listParked(ctx, query));
