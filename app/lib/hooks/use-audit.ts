"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { apiJson } from "../api";
import type { AuditPage } from "../types";
import { keys } from "./keys";

/** Exact matches, as GET /api/v1/audit takes them; null: any. */
export interface AuditFilter {
  targetType: string | null;
  target: string | null;
  actor: string | null;
}

export const NO_AUDIT_FILTER: AuditFilter = { targetType: null, target: null, actor: null };

export function useAudit(limit = 50, filter: AuditFilter = NO_AUDIT_FILTER) {
  return useInfiniteQuery({
    queryKey: [...keys.audit, { limit, ...filter }],
    queryFn: ({ pageParam, signal }) =>
      apiJson<AuditPage>("/api/v1/audit", { query: { cursor: pageParam, limit, ...filter }, signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
}
