"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { MetricsReport } from "@/server/metrics/contract";
import { apiJson } from "../api";
import { appendReport, EMPTY_SERIES, type MetricSeries } from "../metric-series";
import { keys } from "./keys";

export const LIVE_INTERVAL_MS = 1_000;

/**
 * GET /api/v1/metrics every second while live, each answer appended to the rolling series kept in the query
 * cache (so leaving the overview and coming back within gcTime keeps the history). react-query skips interval
 * refetches while the tab is hidden (refetchIntervalInBackground: false), and none run while paused.
 */
export function useMetricSeries(live: boolean) {
  const qc = useQueryClient();
  return useQuery({
    queryKey: keys.metrics,
    queryFn: async () => appendReport(qc.getQueryData<MetricSeries>(keys.metrics) ?? EMPTY_SERIES, await apiJson<MetricsReport>("/api/v1/metrics")),
    refetchInterval: live ? LIVE_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: live,
    staleTime: 0,
    gcTime: 10 * 60_000,
  });
}
