"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../api";
import type { ApiToken, CreatedApiToken, Role } from "../types";
import { keys } from "./keys";

export function useTokens(enabled = true) {
  return useQuery({
    queryKey: keys.tokens,
    queryFn: ({ signal }) => apiJson<{ tokens: ApiToken[] }>("/api/v1/tokens", { signal }),
    select: (d) => d.tokens,
    enabled,
  });
}

/** The answer carries the secret, the only time it is ever shown: the caller keeps it in memory, never in the cache. */
export function useCreateToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; role: Role }) => apiJson<CreatedApiToken>("/api/v1/tokens", { method: "POST", body: input }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.tokens });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}

export function useRevokeToken() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (tokenId: string) => apiJson<ApiToken>(`/api/v1/tokens/${encodeURIComponent(tokenId)}`, { method: "DELETE" }),
    onSuccess: (t) => {
      qc.setQueryData<{ tokens: ApiToken[] }>(keys.tokens, (old) => (old ? { tokens: old.tokens.map((x) => (x.id === t.id ? t : x)) } : old));
      void qc.invalidateQueries({ queryKey: keys.tokens });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}
