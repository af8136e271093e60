"use client";

import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../api";
import type { Health } from "../types";
import { keys } from "./keys";

// /api/health answers 503 with the same body when something is down; that body is the answer we want.
async function fetchHealth(): Promise<Health> {
  const res = await fetch("/api/health", { headers: { Accept: "application/json" }, cache: "no-store" });
  const body = (await res.json().catch(() => null)) as Health | null;
  if (body && typeof body === "object" && "postgres" in body) return body;
  throw new ApiError(res.status, "health-unavailable", `The health check answered ${res.status}`);
}

/**
 * The header polls every 5 s; a live screen (the overview) passes a shorter interval, or false while paused.
 * One query key: every observer shares the answer and the shortest interval wins. Hidden tabs do not poll.
 */
export function useHealth({ refetchInterval = 5_000 }: { refetchInterval?: number | false } = {}) {
  return useQuery({ queryKey: keys.health, queryFn: fetchHealth, refetchInterval, refetchIntervalInBackground: false, retry: false });
}
