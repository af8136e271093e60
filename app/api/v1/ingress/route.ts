import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { sendBatch } from "@/server/dispatch/ingress-http";

export const dynamic = "force-dynamic";
export const POST = handler(api.sendBatch, ({ ctx, body }) => sendBatch(ctx, body));
