import { api } from "@/server/contracts/api";
import { handler } from "@/server/http/route";
import { prometheusMetrics, PROMETHEUS_CONTENT_TYPE } from "@/server/metrics/metrics-report";

export const dynamic = "force-dynamic";
export const GET = handler(api.prometheusMetrics, async ({ ctx }) =>
  new Response(await prometheusMetrics(ctx), { headers: { "content-type": PROMETHEUS_CONTENT_TYPE, "cache-control": "no-store" } }),
);
