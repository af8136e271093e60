"use client";

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson, appPath } from "../api";
import type { Application } from "../types";
import { keys } from "./keys";

export interface ApplicationPage {
  applications: Application[];
  next: string | null;
}

export function useApplicationPage(cursor: string | null, limit: number) {
  return useQuery({
    queryKey: keys.applicationPage(cursor, limit),
    queryFn: ({ signal }) =>
      apiJson<ApplicationPage>("/api/v1/applications", { query: { cursor, limit }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useCreateApplication() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: { name: string; description?: string }) =>
      apiJson<Application>("/api/v1/applications", { method: "POST", body: input }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.applications }),
  });
}

/** Pause or resume; both answer with the application, which updates the detail view at once. */
export function useSetPaused() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ app, paused }: { app: string; paused: boolean }) =>
      apiJson<Application>(`${appPath(app)}/${paused ? "pause" : "resume"}`, { method: "POST" }),
    onSuccess: (updated, { app }) => {
      qc.setQueryData(keys.application(app), (old: object | undefined) => (old ? { ...old, ...updated } : old));
      void qc.invalidateQueries({ queryKey: keys.applications });
      void qc.invalidateQueries({ queryKey: keys.application(app) });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}
