"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiJson, apiText, appPath } from "../api";
import type { ModuleDiff } from "../types";
import { keys } from "./keys";

export const modulePath = (app: string) => `${appPath(app)}/module`;

export function useModuleYaml(app: string) {
  return useQuery({
    queryKey: keys.module(app),
    queryFn: ({ signal }) => apiText(modulePath(app), { signal }),
    staleTime: Infinity,
  });
}

/** `dryRun: true` only diffs; the same YAML applied replaces the app's endpoints, ingresses and egresses. */
export function usePutModule(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ yaml, dryRun }: { yaml: string; dryRun: boolean }) =>
      apiJson<ModuleDiff>(modulePath(app), {
        method: "PUT",
        body: yaml,
        contentType: "application/yaml",
        query: dryRun ? { dryRun: "true" } : undefined,
      }),
    onSuccess: (_diff, { dryRun }) => {
      if (dryRun) return;
      void qc.invalidateQueries({ queryKey: keys.application(app) });
      void qc.invalidateQueries({ queryKey: keys.module(app) });
      void qc.invalidateQueries({ queryKey: keys.applications });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}
