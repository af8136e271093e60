"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { apiJson } from "../api";
import type { AuditPage } from "../types";
import { keys } from "./keys";

export function useAudit(limit = 50) {
  return useInfiniteQuery({
    queryKey: [...keys.audit, { limit }],
    queryFn: ({ pageParam, signal }) =>
      apiJson<AuditPage>("/api/v1/audit", { query: { cursor: pageParam, limit }, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
}
