"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { apiJson, appPath } from "../api";
import type { Endpoint, EndpointInput, ProbeResult } from "../types";
import { keys } from "./keys";

export interface ProbeInput {
  urlPathTemplate: string;
  functionType: string;
  transport?: EndpointInput["transport"];
}

/** A real ToFunction with no state: proves the endpoint answers and reports the state it declares. */
export function useProbe() {
  return useMutation({
    mutationFn: (input: ProbeInput) => apiJson<ProbeResult>("/api/v1/probe", { method: "POST", body: input }),
  });
}

export function useCreateEndpoint(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: EndpointInput) =>
      apiJson<Endpoint>(`${appPath(app)}/endpoints`, { method: "POST", body: input }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.application(app) });
      void qc.invalidateQueries({ queryKey: keys.applications });
    },
  });
}

export function useDeleteEndpoint(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (endpointId: string) =>
      apiJson<{ ok: true }>(`${appPath(app)}/endpoints/${encodeURIComponent(endpointId)}`, { method: "DELETE" }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: keys.application(app) });
      void qc.invalidateQueries({ queryKey: keys.applications });
    },
  });
}
