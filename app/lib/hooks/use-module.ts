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

/**
 * `dryRun: true` only diffs; the same YAML applied replaces the app's endpoints, ingresses and egresses. `move`
 * takes function types another application binds (else 409 function-type-bound-elsewhere).
 */
export function usePutModule(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ yaml, dryRun, move }: { yaml: string; dryRun: boolean; move?: boolean }) =>
      apiJson<ModuleDiff>(modulePath(app), {
        method: "PUT",
        body: yaml,
        contentType: "application/yaml",
        query: { ...(dryRun ? { dryRun: "true" } : {}), ...(move ? { move: "true" } : {}) },
      }),
    onSuccess: (_diff, { dryRun }) => {
      if (dryRun) return;
      // every application: a move changes another one's endpoints too
      void qc.invalidateQueries({ queryKey: ["application"] });
      void qc.invalidateQueries({ queryKey: keys.functions });
      void qc.invalidateQueries({ queryKey: keys.applications });
      void qc.invalidateQueries({ queryKey: keys.audit });
    },
  });
}
