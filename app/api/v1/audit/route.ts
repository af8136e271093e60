import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { listAudit } from "@/server/audit/audit";

export const dynamic = "force-dynamic";
export const GET = handler(api.audit, ({ ctx, query }) => listAudit(ctx.db, query));
