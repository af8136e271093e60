import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { unparkAddress } from "@/server/state/parked";

export const dynamic = "force-dynamic";
export const POST = handler(api.skipParked, ({ ctx, principal, params }) => unparkAddress(ctx, principal, params, "skip"));
