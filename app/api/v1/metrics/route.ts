import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { metricsReport } from "@/server/metrics/metrics-report";

export const dynamic = "force-dynamic";
export const GET = handler(api.metrics, ({ ctx }) => metricsReport(ctx));
