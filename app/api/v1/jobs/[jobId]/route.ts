import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { getControlJob } from "@/server/durability/control-jobs";

export const dynamic = "force-dynamic";
export const GET = handler(api.getJob, ({ ctx, params }) => getControlJob(ctx, params.jobId));
