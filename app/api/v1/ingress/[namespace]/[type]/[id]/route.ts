import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { sendOne } from "@/server/dispatch/ingress-http";

export const dynamic = "force-dynamic";
export const POST = handler(api.sendMessage, ({ ctx, req, params, body }) => sendOne(ctx, req.headers, params, body));
export const PUT = handler(api.putMessage, ({ ctx, req, params, body }) => sendOne(ctx, req.headers, params, body));
