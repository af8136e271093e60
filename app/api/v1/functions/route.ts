import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { listFunctionTypes } from "@/server/registry/function-types";

export const dynamic = "force-dynamic";
export const GET = handler(api.listFunctions, ({ ctx }) => listFunctionTypes(ctx));
