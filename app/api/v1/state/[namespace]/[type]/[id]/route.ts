import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { getAddressState } from "@/server/state/read";
import { patchState } from "@/server/state/patch";

export const dynamic = "force-dynamic";
export const GET = handler(api.getState, ({ ctx, params }) => getAddressState(ctx, params));
export const PATCH = handler(api.patchState, ({ ctx, principal, params, body }) => patchState(ctx, principal, params, body));
