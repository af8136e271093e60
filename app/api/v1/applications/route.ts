import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { createApplication, listApplications } from "@/server/registry/applications";

export const dynamic = "force-dynamic";
export const GET = handler(api.listApplications, ({ ctx, query }) => listApplications(ctx, query));
export const POST = handler(api.createApplication, ({ ctx, principal, body }) => createApplication(ctx, principal, body));
