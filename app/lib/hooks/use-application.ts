"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson, appPath } from "../api";
import type { Application, ApplicationDetail } from "../types";
import { keys } from "./keys";

export function useApplication(app: string) {
  return useQuery({
    queryKey: keys.application(app),
    queryFn: ({ signal }) => apiJson<ApplicationDetail>(appPath(app), { signal }),
  });
}

export function useUpdateDescription(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (description: string) => apiJson<Application>(appPath(app), { method: "PATCH", body: { description } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.application(app) });
      void qc.invalidateQueries({ queryKey: keys.applications });
    },
  });
}

export function useDeleteApplication(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => apiJson<{ ok: true }>(appPath(app), { method: "DELETE" }),
    onSuccess: () => {
      qc.removeQueries({ queryKey: keys.application(app) });
      void qc.invalidateQueries({ queryKey: keys.applications });
    },
  });
}
