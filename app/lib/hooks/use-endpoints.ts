"use client";

import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
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

const endpointPath = (app: string, endpointId: string) => `${appPath(app)}/endpoints/${encodeURIComponent(endpointId)}`;

/**
 * A binding change can move function types between applications (?move=true), so every application's detail,
 * the function list and the audit are refetched, not only this application's.
 */
function invalidateRegistry(qc: QueryClient) {
  for (const queryKey of [["application"], keys.applications, keys.functions, keys.audit]) void qc.invalidateQueries({ queryKey });
}

/** `move`: take function types another application binds (else the server answers 409 function-type-bound-elsewhere). */
export function useCreateEndpoint(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ input, move }: { input: EndpointInput; move?: boolean }) =>
      apiJson<Endpoint>(`${appPath(app)}/endpoints`, { method: "POST", body: input, query: move ? { move: "true" } : undefined }),
    onSuccess: () => invalidateRegistry(qc),
  });
}

export function useReplaceEndpoint(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ endpointId, input, move }: { endpointId: string; input: EndpointInput; move?: boolean }) =>
      apiJson<Endpoint>(endpointPath(app, endpointId), { method: "PUT", body: input, query: move ? { move: "true" } : undefined }),
    onSuccess: () => invalidateRegistry(qc),
  });
}

/** Probes one function type the endpoint binds and stores what it declares. */
export function useReprobeEndpoint(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ endpointId, functionType }: { endpointId: string; functionType: string }) =>
      apiJson<Endpoint>(`${endpointPath(app, endpointId)}/probe`, { method: "POST", body: { functionType } }),
    onSuccess: () => invalidateRegistry(qc),
  });
}

export function useDeleteEndpoint(app: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (endpointId: string) => apiJson<{ ok: true }>(endpointPath(app, endpointId), { method: "DELETE" }),
    onSuccess: () => invalidateRegistry(qc),
  });
}
