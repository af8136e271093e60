import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { readEgress } from "@/server/egress/read";

export const dynamic = "force-dynamic";
export const GET = handler(api.readEgress, ({ ctx, params, query }) => readEgress(ctx, params, query));
