"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson } from "../api";
import type { Role, User } from "../types";
import { keys } from "./keys";

export function useUsers(enabled = true) {
  return useQuery({
    queryKey: keys.users,
    queryFn: ({ signal }) => apiJson<{ users: User[] }>("/api/v1/users", { signal }),
    select: (d) => d.users,
    enabled,
  });
}

export function useCreateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { username: string; password: string; role: Role }) => apiJson<User>("/api/v1/users", { method: "POST", body: input }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.users });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}

/** Role, disabled flag or password; the answer replaces the row at once. */
export function useUpdateUser() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ...change }: { id: string; role?: Role; disabled?: boolean; password?: string }) =>
      apiJson<User>(`/api/v1/users/${encodeURIComponent(id)}`, { method: "PATCH", body: change }),
    onSuccess: (u) => {
      qc.setQueryData<{ users: User[] }>(keys.users, (old) => (old ? { users: old.users.map((x) => (x.id === u.id ? u : x)) } : old));
      void qc.invalidateQueries({ queryKey: keys.users });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}
