"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, apiJson, rememberCsrfToken } from "../api";
import type { SessionInfo } from "../types";
import { keys } from "./keys";

async function fetchSession(): Promise<SessionInfo | null> {
  try {
    const s = await apiJson<SessionInfo>("/api/v1/auth/session");
    rememberCsrfToken(s.csrfToken);
    return s;
  } catch (e) {
    // Signed out is an answer, not an error.
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export function useSession() {
  return useQuery({ queryKey: keys.session, queryFn: fetchSession, staleTime: 60_000, retry: false });
}

export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { username: string; password: string }) =>
      apiJson<SessionInfo>("/api/v1/auth/login", { method: "POST", body: input }),
    onSuccess: (s) => {
      rememberCsrfToken(s.csrfToken);
      qc.clear();
      qc.setQueryData(keys.session, s);
    },
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => apiJson<{ ok: true }>("/api/v1/auth/logout", { method: "POST" }),
    onSettled: () => {
      rememberCsrfToken(null);
      qc.clear();
    },
  });
}
