"use client";

import { useEffect, useRef } from "react";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { AddressState, History, PatchResult, PatchState, PendingTimers, UnparkResult } from "@/server/contracts/state";
import type { Accepted } from "@/server/contracts/messages";
import { ApiError, apiJson } from "../api";
import type { MessageBody } from "../address-values";
import { keys } from "./keys";

export type { AddressState };
export type AddressHistory = z.infer<typeof History>;
export type HistoryCommit = AddressHistory["commits"][number];
export type AddressTimers = z.infer<typeof PendingTimers>;
export type StateValue = AddressState["values"][number];
export type MailboxEntry = AddressState["mailbox"]["head"][number];

export interface AddressRef {
  namespace: string;
  type: string;
  id: string;
}

const seg = encodeURIComponent;
export const statePath = (a: AddressRef) => `/api/v1/state/${seg(a.namespace)}/${seg(a.type)}/${seg(a.id)}`;

/** The address page polls its state this often while the tab is visible (the "live": ≤ 2 s). */
export const LIVE_INTERVAL_MS = 1_500;

/**
 * The address's state, or null while it has none (404 address-not-found): an answer, not an error — react-query
 * drops an error without data back to "pending" on every refetch, which would blank the page each poll.
 */
export function useAddressState(a: AddressRef, live: boolean) {
  return useQuery({
    queryKey: keys.address(a.namespace, a.type, a.id),
    queryFn: async ({ signal }): Promise<AddressState | null> => {
      try {
        return await apiJson<AddressState>(statePath(a), { signal });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404 && e.code === "address-not-found") return null;
        throw e;
      }
    },
    refetchInterval: live ? LIVE_INTERVAL_MS : false,
    refetchIntervalInBackground: false,
  });
}

/**
 * When the version moves (a commit, a patch, a skip), what hangs off it is stale: history, the delayed messages
 * the address sent, what it emitted. Refetched then, not on every poll.
 */
export function useFollowVersion(a: AddressRef, version: number | undefined) {
  const qc = useQueryClient();
  const seen = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (version === undefined) return;
    if (seen.current !== undefined && seen.current !== version) {
      for (const part of ["history", "timers", "egress"])
        void qc.invalidateQueries({ queryKey: [...keys.address(a.namespace, a.type, a.id), part] });
    }
    seen.current = version;
  }, [qc, a.namespace, a.type, a.id, version]);
}

export function useAddressHistory(a: AddressRef, before: string | null, enabled: boolean, limit = 20) {
  return useQuery({
    enabled,
    queryKey: keys.addressHistory(a.namespace, a.type, a.id, before),
    queryFn: ({ signal }) => apiJson<AddressHistory>(`${statePath(a)}/history`, { query: { limit, before }, signal }),
    placeholderData: keepPreviousData,
  });
}

export function useAddressTimers(a: AddressRef, live: boolean, enabled: boolean) {
  return useQuery({
    enabled,
    queryKey: keys.addressTimers(a.namespace, a.type, a.id),
    queryFn: ({ signal }) => apiJson<AddressTimers>(`${statePath(a)}/timers`, { query: { limit: 50 }, signal }),
    // Due messages leave without a commit of this address: a slow poll besides the version follow.
    refetchInterval: live ? 10_000 : false,
    refetchIntervalInBackground: false,
  });
}

export type PatchBody = z.infer<typeof PatchState>;
export type PatchAnswer = z.infer<typeof PatchResult>;

export function usePatchState(a: AddressRef) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: PatchBody) => apiJson<PatchAnswer>(statePath(a), { method: "PATCH", body }),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.address(a.namespace, a.type, a.id) }),
  });
}

export function useSendMessage(a: AddressRef) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (m: MessageBody) =>
      apiJson<z.infer<typeof Accepted>>(`/api/v1/ingress/${seg(a.namespace)}/${seg(a.type)}/${seg(a.id)}`, {
        method: "POST",
        // apiJson sends a string or bytes as is when a content type is given.
        body: m.body as string,
        contentType: m.contentType,
      }),
    onSuccess: () => qc.invalidateQueries({ queryKey: keys.address(a.namespace, a.type, a.id) }),
  });
}

export function useUnpark(a: AddressRef) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (mode: "resume" | "skip") =>
      apiJson<z.infer<typeof UnparkResult>>(`/api/v1/parked/${seg(a.namespace)}/${seg(a.type)}/${seg(a.id)}/${mode}`, { method: "POST" }),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: keys.address(a.namespace, a.type, a.id) });
      void qc.invalidateQueries({ queryKey: ["parked"] });
    },
  });
}
